import { loadConfig } from '../../src/function/config';
import {
  type BatchResponse,
  createBatchOperationsHandler,
} from '../../src/function/handlers/batchOperations';
import type { BatchTaskResult } from '../../src/function/handlers/batchTaskResult';
import { createObservability } from '../../src/aws/observability';
import { batchInvocation, type BatchSchemaVersion } from '../../src/aws/events/batchInvocation';
import { THUMBNAIL_BUCKET, SOURCE_BUCKET } from './handlerHarness';
import { type S3Endpoint, s3ClientFor } from './s3Client';

/** The Batch Operations entry point, wired as the Lambda entry module wires it, against a local S3 server. */
export function batchHandlerFor(server: S3Endpoint, env: Record<string, string> = {}) {
  const s3 = s3ClientFor(server, 1);
  const config = loadConfig({ THUMBNAIL_BUCKET, SOURCE_BUCKET, ...env });
  return { handler: createBatchOperationsHandler({ ...createObservability({}), s3, config }), s3 };
}

/** Each task's result code and result string, in order. */
export const outcomes = (response: BatchResponse) =>
  response.results.map(({ resultCode, resultString }: BatchTaskResult) => [resultCode, resultString]);

/** The invocation Batch Operations sends for these keys of the source bucket, one task each. */
export const tasksFor = (keys: readonly string[], schemaVersion: BatchSchemaVersion = '2.0') =>
  batchInvocation(
    keys.map((key) => ({ bucket: SOURCE_BUCKET, key })),
    { schemaVersion, jobId: 'job-1', invocationId: 'invocation-1' },
  );
