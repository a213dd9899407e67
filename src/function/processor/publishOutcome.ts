import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import {
  completionEvent,
  DETAIL_TYPES,
  type EventFacts,
  type EventPublisher,
} from '../../aws/events/completionEvents';
import { renditionFacts } from '../../core/derivatives';
import { readDerivative } from '../../aws/s3/derivativeStore';
import { outputDimensions } from '../../core/engine/outputFacts';
import type { OutputFormat } from '../../core/engine/thumbnailOptions';
import type { RecordDependencies } from './passes';
import type { RecordOutcome } from './recordOutcome';
import { duringStep } from './stepFailure';

/**
 * A redelivered upload whose thumbnail is already current is announced again (publishing is at least
 * once: the first delivery may have failed to publish), described from the stored thumbnail itself.
 */
async function currentFacts(outputKey: string, deps: RecordDependencies): Promise<EventFacts | undefined> {
  const stored = await duringStep('check-thumbnail', () =>
    readDerivative(deps.s3, deps.config.thumbnailBucket, outputKey),
  );
  if (stored === undefined) {
    return undefined;
  }
  const facts = renditionFacts(
    outputKey,
    deps.config.thumbnail.format,
    await outputDimensions(stored),
    stored.length,
  );
  return { detailType: DETAIL_TYPES.ready, renditions: [facts] };
}

/** What to publish for an outcome, or undefined for outcomes no application needs to hear of. */
async function factsFor(
  object: S3ObjectEvent,
  outcome: RecordOutcome,
  deps: RecordDependencies,
): Promise<EventFacts | undefined> {
  const common = { eTag: outcome.sourceETag, removedKeys: outcome.removedKeys };
  switch (outcome.status) {
    case 'made': {
      const { width, height, bytes, format } = outcome.output;
      const made = renditionFacts(outcome.outputKey, format as OutputFormat, { width, height }, bytes);
      return { ...common, detailType: DETAIL_TYPES.ready, renditions: [made] };
    }
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
      return outcome.reason === 'already-current' &&
        object.eventName.startsWith('ObjectCreated:') &&
        outcome.outputKey
        ? currentFacts(outcome.outputKey, deps)
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
