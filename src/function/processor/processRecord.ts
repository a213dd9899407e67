import type { Config } from '../config';
import { exactBytes } from '../../common/text';
import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import { isThumbnailOutputKey } from '../../core/thumbnailKey';
import { type RecordOutcome, skipped } from './recordOutcome';
import { makeFromUpload } from './makeFromUpload';
import {
  type Pass,
  readSource,
  type RecordDependencies,
  removeAll,
  stillStanding,
  type Version,
} from './passes';
import { StepFailedError } from '../../common/errors';

export type { RecordDependencies } from './passes';

/**
 * Events that take the object away: API deletes (a delete marker, in a versioned bucket) and lifecycle
 * expirations. Each is followed by reading what the key holds now, so which of them it is matters not.
 */
export const isRemoval = (eventName: string): boolean =>
  eventName.startsWith('ObjectRemoved:') || eventName.startsWith('LifecycleExpiration:');

/** Reasons to leave an object alone that need no request at all. */
export function precheck(object: S3ObjectEvent, config: Config): RecordOutcome | undefined {
  if (!object.eventName.startsWith('ObjectCreated:') && !isRemoval(object.eventName)) {
    return skipped('not-object-change', `event ${object.eventName} neither creates nor removes an object`);
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

/**
 * A pass toward whatever the key holds now: its derivatives removed when it holds nothing, else those of
 * the version that stands made (a late delete, or the delete of a non-current version, finds them
 * current and changes nothing; the delete of the current version remakes them from the one now current).
 */
async function followCurrent(object: S3ObjectEvent, deps: RecordDependencies): Promise<Pass> {
  const now = await readSource(object, deps);
  const base = { bucket: object.bucket, key: object.key, eTag: undefined, sequencer: object.sequencer };
  if (now.kind === 'present') {
    const pass = await makeFromUpload(
      { ...base, eTag: now.eTag, size: now.size, versionId: now.versionId },
      deps,
    );
    if (isRemoval(object.eventName) && pass.outcome.reason === 'already-current') {
      const detail =
        'the key holds a newer upload, or the deleted version was not the current one: its thumbnails stand';
      return { ...pass, outcome: skipped('source-exists', detail, pass.outcome.outputKey) };
    }
    return pass;
  }
  const removedKeys = await removeAll(base, deps);
  const detail =
    removedKeys.length > 0
      ? `removed ${removedKeys.length} derivative(s)`
      : 'no derivative was left to remove';
  return {
    outcome: { status: 'deleted', removedKeys, detail },
    // With a table, its item was deleted too (conditionally): read the source again either way.
    mutated: removedKeys.length > 0 || deps.metadata !== undefined,
    standing: { kind: 'absent' },
  };
}

/** Passes before a key that keeps changing under the record is left to Lambda's retry. */
const MAX_PASSES = 4;

/**
 * Brings the derivatives of one event's key in line with its source. Resolves with what happened for
 * every expected case, including permanent failures; rejects only for failures worth retrying (S3
 * errors, network), with a `StepFailedError` that names the call that failed.
 *
 * Events arrive at least once and in any order, and records of one key may run at once. So a pass that
 * changed anything reads the source again: if it no longer holds what the pass worked toward, another
 * pass follows whatever it holds now. The last change to a key is always followed by a pass that sees
 * it, so the key ends with exactly the derivatives of its final state (docs/events.md has the argument).
 */
export async function processRecord(object: S3ObjectEvent, deps: RecordDependencies): Promise<RecordOutcome> {
  const early = precheck(object, deps.config);
  if (early) {
    return early;
  }
  const version: Version = { ...object, eTag: object.eTag };
  let pass = isRemoval(object.eventName)
    ? await followCurrent(object, deps)
    : await makeFromUpload(version, deps);
  for (let count = 1; pass.mutated; count += 1) {
    if (stillStanding(await readSource(object, deps), pass.standing)) {
      return pass.outcome;
    }
    if (count === MAX_PASSES) {
      const error = new Error(`the object changed ${MAX_PASSES} times while its thumbnails were updated`);
      throw new StepFailedError('check-source', error);
    }
    pass = await followCurrent(object, deps);
  }
  return pass.outcome;
}
