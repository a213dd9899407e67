import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describeFsError, kindOf } from './fsErrors';
import { keyWithExtension } from './fileNames';
import { isInside, isOutputFolder, resolveOutputFolder } from './outputFolder';
import { type Found, type Notice, walkFolder } from './walkInputs';
import { UsageError } from '../../common/errors';

/** One file to thumbnail: its path, its key (path under its input folder), and its output's key in --out. */
export interface Job {
  readonly input: string;
  readonly key: string;
  readonly output: string;
}

export interface Plan {
  readonly jobs: Job[];
  /** What was found and will not be thumbnailed, each with its reason. */
  readonly notices: Notice[];
}

const INSIDE_OUT = 'thumbnails would be read as inputs';

/** Adds one command-line input; refuses (usage) what can only be a mistake, before anything is written. */
async function addInput(input: string, out: string, realOut: string, found: Found, roots: Set<string>) {
  let stats;
  try {
    stats = await stat(input);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const link = await lstat(input).then(
        (stats) => stats.isSymbolicLink(),
        () => false,
      );
      throw new UsageError(link ? `input ${input} is a broken symbolic link` : `input not found: ${input}`);
    }
    found.notices.push({
      status: 'failed',
      path: input,
      reason: `cannot read it: ${describeFsError(error)}`,
    });
    return;
  }
  const real = await realpath(input);
  if (isInside(real, realOut)) {
    throw new UsageError(`input ${input} is inside --out ${out}: ${INSIDE_OUT}`);
  }
  if (stats.isFile()) {
    found.files.push({ path: input, key: basename(input) });
  } else if (!stats.isDirectory()) {
    found.notices.push({ status: 'skipped', path: input, reason: `not a regular file: ${kindOf(stats)}` });
  } else if (isInside(realOut, real)) {
    throw new UsageError(`--out ${out} is inside the input folder ${input}: ${INSIDE_OUT}`);
  } else if (await isOutputFolder(real)) {
    throw new UsageError(`input ${input} is the --out of a run (it holds .thumbnailer/): ${INSIDE_OUT}`);
  } else if (!roots.has(real)) {
    // The same folder named twice (or through a link) is read once: it would give the same jobs.
    roots.add(real);
    await walkFolder(input, realOut, found);
  }
}

const sameFile = async (a: string, b: string): Promise<boolean> =>
  a === b || (await realpath(a).catch(() => a)) === (await realpath(b).catch(() => b));

/**
 * A file whose thumbnail would be named like a folder other thumbnails go in (`a.jpg` beside a folder
 * `a.jpg.jpg/`, say) cannot have it; it is one failure, decided here so that no run order matters.
 */
function withoutClashes(byOutput: Map<string, Job>, out: string, notices: Notice[]): Job[] {
  for (const key of [...byOutput.keys()]) {
    for (let slash = key.lastIndexOf('/'); slash > 0; slash = key.lastIndexOf('/', slash - 1)) {
      const clash = byOutput.get(key.slice(0, slash));
      if (clash) {
        const reason = `its thumbnail ${join(out, clash.output)} would have to be a folder, for ${join(out, key)}`;
        notices.push({ status: 'failed', path: clash.input, reason });
        byOutput.delete(clash.output);
      }
    }
  }
  return [...byOutput.values()];
}

/**
 * Expands inputs (files and folders, recursively) into jobs. Refuses, as usage errors, a missing input,
 * --out inside an input or an input inside --out (by real path, so through any symbolic link), and two
 * different files that would share one output; anything else that cannot be thumbnailed is a notice.
 */
export async function planJobs(inputs: readonly string[], out: string, extension: string): Promise<Plan> {
  const realOut = await resolveOutputFolder(out);
  const found: Found = { files: [], notices: [] };
  const roots = new Set<string>();
  for (const input of inputs) {
    await addInput(input, out, realOut, found, roots);
  }
  const byOutput = new Map<string, Job>();
  for (const file of found.files) {
    const job = { input: file.path, key: file.key, output: keyWithExtension(file.key, extension) };
    const other = byOutput.get(job.output);
    if (other === undefined) {
      byOutput.set(job.output, job);
    } else if (!(await sameFile(other.input, job.input))) {
      throw new UsageError(
        `${other.input} and ${job.input} would both be written to ${join(out, job.output)}`,
      );
    }
  }
  return { jobs: withoutClashes(byOutput, out, found.notices), notices: found.notices };
}
