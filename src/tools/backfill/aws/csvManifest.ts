import { decodeS3Key } from '../../../aws/events/parseS3Event';
import { UsageError } from '../../../common/errors';
import { isThumbnailOutputKey } from '../../../core/thumbnailKey';
import { printable } from '../../../common/text';
import { BACKFILL_PREFIX } from '../locations';
import { csvFields } from './completionReport';
import type { PinnedFunction } from './jobRequest';

/** A manifest line: the bucket and the key URL-encoded, as Batch Operations reads a CSV manifest. */
export const manifestLine = (bucket: string, key: string) => `${bucket},${encodeURIComponent(key)}`;

/** Why the function must never be handed this key, or undefined when it may. */
export function keyProblem(key: string, target: PinnedFunction): string | undefined {
  if (!key.startsWith(target.sourcePrefix)) {
    return `outside the function's SOURCE_PREFIX "${target.sourcePrefix}"`;
  }
  const shared = target.sourceBucket === target.thumbnailBucket;
  if (shared && (target.thumbnailPrefix === '' || isThumbnailOutputKey(key, target.thumbnailPrefix))) {
    return 'a thumbnail (under THUMBNAIL_PREFIX of the same bucket): backfill never thumbnails thumbnails';
  }
  return shared && key.startsWith(BACKFILL_PREFIX) ? "one of backfill's own files" : undefined;
}

function lineKey(fields: readonly string[], number: number, target: PinnedFunction): string {
  const [bucket = '', encoded = ''] = fields;
  if (bucket !== target.sourceBucket) {
    throw new UsageError(
      `--csv line ${number}: bucket ${JSON.stringify(printable(bucket))} is not the function's source bucket ${target.sourceBucket}`,
    );
  }
  let key: string;
  try {
    key = decodeS3Key(encoded);
  } catch {
    throw new UsageError(
      `--csv line ${number}: the key is not URL-encoded: ${JSON.stringify(printable(encoded))}`,
    );
  }
  const problem = key === '' ? 'no key' : keyProblem(key, target);
  if (problem !== undefined) {
    throw new UsageError(`--csv line ${number}: ${JSON.stringify(printable(key))} is ${problem}`);
  }
  return key;
}

/**
 * A user's CSV manifest (Bucket,Key[,VersionId], keys URL-encoded), checked line by line before any job
 * exists: every object in the function's source bucket and prefix, none a thumbnail. Returns the manifest
 * to upload, one line per object, in the job's own two-field format.
 */
export function checkCsvManifest(text: string, target: PinnedFunction): { lines: string[] } {
  const lines: string[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() !== '') {
      lines.push(manifestLine(target.sourceBucket, lineKey(csvFields(raw), index + 1, target)));
    }
  });
  if (lines.length === 0) {
    throw new UsageError('--csv: the manifest names no object');
  }
  return { lines };
}
