import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import type { Invalidator } from '../../aws/cloudfront/invalidations';
import { readDerivative } from '../../aws/s3/derivativeStore';
import { invalidationBatches, invalidationPaths } from '../../core/delivery/invalidationPaths';
import { readManifest } from '../../core/manifest';
import { manifestKey } from '../../core/thumbnailKey';
import type { RecordDependencies } from './passes';
import type { RecordOutcome } from './recordOutcome';
import { duringStep } from './stepFailure';

/** One record whose renditions the CDN may hold stale: its key and what the change was (for the reference). */
export interface StaleSource {
  readonly key: string;
  readonly change: string;
}

/**
 * A retried or redelivered upload finds its renditions current, though the first attempt's invalidation
 * may have failed: its manifest says whether it replaced another version's (`source.replaces`).
 */
async function replacedBefore(key: string, deps: RecordDependencies): Promise<boolean> {
  const stored = await duringStep('check-thumbnail', () =>
    readDerivative(deps.s3, deps.config.thumbnailBucket, manifestKey(key, deps.config.thumbnailPrefix)),
  );
  const manifest = stored && readManifest(stored.toString('utf8'));
  return manifest?.source.replaces !== undefined;
}

/**
 * Whether the record made the CDN's copies of its renditions stale: an overwrite (renditions made over
 * another version's), a delete (every delete: a retry finds nothing left to remove, yet its first
 * attempt's invalidation may have failed), or a refused overwrite that removed its predecessor's. A first
 * upload is not: the CDN held at most a short-lived 404 for it.
 */
async function isStale(object: S3ObjectEvent, outcome: RecordOutcome, deps: RecordDependencies) {
  switch (outcome.status) {
    case 'made':
      return outcome.replacedETag !== undefined;
    case 'deleted':
      return true;
    case 'rejected':
      return (outcome.removedKeys?.length ?? 0) > 0;
    case 'skipped':
      return (
        outcome.reason === 'already-current' &&
        object.eventName.startsWith('ObjectCreated:') &&
        replacedBefore(object.key, deps)
      );
    default:
      return false;
  }
}

/** The record as a stale source, or undefined; the change names the event, the same on every retry. */
export async function staleSource(
  object: S3ObjectEvent,
  outcome: RecordOutcome,
  deps: RecordDependencies,
): Promise<StaleSource | undefined> {
  if (!(await isStale(object, outcome, deps))) return undefined;
  const version = object.sequencer ?? object.eTag ?? outcome.sourceETag ?? '';
  return { key: object.key, change: `${object.eventName}\n${object.key}\n${version}` };
}

/**
 * Invalidates every CDN path of the invocation's stale sources, in as few CreateInvalidation requests as
 * CloudFront's limits allow (one, for any S3 event). A failure is thrown as the `invalidate-cdn` step's,
 * so that Lambda retries the event.
 */
export async function invalidateStale(
  sources: readonly StaleSource[],
  deps: RecordDependencies,
  invalidator: Invalidator,
): Promise<number> {
  const { renditions, thumbnailPrefix } = deps.config;
  const paths = sources.flatMap(({ key }) => invalidationPaths(key, renditions, thumbnailPrefix));
  const batches = invalidationBatches(
    paths,
    sources.map(({ change }) => change),
  );
  for (const batch of batches) {
    await duringStep('invalidate-cdn', () => invalidator.invalidate(batch));
  }
  return paths.length;
}
