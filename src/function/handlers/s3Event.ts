import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { Config } from '../config';
import { type ParsedS3Event, parseS3Event, type S3ObjectEvent } from '../../aws/events/parseS3Event';
import { processRecord, type RecordDependencies } from '../processor/processRecord';
import { publishOutcome } from '../processor/publishOutcome';
import type { EventPublisher } from '../../aws/events/completionEvents';
import type { MetadataStore } from '../processor/passes';
import type { RecordOutcome, RecordResult } from '../processor/recordOutcome';
import { type Observability, reportOutcome } from '../processor/reportOutcome';
import { messageOf, TransientFailureError } from '../../common/errors';
import type { Invalidator } from '../../aws/cloudfront/invalidations';
import { invalidateStale, type StaleSource, staleSource } from '../processor/invalidateOutcomes';

export interface HandlerDependencies extends Observability {
  readonly s3: S3Client;
  readonly config: Config;
  /** Where every outcome an application may act on is announced (EventBridge); none when unset. */
  readonly publisher?: EventPublisher | undefined;
  /** The optional metadata table. */
  readonly metadata?: MetadataStore | undefined;
  /** The CDN distribution's invalidations (CDN_DISTRIBUTION_ID); none when unset. */
  readonly invalidator?: Invalidator | undefined;
}

export interface HandlerResult {
  readonly records: readonly RecordResult[];
}

/**
 * The record's outcome, published; a thrown error (a failed publish too) is a transient failure,
 * recorded with the error, so that Lambda retries the event.
 */
async function attempt(
  object: S3ObjectEvent,
  deps: RecordDependencies,
  handlerDeps: HandlerDependencies,
  stale: StaleSource[],
): Promise<RecordOutcome> {
  try {
    const outcome = await processRecord(object, deps);
    if (handlerDeps.publisher) {
      await publishOutcome(object, outcome, deps, handlerDeps.publisher);
    }
    const source = handlerDeps.invalidator && (await staleSource(object, outcome, deps));
    if (source) stale.push(source);
    return outcome;
  } catch (error) {
    return { status: 'failed', detail: messageOf(error), error };
  }
}

/**
 * One invalidation for every stale source of the invocation, after all its records are stored; a
 * failure fails those records (transiently: the retry finds them current and invalidates again, with
 * the same CallerReference).
 */
async function invalidate(
  stale: readonly StaleSource[],
  recordDeps: RecordDependencies,
  deps: HandlerDependencies,
): Promise<{ key: string; detail: string }[]> {
  if (!deps.invalidator || stale.length === 0) return [];
  try {
    const paths = await invalidateStale(stale, recordDeps, deps.invalidator);
    deps.logger.info('CDN invalidation sent', { sources: stale.length, paths });
    return [];
  } catch (error) {
    deps.logger.error('CDN invalidation failed', {
      keys: stale.map(({ key }) => key),
      error: messageOf(error),
    });
    return stale.map(({ key }) => ({ key, detail: messageOf(error) }));
  }
}

function parseEvent(event: unknown, { logger }: Observability): ParsedS3Event {
  try {
    return parseS3Event(event);
  } catch (error) {
    logger.error('invalid event, not an S3 notification', error as Error);
    throw error;
  }
}

/**
 * The S3 event handler (the image's `index.handler`), with its collaborators injected so tests and the
 * local stack can supply their own.
 */
export function createS3EventHandler(deps: HandlerDependencies) {
  const recordDeps: RecordDependencies = {
    s3: deps.s3,
    config: deps.config,
    metadata: deps.metadata,
  };

  return async function handler(event: unknown, context?: Context): Promise<HandlerResult> {
    if (context) {
      deps.logger.addContext(context);
    }
    const parsed = parseEvent(event, deps);
    if (parsed.kind === 'test') {
      deps.logger.info('S3 test event acknowledged', { bucket: parsed.bucket });
      return { records: [] };
    }
    const records: RecordResult[] = [];
    const stale: StaleSource[] = [];
    // One at a time: S3 sends one record per event in practice, and this bounds memory to one image.
    for (const object of parsed.objects) {
      const started = performance.now();
      const result = await attempt(object, recordDeps, deps, stale);
      const durationMs = Math.round(performance.now() - started);
      reportOutcome(deps, object, result, durationMs);
      records.push({ ...result, key: object.key, durationMs });
    }
    if (records.length > 0) {
      deps.metrics.publishStoredMetrics();
    }
    const failed = records
      .filter((record) => record.status === 'failed')
      .map((record) => ({ key: record.key, detail: record.detail }))
      .concat(await invalidate(stale, recordDeps, deps));
    if (failed.length > 0) {
      throw new TransientFailureError(failed);
    }
    return { records };
  };
}
