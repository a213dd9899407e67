import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WorkQueue } from '../concurrency/workQueue';
import { isImageRejectedError } from '../engine/imageRejectedError';
import { makeThumbnail } from '../engine/makeThumbnail';
import type { ThumbnailOptions } from '../engine/thumbnailOptions';
import type { Job } from './planJobs';

export type JobOutcome =
  | { readonly status: 'made'; readonly job: Job }
  | { readonly status: 'skipped'; readonly job: Job; readonly reason: string }
  | { readonly status: 'failed'; readonly job: Job; readonly reason: string };

export interface RunOptions {
  readonly thumbnail: ThumbnailOptions;
  readonly concurrency: number;
  readonly force: boolean;
  /** Called once per job as it finishes, in completion order. */
  readonly onOutcome: (outcome: JobOutcome) => void;
}

export interface RunSummary {
  readonly made: number;
  readonly skipped: number;
  readonly failed: number;
}

/** Writes through a temporary file and a rename, so a reader never sees a partial thumbnail. */
async function writeAtomically(path: string, data: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function isUpToDate(job: Job, inputModified: number): Promise<boolean> {
  try {
    return (await stat(job.output)).mtimeMs >= inputModified;
  } catch {
    return false;
  }
}

async function runJob(job: Job, options: RunOptions): Promise<JobOutcome> {
  const { maxInputBytes } = options.thumbnail;
  const { size, mtimeMs } = await stat(job.input);
  if (size > maxInputBytes) {
    return {
      status: 'failed',
      job,
      reason: `too-large: ${size} bytes, above the ${maxInputBytes}-byte limit`,
    };
  }
  if (!options.force && (await isUpToDate(job, mtimeMs))) {
    return { status: 'skipped', job, reason: 'up to date' };
  }
  try {
    const thumbnail = await makeThumbnail(await readFile(job.input), options.thumbnail);
    await writeAtomically(job.output, thumbnail.data);
    return { status: 'made', job };
  } catch (error) {
    if (!isImageRejectedError(error)) {
      throw error;
    }
    // A folder of photos holds the odd text file; only images that cannot be thumbnailed count as failures.
    const notAnImage = error.reason === 'not-an-image' || error.reason === 'empty';
    return { status: notAnImage ? 'skipped' : 'failed', job, reason: `${error.reason}: ${error.message}` };
  }
}

/** Runs every job with bounded concurrency; one job's failure never stops the others. */
export async function runJobs(jobs: readonly Job[], options: RunOptions): Promise<RunSummary> {
  const counts = { made: 0, skipped: 0, failed: 0 };
  const queue = new WorkQueue(options.concurrency);
  for (const job of jobs) {
    queue.add(async () => {
      let outcome: JobOutcome;
      try {
        outcome = await runJob(job, options);
      } catch (error) {
        outcome = { status: 'failed', job, reason: error instanceof Error ? error.message : String(error) };
      }
      counts[outcome.status] += 1;
      options.onOutcome(outcome);
    });
  }
  await queue.onIdle();
  return counts;
}
