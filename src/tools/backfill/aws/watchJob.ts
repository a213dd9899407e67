import { DescribeJobCommand, type JobDescriptor, type S3ControlClient } from '@aws-sdk/client-s3-control';
import { exactCount } from '../../../common/text';
import { type ProgressDisplay, progressLine } from '../progress';

/** How a job ended, as far as the command is concerned. */
export type JobEnd = 'Complete' | 'Failed' | 'Cancelled';

const ENDED: ReadonlySet<string> = new Set(['Complete', 'Failed', 'Cancelled']);
/** Statuses a job waits in for someone: S3's own confirmation, or a pause. Said once, then watched on. */
const WAITING: Readonly<Record<string, string>> = {
  Suspended: 'the job waits for confirmation in the S3 console (or aws s3control update-job-status)',
  Paused: 'the job is paused',
};

export interface WatchHost {
  readonly s3control: S3ControlClient;
  readonly progress: ProgressDisplay;
  readonly print: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal | undefined;
}

function progressOf(job: JobDescriptor) {
  const summary = job.ProgressSummary;
  return {
    succeeded: summary?.NumberOfTasksSucceeded ?? 0,
    failed: summary?.NumberOfTasksFailed ?? 0,
    total: summary?.TotalNumberOfTasks ?? 0,
    elapsedMs: (summary?.Timers?.ElapsedTimeInActiveSeconds ?? 0) * 1000,
  };
}

/**
 * Polls the job until it ends, showing tasks succeeded / failed / total, the rate and the ETA. Stopping
 * (Ctrl-C) stops watching, not the job: `--watch <id>` picks it up again.
 */
export async function watchJob(
  accountId: string,
  jobId: string,
  host: WatchHost,
  everyMs = 5000,
): Promise<{ job: JobDescriptor; end: JobEnd | undefined }> {
  let said = '';
  for (;;) {
    const { Job: job = {} } = await host.s3control.send(
      new DescribeJobCommand({ AccountId: accountId, JobId: jobId }),
    );
    const status = job.Status ?? 'New';
    if (ENDED.has(status)) {
      host.progress.clear();
      return { job, end: status as JobEnd };
    }
    const waiting = WAITING[status];
    if (waiting !== undefined && said !== status) {
      host.progress.clear();
      host.print(`job ${jobId}: ${waiting}`);
    }
    said = status;
    host.progress.show(`${status.padEnd(10)} ${progressLine(progressOf(job))}`);
    if (host.signal?.aborted) {
      host.progress.clear();
      return { job, end: undefined };
    }
    await host.sleep(everyMs);
  }
}

/** `succeeded 1,180 of 1,200, failed 20`: the job's own counts. */
export function jobCounts(job: JobDescriptor): string {
  const { succeeded, failed, total } = progressOf(job);
  return `succeeded ${exactCount(succeeded)} of ${exactCount(total)}, failed ${exactCount(failed)}`;
}
