import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { batchInvocation } from '../../aws/events/batchInvocation';
import type { BatchResponse } from '../../function/handlers/batchOperations';
import type { BatchTaskResult } from '../../function/handlers/batchTaskResult';
import type { TaskOutcome } from '../../function/handlers/batchTaskResult';
import { type ListedObject, listObjects, type ObjectFilter } from './listObjects';
import { Tally } from './tally';
import { messageOf } from '../../common/errors';

/** The Batch Operations entry point, called in-process as Batch Operations would call it in AWS. */
export type BatchEntryPoint = (event: unknown) => Promise<BatchResponse>;

export interface LocalBackfillOptions {
  /** The client that lists the bucket (the entry point has its own). */
  readonly s3: S3Client;
  readonly filter: ObjectFilter;
  readonly entryPoint: BatchEntryPoint;
  readonly concurrency: number;
  /** Waits before retrying a task answered TemporaryFailure, as a job retries it; then it is a failure. */
  readonly retryDelaysMs?: readonly number[];
  /** Once aborted, no new task starts; those running finish. */
  readonly signal?: AbortSignal;
  readonly onTask?: (task: FinishedTask) => void;
}

export interface FinishedTask {
  readonly key: string;
  readonly outcome: TaskOutcome;
  readonly reason?: string;
  readonly resultString: string;
}

export interface LocalBackfillResult {
  readonly tally: Tally;
  readonly interrupted: boolean;
  readonly elapsedMs: number;
}

const JOB_ID = `local-${process.pid}`;

/** One task, retried while it fails for now; an entry point that throws is a failure of the task. */
async function runTask(
  object: ListedObject,
  index: number,
  options: LocalBackfillOptions,
): Promise<BatchTaskResult> {
  const invocation = batchInvocation([{ bucket: options.filter.bucket, key: object.key }], {
    jobId: JOB_ID,
    invocationId: `${JOB_ID}-${index}`,
  });
  const delays = options.retryDelaysMs ?? [1000, 4000];
  for (let attempt = 0; ; attempt += 1) {
    let result: BatchTaskResult;
    try {
      const response = await options.entryPoint(invocation);
      result = response.results[0] ?? {
        taskId: 'task-0',
        resultCode: 'PermanentFailure',
        resultString: 'failed: no result',
      };
    } catch (error) {
      result = {
        taskId: 'task-0',
        resultCode: 'TemporaryFailure',
        resultString: `failed: ${messageOf(error)}`,
      };
    }
    const delay = delays[attempt];
    if (result.resultCode !== 'TemporaryFailure' || delay === undefined || options.signal?.aborted) {
      return result;
    }
    await sleep(delay);
  }
}

/**
 * Backfill on one machine: lists the bucket page by page and runs each object through the Batch Operations
 * entry point, `concurrency` at a time. Stopping (the signal) lets running tasks finish and starts no new
 * one; running it again resumes, since thumbnails already current are skipped after two HEADs.
 */
export async function runLocalBackfill(options: LocalBackfillOptions): Promise<LocalBackfillResult> {
  const started = performance.now();
  const tally = new Tally();
  const objects = listObjects(options.s3, options.filter);
  let next = 0;
  const worker = async () => {
    while (!options.signal?.aborted) {
      const listed = await objects.next();
      if (listed.done) {
        return;
      }
      const result = await runTask(listed.value, (next += 1), options);
      const counted = tally.add(result.resultString);
      options.onTask?.({ key: listed.value.key, ...counted, resultString: result.resultString });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { tally, interrupted: options.signal?.aborted === true, elapsedMs: performance.now() - started };
}
