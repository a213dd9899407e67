import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { Config } from '../config';
import { settingsFingerprint } from '../../core/engine/thumbnailOptions';
import { type ParsedS3Event, parseS3Event, type S3ObjectEvent } from '../../aws/events/parseS3Event';
import { processRecord, type RecordDependencies } from '../processor/processRecord';
import type { MadeOutcome } from '../processor/recordOutcome';
import { type Observability, type RecordResult, reportOutcome } from '../processor/reportOutcome';
import { messageOf, TransientFailureError } from '../../common/errors';

export interface HandlerDependencies extends Observability {
  readonly s3: S3Client;
  readonly config: Config;
}

/** What happened to one record, as the handler returns it (the local stack and the CLI report from it). */
export interface RecordSummary {
  readonly key: string;
  readonly status: RecordResult['status'];
  readonly durationMs: number;
  readonly reason?: string;
  readonly detail?: string;
  readonly outputKey?: string;
  readonly input?: MadeOutcome['input'];
  readonly output?: MadeOutcome['output'];
}

export interface HandlerResult {
  readonly records: readonly RecordSummary[];
}

async function attempt(object: S3ObjectEvent, deps: RecordDependencies): Promise<RecordResult> {
  try {
    return await processRecord(object, deps);
  } catch (error) {
    return { status: 'failed', error };
  }
}

function summarise(object: S3ObjectEvent, result: RecordResult, durationMs: number): RecordSummary {
  const base = { key: object.key, status: result.status, durationMs };
  switch (result.status) {
    case 'made':
      return { ...base, outputKey: result.outputKey, input: result.input, output: result.output };
    case 'failed':
      return { ...base, detail: messageOf(result.error) };
    case 'skipped':
      return { ...base, reason: result.reason, detail: result.detail, outputKey: result.outputKey };
    case 'rejected':
      return { ...base, reason: result.reason, detail: result.detail };
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

/** The Lambda handler, with its collaborators injected so tests and the local stack can supply their own. */
export function createHandler(deps: HandlerDependencies) {
  const recordDeps: RecordDependencies = {
    s3: deps.s3,
    config: deps.config,
    settings: settingsFingerprint(deps.config.thumbnail),
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
    const records: RecordSummary[] = [];
    // One at a time: S3 sends one record per event in practice, and this bounds memory to one image.
    for (const object of parsed.objects) {
      const started = performance.now();
      const result = await attempt(object, recordDeps);
      const durationMs = Math.round(performance.now() - started);
      reportOutcome(deps, object, result, durationMs);
      records.push(summarise(object, result, durationMs));
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
