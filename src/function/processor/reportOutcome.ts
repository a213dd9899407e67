import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import { type RecordOutcome, SKIP_SEVERITY } from './recordOutcome';
import { hintFor } from './stepFailure';
import { StepFailedError } from '../../common/errors';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Metric name per status; each record adds one to exactly one of these. */
const COUNTERS = {
  made: 'ThumbnailsMade',
  deleted: 'ThumbnailsDeleted',
  skipped: 'RecordsSkipped',
  rejected: 'ImagesRejected',
  failed: 'TransientFailures',
} as const;

/** The one structured log line, and the metrics, for one record. */
export function reportOutcome(
  { logger, metrics }: Observability,
  object: S3ObjectEvent,
  result: RecordOutcome,
  durationMs: number,
): void {
  const where = { bucket: object.bucket, key: object.key, durationMs };
  metrics.addMetric(COUNTERS[result.status], MetricUnit.Count, 1);
  switch (result.status) {
    case 'made':
      metrics.addMetric('ThumbnailDuration', MetricUnit.Milliseconds, durationMs);
      logger.info('thumbnail made', {
        ...where,
        input: result.input,
        outputKey: result.outputKey,
        output: result.output,
        ...(result.removedKeys ? { removedKeys: result.removedKeys } : {}),
      });
      return;
    case 'deleted':
      logger.info('thumbnails deleted with their source', { ...where, removedKeys: result.removedKeys });
      return;
    case 'skipped':
      logger[SKIP_SEVERITY[result.reason]]('record skipped', {
        ...where,
        reason: result.reason,
        detail: result.detail,
      });
      return;
    case 'rejected':
      logger.error('image rejected, not retrying', {
        ...where,
        reason: result.reason,
        detail: result.detail,
        ...(result.removedKeys ? { removedKeys: result.removedKeys } : {}),
      });
      return;
    case 'failed':
      logger.error('transient failure, the event will be retried', {
        ...where,
        ...failureDetails(result.error),
      });
      return;
  }
}

/** The failed step, the error S3 (or the network) gave, and a hint at the likely cause. */
function failureDetails(error: unknown): Record<string, unknown> {
  if (error instanceof StepFailedError) {
    return { step: error.step, error: error.cause, hint: hintFor(error.step, error.cause) };
  }
  return { error };
}
