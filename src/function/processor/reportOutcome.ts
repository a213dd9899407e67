import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import { type RecordOutcome, type RenditionResult, SKIP_SEVERITY } from './recordOutcome';
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
      reportRenditions(metrics, result.renditions ?? []);
      logger.info('thumbnail made', {
        ...where,
        input: result.input,
        outputKey: result.outputKey,
        output: result.output,
        ...(result.removedKeys ? { removedKeys: result.removedKeys } : {}),
        ...renditionFields(result),
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

/** The log line's account of each rendition (the manifest's fields, whether made now, its encode time). */
function renditionFields(result: RecordOutcome): Record<string, unknown> {
  if (!result.renditions) return {};
  const renditions = result.renditions.map(({ name, format, key, width, height, bytes, made, encodeMs }) => ({
    ...{ name, format, key, width, height, bytes, made },
    ...(encodeMs === undefined ? {} : { encodeMs }),
  }));
  return { manifestKey: result.manifestKey, renditions };
}

/**
 * Per rendition: how many were made and how many were current already (per upload, in one EMF line), and
 * each made one's bytes and encode time (EMF keeps every value of a metric given several).
 */
function reportRenditions(metrics: Metrics, renditions: readonly RenditionResult[]): void {
  const made = renditions.filter((rendition) => rendition.made);
  metrics.addMetric('RenditionsMade', MetricUnit.Count, made.length);
  metrics.addMetric('RenditionsCurrent', MetricUnit.Count, renditions.length - made.length);
  for (const rendition of made) {
    metrics.addMetric('RenditionBytes', MetricUnit.Bytes, rendition.bytes);
    metrics.addMetric('RenditionEncodeDuration', MetricUnit.Milliseconds, rendition.encodeMs ?? 0);
  }
}

/** The failed step, the error S3 (or the network) gave, and a hint at the likely cause. */
export function failureDetails(error: unknown): Record<string, unknown> {
  if (error instanceof StepFailedError) {
    return { step: error.step, error: error.cause, hint: hintFor(error.step, error.cause) };
  }
  return { error };
}
