import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import {
  completionEvent,
  DETAIL_TYPES,
  type EventFacts,
  type EventPublisher,
} from '../../aws/events/completionEvents';
import { renditionFacts } from '../../core/derivatives';
import { readManifest } from '../../core/manifest';
import { manifestKey } from '../../core/thumbnailKey';
import { readDerivative } from '../../aws/s3/derivativeStore';
import type { RecordDependencies } from './passes';
import type { RecordOutcome } from './recordOutcome';
import { duringStep } from './stepFailure';

/**
 * A redelivered upload whose renditions are already current is announced again (publishing is at least
 * once: the first delivery may have failed to publish), described from its manifest.
 */
async function currentFacts(key: string, deps: RecordDependencies): Promise<EventFacts | undefined> {
  const stored = await duringStep('check-thumbnail', () =>
    readDerivative(deps.s3, deps.config.thumbnailBucket, manifestKey(key, deps.config.thumbnailPrefix)),
  );
  const manifest = stored && readManifest(stored.toString('utf8'));
  if (!manifest) {
    return undefined;
  }
  const renditions = manifest.renditions.map(renditionFacts);
  return {
    detailType: DETAIL_TYPES.ready,
    eTag: manifest.source.eTag,
    renditions,
    placeholders: manifest.placeholders,
  };
}

/** What to publish for an outcome, or undefined for outcomes no application needs to hear of. */
async function factsFor(
  object: S3ObjectEvent,
  outcome: RecordOutcome,
  deps: RecordDependencies,
): Promise<EventFacts | undefined> {
  const common = { eTag: outcome.sourceETag, removedKeys: outcome.removedKeys };
  switch (outcome.status) {
    case 'made':
      return {
        ...common,
        detailType: DETAIL_TYPES.ready,
        renditions: (outcome.renditions ?? []).map(renditionFacts),
        placeholders: outcome.placeholders,
      };
    case 'deleted':
      return { ...common, detailType: DETAIL_TYPES.deleted, removedKeys: outcome.removedKeys };
    case 'rejected':
      return {
        ...common,
        detailType: DETAIL_TYPES.rejected,
        reason: outcome.reason,
        message: outcome.detail,
      };
    case 'skipped':
      return outcome.reason === 'already-current' && object.eventName.startsWith('ObjectCreated:')
        ? currentFacts(object.key, deps)
        : undefined;
    default:
      return undefined;
  }
}

/** Publishes the record's outcome; a failure is thrown as the `publish-event` step's, and retried. */
export async function publishOutcome(
  object: S3ObjectEvent,
  outcome: RecordOutcome,
  deps: RecordDependencies,
  publisher: EventPublisher,
): Promise<void> {
  const facts = await factsFor(object, outcome, deps);
  if (facts === undefined) {
    return;
  }
  const event = completionEvent(object, deps.config.thumbnailBucket, { eTag: object.eTag, ...facts });
  await duringStep('publish-event', () => publisher.publish(event));
}
