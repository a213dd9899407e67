import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import { headSource } from '../../aws/s3/headSource';
import { precheck, processRecord, type RecordDependencies } from './processRecord';
import { type RecordOutcome, skipped } from './recordOutcome';
import { duringStep } from './stepFailure';

/** An object named by key alone (a backfill task), not by an event that says which version it was. */
export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string | undefined;
}

/**
 * The record flow for an object already in the bucket: the same checks as for an upload, then a HEAD for
 * the ETag an upload's event would have carried, so that renditions already made from that version are
 * skipped (the processor compares their stamps with it) and only missing ones are made. The HEAD reads
 * the key's current version: thumbnails follow what the key holds now, whatever version a manifest named.
 */
export async function processStoredObject(
  object: StoredObject,
  deps: RecordDependencies,
): Promise<RecordOutcome> {
  const event: S3ObjectEvent = { ...object, eventName: 'ObjectCreated:Put' };
  const early = precheck(event, deps.config);
  if (early) {
    return early;
  }
  const facts = await duringStep('check-source', () => headSource(deps.s3, object.bucket, object.key));
  switch (facts.kind) {
    case 'gone':
      return skipped('source-gone', 'no object has this key (any more); nothing to thumbnail');
    case 'is-thumbnail':
      return skipped('source-is-thumbnail', 'the object is a thumbnail written by this service');
    case 'found':
      return processRecord({ ...event, eTag: facts.eTag, size: facts.size }, deps);
  }
}
