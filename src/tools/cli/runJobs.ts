import { WorkQueue } from '../../common/workQueue';
import { makeThumbnail, type Thumbnail } from '../../core/engine/makeThumbnail';
import { settingsFingerprint, type ThumbnailOptions } from '../../core/engine/thumbnailOptions';
import { describeFsError } from './fsErrors';
import type { OutputFolder } from './outputFolder';
import type { Job } from './planJobs';
import { NotAFileError, readInput } from './readInput';
import { isCurrent, readRecord, recordFor, sha256 } from './thumbnailRecord';
import { isImageRejectedError, messageOf } from '../../common/errors';

export interface JobOutcome {
  readonly status: 'made' | 'skipped' | 'failed';
  readonly input: string;
  readonly reason?: string;
}

export interface RunOptions {
  readonly folder: OutputFolder;
  readonly thumbnail: ThumbnailOptions;
  readonly concurrency: number;
  readonly force: boolean;
  /** Called once per job as it finishes, in completion order. */
  readonly onOutcome: (outcome: JobOutcome) => void;
}

export interface RunSummary {
  made: number;
  skipped: number;
  failed: number;
}

interface Source {
  readonly bytes: number;
  readonly sha256: string;
}

const failed = (job: Job, reason: string): JobOutcome => ({ status: 'failed', input: job.input, reason });

function unreadable(job: Job, error: unknown): JobOutcome {
  if (isImageRejectedError(error)) {
    return failed(job, `${error.reason}: ${error.message}`);
  }
  return failed(
    job,
    error instanceof NotAFileError ? error.message : `cannot read it: ${describeFsError(error)}`,
  );
}

function rejected(job: Job, error: unknown): JobOutcome {
  if (!isImageRejectedError(error)) {
    throw error;
  }
  // A folder of photos holds the odd text file; only images that cannot be thumbnailed count as failures.
  const notAnImage = error.reason === 'not-an-image' || error.reason === 'empty';
  return {
    status: notAnImage ? 'skipped' : 'failed',
    input: job.input,
    reason: `${error.reason}: ${error.message}`,
  };
}

/** The thumbnail, then its record: a run stopped between the two leaves an input that is made again. */
async function save(job: Job, options: RunOptions, source: Source, thumbnail: Thumbnail): Promise<void> {
  const { folder } = options;
  await folder.writeAtomically(folder.path(job.output), thumbnail.data);
  const { format, width, height } = thumbnail.input;
  const record = recordFor(
    { key: job.key, format, width, height, ...source },
    settingsFingerprint(options.thumbnail),
    [{ key: job.output, thumbnail }],
  );
  await folder.writeAtomically(folder.recordPath(job.key), `${JSON.stringify(record, null, 2)}\n`);
}

async function isUpToDate(job: Job, options: RunOptions, source: Source): Promise<boolean> {
  const { folder } = options;
  const expected = {
    sha256: source.sha256,
    settings: settingsFingerprint(options.thumbnail),
    keys: [job.output],
  };
  return isCurrent(await readRecord(folder.recordPath(job.key)), expected, (key) => folder.path(key));
}

async function runJob(job: Job, options: RunOptions): Promise<JobOutcome> {
  let data: Buffer;
  try {
    data = await readInput(job.input, options.thumbnail.maxInputBytes);
  } catch (error) {
    return unreadable(job, error);
  }
  // Digested from the very bytes that are thumbnailed, so the record can never describe other content.
  const source: Source = { bytes: data.length, sha256: sha256(data) };
  if (!options.force && (await isUpToDate(job, options, source))) {
    return { status: 'skipped', input: job.input, reason: 'up to date' };
  }
  let thumbnail: Thumbnail;
  try {
    thumbnail = await makeThumbnail(data, options.thumbnail);
  } catch (error) {
    return rejected(job, error);
  }
  try {
    await save(job, options, source, thumbnail);
  } catch (error) {
    const output = options.folder.path(job.output);
    return failed(job, `cannot write its thumbnail ${output}: ${describeFsError(error)}`);
  }
  return { status: 'made', input: job.input };
}

/** Runs every job with bounded concurrency; one job's failure never stops the others. */
export async function runJobs(jobs: readonly Job[], options: RunOptions): Promise<RunSummary> {
  const counts: RunSummary = { made: 0, skipped: 0, failed: 0 };
  const queue = new WorkQueue(options.concurrency);
  for (const job of jobs) {
    queue.add(async () => {
      let outcome: JobOutcome;
      try {
        outcome = await runJob(job, options);
      } catch (error) {
        outcome = failed(job, messageOf(error));
      }
      counts[outcome.status] += 1;
      options.onOutcome(outcome);
    });
  }
  await queue.onIdle();
  return counts;
}
