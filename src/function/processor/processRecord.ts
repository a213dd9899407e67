import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config';
import { exactBytes, exactCount } from '../../common/text';
import { makeThumbnail, type Thumbnail } from '../../core/engine/makeThumbnail';
import { OUTPUT_FORMATS } from '../../core/engine/thumbnailOptions';
import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import { isThumbnailOutputKey, thumbnailKey } from '../../core/thumbnailKey';
import { downloadSource, type SourceDownload } from '../../aws/s3/downloadSource';
import { stampFor } from '../../aws/s3/thumbnailStamp';
import { readStoredStamp, type ThumbnailLocation, writeThumbnail } from '../../aws/s3/thumbnailStore';
import { type RecordOutcome, rejected, skipped } from './recordOutcome';
import { duringStep } from './stepFailure';
import { isImageRejectedError } from '../../common/errors';

export interface RecordDependencies {
  readonly s3: S3Client;
  readonly config: Config;
  /** {@link settingsFingerprint} of `config.thumbnail`, computed once. */
  readonly settings: string;
}

/** Reasons to leave an object alone that need no request at all. */
export function precheck(object: S3ObjectEvent, config: Config): RecordOutcome | undefined {
  if (!object.eventName.startsWith('ObjectCreated:')) {
    return skipped('not-object-created', `event ${object.eventName} does not create an object`);
  }
  if (config.sourceBucket !== undefined && object.bucket !== config.sourceBucket) {
    return skipped(
      'not-source-bucket',
      `bucket ${object.bucket} is not the source bucket ${config.sourceBucket}`,
    );
  }
  if (!object.key.startsWith(config.sourcePrefix)) {
    return skipped('outside-source-prefix', `key is not under the source prefix "${config.sourcePrefix}"`);
  }
  if (object.bucket === config.thumbnailBucket && isThumbnailOutputKey(object.key, config.thumbnailPrefix)) {
    return skipped('recursion-guard', `key is under the thumbnail prefix "${config.thumbnailPrefix}"`);
  }
  if (object.key.endsWith('/')) {
    return skipped('folder-marker', folderMarkerDetail(object.size));
  }
  const { maxInputBytes } = config.thumbnail;
  if (object.size !== undefined && object.size > maxInputBytes) {
    return rejected('too-large', overLimit('object is', object.size, maxInputBytes));
  }
  return undefined;
}

/**
 * A key ending in "/" is what the S3 console's "Create folder" writes (zero bytes), and what every S3
 * tool lists as a folder: never an image anyone can open, whatever it holds.
 */
function folderMarkerDetail(size: number | undefined): string {
  const holding = size ? ` (it holds ${exactBytes(size)}, which S3 tools hide behind the folder)` : '';
  return `the key ends in "/": a folder marker, not an image${holding}`;
}

const overLimit = (what: string, bytes: number, limit: number) =>
  `${what} ${exactBytes(bytes)}, above the ${exactCount(limit)}-byte limit`;

async function isCurrent(object: S3ObjectEvent, output: ThumbnailLocation, deps: RecordDependencies) {
  if (object.eTag === undefined) {
    return false;
  }
  const stored = await duringStep('check-thumbnail', () => readStoredStamp(deps.s3, output));
  return stored?.sourceETag === object.eTag && stored.settings === deps.settings;
}

function downloadFailure(
  download: Exclude<SourceDownload, { kind: 'downloaded' }>,
  limit: number,
): RecordOutcome {
  switch (download.kind) {
    case 'gone':
      return skipped('source-gone', 'the object was deleted after this event was sent; nothing to thumbnail');
    case 'superseded':
      return skipped('superseded', 'the object was overwritten after this event; its own event covers it');
    case 'is-thumbnail':
      return skipped('source-is-thumbnail', 'the object is a thumbnail written by this service');
    case 'too-large':
      // S3 may not declare a length (or declare a wrong one); the download stops at the limit either way.
      return rejected(
        'too-large',
        download.bytes > limit
          ? overLimit('object is', download.bytes, limit)
          : `object passed the ${exactCount(limit)}-byte limit while downloading (S3 declared ${exactBytes(download.bytes)})`,
      );
  }
}

/** The thumbnail, or the permanent rejection the engine gave the bytes. */
async function renderOrReject(body: Buffer, config: Config): Promise<Thumbnail | RecordOutcome> {
  try {
    return await makeThumbnail(body, config.thumbnail, config.inputLimits);
  } catch (error) {
    if (isImageRejectedError(error)) {
      return rejected(error.reason, error.message);
    }
    throw error;
  }
}

/**
 * Makes the thumbnail for one object-created event. Resolves with what happened for every expected
 * case, including permanent failures; rejects only for failures worth retrying (S3 errors, network), with
 * a `StepFailedError` that names the call that failed.
 */
export async function processRecord(object: S3ObjectEvent, deps: RecordDependencies): Promise<RecordOutcome> {
  const { config, s3 } = deps;
  const early = precheck(object, config);
  if (early) {
    return early;
  }
  const output = {
    bucket: config.thumbnailBucket,
    key: thumbnailKey(object.key, config.thumbnailPrefix, OUTPUT_FORMATS[config.thumbnail.format].extension),
  };
  if (await isCurrent(object, output, deps)) {
    return skipped(
      'already-current',
      `${output.key} was already made from this version with these settings`,
      output.key,
    );
  }
  const download = await duringStep('download-source', () =>
    downloadSource(s3, object, config.thumbnail.maxInputBytes),
  );
  if (download.kind !== 'downloaded') {
    return downloadFailure(download, config.thumbnail.maxInputBytes);
  }
  const thumbnail = await renderOrReject(download.body, config);
  if ('status' in thumbnail) {
    return thumbnail;
  }
  const stamp = stampFor(object.key, object.eTag ?? download.eTag, deps.settings);
  await duringStep('write-thumbnail', () =>
    writeThumbnail(s3, output, thumbnail, stamp, config.cacheControl),
  );
  const { width, height, format } = thumbnail;
  return {
    status: 'made',
    outputKey: output.key,
    input: thumbnail.input,
    output: { bytes: thumbnail.data.length, width, height, format },
  };
}
