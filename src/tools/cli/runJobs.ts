import { rm } from 'node:fs/promises';
import { WorkQueue } from '../../common/workQueue';
import { makeRenditions, type Renditions } from '../../core/engine/makeRenditions';
import { DEFAULT_INPUT_LIMITS } from '../../core/engine/inputLimits';
import {
  type OutputFormat,
  settingsFingerprint,
  type ThumbnailOptions,
} from '../../core/engine/thumbnailOptions';
import { buildManifest, manifestText } from '../../core/manifest';
import { type Rendition, renditionsFingerprint } from '../../core/renditions';
import { describeFsError } from './fsErrors';
import type { OutputFolder } from './outputFolder';
import { type Job, keysOf } from './planJobs';
import { NotAFileError, readInput } from './readInput';
import { foreignTarget, removeStaleOutputs } from './staleOutputs';
import {
  currentOutputs,
  isUnchanged,
  readRecord,
  type RecordedOutput,
  recordFor,
  sha256,
  type ThumbnailRecord,
} from './thumbnailRecord';
import { isImageRejectedError, messageOf } from '../../common/errors';

export interface JobOutcome {
  readonly status: 'made' | 'skipped' | 'failed';
  readonly input: string;
  readonly reason?: string;
  /** Outputs of an earlier run removed because the input no longer makes them (reported). */
  readonly removed?: readonly string[];
  /** Files (renditions in their formats) written this time, and found current and kept. */
  readonly written?: number;
  readonly current?: number;
}

export interface RunOptions {
  readonly folder: OutputFolder;
  readonly thumbnail: ThumbnailOptions;
  /** What each input becomes (the jobs were planned from the same list). */
  readonly renditions: readonly Rendition[];
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
  /** Rendition files written, and found current. */
  written: number;
  current: number;
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

/** What is already made for a job: its current outputs' records by key, and whether nothing is missing. */
interface Standing {
  readonly current: ReadonlyMap<string, RecordedOutput>;
  readonly upToDate: boolean;
}

/** The renditions still to make, each with only its formats not current (none left: not listed). */
function stillToMake(job: Job, current: ReadonlyMap<string, RecordedOutput>): Rendition[] {
  const byName = new Map<string, Rendition & { formats: OutputFormat[] }>();
  for (const planned of job.outputs.filter((output) => !current.has(output.key))) {
    const entry = byName.get(planned.rendition.name) ?? { ...planned.rendition, formats: [] };
    entry.formats.push(planned.format);
    byName.set(planned.rendition.name, entry);
  }
  return [...byName.values()];
}

/** The record's settings: the one thumbnail's as before renditions, or the whole list's. */
const settingsOf = (job: Job, options: RunOptions): string =>
  job.manifest === undefined
    ? settingsFingerprint(options.thumbnail)
    : renditionsFingerprint(options.renditions);

/** The entry of each planned output: made now (with its bytes), or current from the record. */
function entriesOf(job: Job, made: Renditions, current: ReadonlyMap<string, RecordedOutput>) {
  return job.outputs.map((planned) => {
    const { name } = planned.rendition;
    const output = made.outputs.find((one) => one.name === name && one.format === planned.format);
    if (!output) {
      const entry = current.get(planned.key);
      if (!entry) throw new Error(`the engine made no ${name}.${planned.format}`);
      return { entry: { ...entry, name, settings: planned.settings } };
    }
    const { format, contentType, width, height, data } = output;
    const entry = { name, settings: planned.settings, key: planned.key, format, contentType, width, height };
    return { entry: { ...entry, bytes: data.length, sha256: sha256(data) }, data };
  });
}

/**
 * The record, then the outputs made, then the manifest, then what the settings no longer make removed.
 * The record names every file as ours before it exists, so a run stopped part-way leaves files that are
 * ours (replaced without --overwrite) and not current (the record's digest is not the file's), which are
 * simply made again; the manifest is written last, so that one found lists only files that are there.
 */
async function save(job: Job, options: RunOptions, source: Source, made: Renditions, standing: Standing) {
  const { folder } = options;
  const { current } = standing;
  // Read again: another run on this --out may have written since this one looked (see staleOutputs.ts).
  const previous = await readRecord(folder.recordPath(job.key));
  const foreign = options.overwrite ? undefined : await foreignTarget(folder, previous, keysOf(job), job.key);
  if (foreign !== undefined) {
    throw new ForeignFileError(foreign);
  }
  const recordSource = { key: job.key, ...made.input, sha256: source.sha256 };
  const entries = entriesOf(job, made, current);
  const outputs = entries.map(({ entry }) => entry);
  const manifest =
    job.manifest === undefined
      ? undefined
      : manifestText(buildManifest(recordSource, outputs, made.placeholders, new Date()));
  const listed =
    job.manifest === undefined || manifest === undefined
      ? undefined
      : { key: job.manifest, sha256: sha256(Buffer.from(manifest)) };
  const record = recordFor(recordSource, settingsOf(job, options), outputs, listed);
  await folder.writeAtomically(folder.recordPath(job.key), `${JSON.stringify(record, null, 2)}\n`);
  for (const { entry, data } of entries) {
    if (data !== undefined) {
      await folder.writeAtomically(folder.path(entry.key), data);
    }
  }
  if (job.manifest !== undefined && manifest !== undefined) {
    await folder.writeAtomically(folder.path(job.manifest), manifest);
  }
  // What the settings no longer make (a .jpg once --format webp, a rendition dropped): no longer listed.
  await removeStaleOutputs(folder, previous, keysOf(job));
  return entries.filter(({ data }) => data !== undefined).length;
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
    reason: `${outcome.reason ?? ''}; removed its thumbnail${removed.length > 1 ? 's' : ''} ${removed.join(', ')}`,
    removed,
  };
}

async function standingOf(job: Job, options: RunOptions, source: Source): Promise<Standing> {
  const { folder } = options;
  if (options.force) {
    return { current: new Map(), upToDate: false };
  }
  const previous = await readRecord(folder.recordPath(job.key));
  const expected = { sha256: source.sha256, outputs: job.outputs };
  const current = await currentOutputs(previous, expected, (key) => folder.path(key));
  const manifestCurrent =
    job.manifest === undefined ||
    (previous?.manifest?.key === job.manifest &&
      (await isUnchanged(folder.path(job.manifest), previous.manifest.sha256)));
  const upToDate =
    current.size === job.outputs.length && manifestCurrent && previous?.settings === settingsOf(job, options);
  return { current, upToDate };
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
  const standing = await standingOf(job, options, source);
  if (standing.upToDate) {
    return { status: 'skipped', input: job.input, reason: 'up to date', current: job.outputs.length };
  }
  let made: Renditions;
  try {
    made = await makeRenditions(data, stillToMake(job, standing.current), {
      ...options.thumbnail,
      ...DEFAULT_INPUT_LIMITS,
    });
  } catch (error) {
    return withoutOldOutputs(job, options, rejected(job, error));
  }
  let written: number;
  try {
    written = await save(job, options, source, made, standing);
  } catch (error) {
    if (error instanceof ForeignFileError) {
      return failed(job, error.message);
    }
    return failed(job, `cannot write its thumbnails in ${options.folder.root}: ${describeFsError(error)}`);
  }
  return { status: 'made', input: job.input, written, current: standing.current.size };
}

/** Runs every job with bounded concurrency; one job's failure never stops the others. */
export async function runJobs(jobs: readonly Job[], options: RunOptions): Promise<RunSummary> {
  const counts: RunSummary = { made: 0, skipped: 0, failed: 0, written: 0, current: 0 };
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
      counts.written += outcome.written ?? 0;
      counts.current += outcome.current ?? 0;
      options.onOutcome(outcome);
    });
  }
  await queue.onIdle();
  return counts;
}
