import type { Context } from 'aws-lambda';
import { type BatchInvocation, type BatchTask, parseBatchInvocation } from '../../aws/events/batchInvocation';
import type { RecordDependencies } from '../processor/processRecord';
import { processStoredObject } from '../processor/processStoredObject';
import type { RecordOutcome } from '../processor/recordOutcome';
import { type Observability, reportOutcome } from '../processor/reportOutcome';
import { badKeyResult, type BatchTaskResult, batchTaskResult } from './batchTaskResult';
import type { HandlerDependencies } from './s3Event';
import { messageOf } from '../../common/errors';

/** What the function answers Batch Operations: one result per task, in the invocation's own terms. */
export interface BatchResponse {
  readonly invocationSchemaVersion: BatchInvocation['schemaVersion'];
  /** A task the answer leaves out failed for good rather than silently succeeding. */
  readonly treatMissingKeysAs: 'PermanentFailure';
  readonly invocationId: string;
  readonly results: readonly BatchTaskResult[];
}

function parseInvocation(event: unknown, { logger }: Observability): BatchInvocation {
  try {
    return parseBatchInvocation(event);
  } catch (error) {
    logger.error('invalid Batch Operations invocation', error as Error);
    throw error;
  }
}

/** One task through the record flow, logged and counted like an upload's record; never throws. */
async function runTask(task: BatchTask, deps: RecordDependencies, observability: Observability) {
  if (task.key === undefined) {
    const problem = task.keyProblem ?? 'no key';
    observability.logger.error('task refused, not retrying', {
      bucket: task.bucket,
      key: task.encodedKey,
      problem,
    });
    return badKeyResult(task.taskId, problem);
  }
  const object = { bucket: task.bucket, key: task.key, versionId: task.versionId };
  const started = performance.now();
  let outcome: RecordOutcome;
  try {
    outcome = await processStoredObject(object, deps);
  } catch (error) {
    outcome = { status: 'failed', detail: messageOf(error), error };
  }
  const durationMs = Math.round(performance.now() - started);
  reportOutcome(observability, { ...object, eventName: 'ObjectCreated:Put' }, outcome, durationMs);
  return batchTaskResult(task.taskId, outcome);
}

/**
 * The Batch Operations entry point (a LambdaInvoke job, schema 1.0 or 2.0): each task runs the record flow
 * of an upload, renditions already current skipped after a HEAD, and is answered Succeeded, refused for
 * good (PermanentFailure) or failed for now (TemporaryFailure, which the job retries). Only a malformed
 * invocation throws, an {@link InvalidEventError}.
 */
export function createBatchOperationsHandler(deps: HandlerDependencies) {
  const recordDeps: RecordDependencies = {
    s3: deps.s3,
    config: deps.config,
  };

  return async function handler(event: unknown, context?: Context): Promise<BatchResponse> {
    if (context) {
      deps.logger.addContext(context);
    }
    const invocation = parseInvocation(event, deps);
    deps.logger.appendKeys({ batchJobId: invocation.jobId });
    const results: BatchTaskResult[] = [];
    try {
      // One at a time: Batch Operations sends one task per invocation, and this bounds memory to one image.
      for (const task of invocation.tasks) {
        results.push(await runTask(task, recordDeps, deps));
      }
    } finally {
      deps.logger.removeKeys(['batchJobId']);
      deps.metrics.publishStoredMetrics();
    }
    return {
      invocationSchemaVersion: invocation.schemaVersion,
      treatMissingKeysAs: 'PermanentFailure',
      invocationId: invocation.invocationId,
      results,
    };
  };
}
