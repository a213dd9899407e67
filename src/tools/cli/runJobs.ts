import { rm } from 'node:fs/promises';
import { WorkQueue } from '../../common/workQueue';
import { makeThumbnail, type Thumbnail } from '../../core/engine/makeThumbnail';
import { settingsFingerprint, type ThumbnailOptions } from '../../core/engine/thumbnailOptions';
import { describeFsError } from './fsErrors';
import type { OutputFolder } from './outputFolder';
import type { Job } from './planJobs';
import { NotAFileError, readInput } from './readInput';
import { foreignTarget, removeStaleOutputs } from './staleOutputs';
import { isCurrent, readRecord, recordFor, sha256, type ThumbnailRecord } from './thumbnailRecord';
import { isImageRejectedError, messageOf } from '../../common/errors';

export interface JobOutcome {
  readonly status: 'made' | 'skipped' | 'failed';
  readonly input: string;
  readonly reason?: string;
  /** Outputs of an earlier run removed because the input no longer makes them (reported). */
  readonly removed?: readonly string[];
}

export interface RunOptions {
  readonly folder: OutputFolder;
  readonly thumbnail: ThumbnailOptions;
  readonly concurrency: number;
  readonly force: boolean;
  /** Replace files at outputs' places that no record lists (see staleOutputs.ts). */
  readonly overwrite?: boolean;
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

/**
 * The record, then the thumbnail: the record names the file as ours before it exists, so a run stopped
 * between the two leaves a thumbnail that is ours (replaced without --overwrite) and not current (the
 * record's digest is not the file's), which is simply made again.
 */
async function save(job: Job, options: RunOptions, source: Source, thumbnail: Thumbnail): Promise<void> {
  const { folder } = options;
  const previous = await readRecord(folder.recordPath(job.key));
  const foreign = options.overwrite ? undefined : await foreignTarget(folder, previous, job.output, job.key);
  if (foreign !== undefined) {
    throw new ForeignFileError(foreign);
  }
  const { format, width, height } = thumbnail.input;
  const record = recordFor(
    { key: job.key, format, width, height, ...source },
    settingsFingerprint(options.thumbnail),
    [{ key: job.output, thumbnail }],
  );
  await folder.writeAtomically(folder.recordPath(job.key), `${JSON.stringify(record, null, 2)}\n`);
  await folder.writeAtomically(folder.path(job.output), thumbnail.data);
  // Outputs the settings no longer make (a .jpg once --format webp): the record no longer lists them.
  await removeStaleOutputs(folder, previous, [job.output]);
}

/** A file at an output's place that thumbnailer did not write: that input fails, the file is kept. */
class ForeignFileError extends Error {
  constructor(readonly path: string) {
    super(
      `${path} exists and thumbnailer did not write it (no record in .thumbnailer/records lists it): not overwritten; move it away, or pass --overwrite`,
    );
  }
}

/** A refused input takes its old outputs with it, and the outcome says so. */
async function withoutOldOutputs(job: Job, options: RunOptions, outcome: JobOutcome): Promise<JobOutcome> {
  const path = options.folder.recordPath(job.key);
  const record: ThumbnailRecord | undefined = await readRecord(path);
  if (record === undefined) {
    return outcome;
  }
  const removed = await removeStaleOutputs(options.folder, record, []);
  await rm(path, { force: true });
  if (removed.length === 0) {
    return outcome;
  }
  return {
    ...outcome,
    reason: `${outcome.reason ?? ''}; removed its thumbnail ${removed.join(', ')}`,
    removed,
  };
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
    return isImageRejectedError(error)
      ? withoutOldOutputs(job, options, unreadable(job, error))
      : unreadable(job, error);
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
    return withoutOldOutputs(job, options, rejected(job, error));
  }
  try {
    await save(job, options, source, thumbnail);
  } catch (error) {
    if (error instanceof ForeignFileError) {
      return failed(job, error.message);
    }
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
