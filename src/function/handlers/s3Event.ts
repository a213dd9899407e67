import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { Config } from '../config';
import { type ParsedS3Event, parseS3Event, type S3ObjectEvent } from '../../aws/events/parseS3Event';
import { processRecord, type RecordDependencies } from '../processor/processRecord';
import type { RecordOutcome, RecordResult } from '../processor/recordOutcome';
import { type Observability, reportOutcome } from '../processor/reportOutcome';
import { messageOf, TransientFailureError } from '../../common/errors';

export interface HandlerDependencies extends Observability {
  readonly s3: S3Client;
  readonly config: Config;
}

export interface HandlerResult {
  readonly records: readonly RecordResult[];
}

/** The record's outcome; a thrown error is a transient failure, recorded with the error. */
async function attempt(object: S3ObjectEvent, deps: RecordDependencies): Promise<RecordOutcome> {
  try {
    return await processRecord(object, deps);
  } catch (error) {
    return { status: 'failed', detail: messageOf(error), error };
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
    // One at a time: S3 sends one record per event in practice, and this bounds memory to one image.
    for (const object of parsed.objects) {
      const started = performance.now();
      const result = await attempt(object, recordDeps);
      const durationMs = Math.round(performance.now() - started);
      reportOutcome(deps, object, result, durationMs);
      records.push({ ...result, key: object.key, durationMs });
    }
    if (records.length > 0) {
      deps.metrics.publishStoredMetrics();
    }
    const failed = records.filter((record) => record.status === 'failed').map((record) => record.key);
    if (failed.length > 0) {
      throw new TransientFailureError(failed);
    }
    return { records };
  };
}
