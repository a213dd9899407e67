import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describeFsError, kindOf } from './fsErrors';
import { keyWithExtension } from './fileNames';
import { isInside, isOutputFolder, resolveOutputFolder } from './outputFolder';
import { type Found, type Notice, walkFolder } from './walkInputs';
import { UsageError } from '../../common/errors';
import { OUTPUT_FORMATS, type OutputFormat } from '../../core/engine/thumbnailOptions';
import { type Rendition, renditionFingerprint } from '../../core/renditions';
import { MANIFEST_FOLDER, renditionPrefix } from '../../core/thumbnailKey';

/** One file an input becomes: a rendition in one format, its key in --out and its settings' digest. */
export interface PlannedOutput {
  readonly rendition: Rendition;
  readonly format: OutputFormat;
  readonly key: string;
  /** renditionFingerprint() of this rendition in this format. */
  readonly settings: string;
}

/**
 * One file to thumbnail: its path, its key (path under its input folder), the key in --out of each
 * output (in the order of the renditions and their formats), and of its manifest, written when renditions
 * were asked for (the one implicit thumbnail has none, as before renditions).
 */
export interface Job {
  readonly input: string;
  readonly key: string;
  readonly outputs: readonly PlannedOutput[];
  readonly manifest?: string;
}

/**
 * The function's key layout (src/core/thumbnailKey.ts) relative to --out: `<rendition>/<key>.<ext>`
 * (the implicit rendition: `<key>.<ext>`) and `_manifests/<key>.json`. Only the last segment is
 * shortened, to the file system's name limit rather than S3's key limit.
 */
function jobFor(file: { path: string; key: string }, renditions: readonly Rendition[]): Job {
  const outputs = renditions.flatMap((rendition) =>
    rendition.formats.map((format) => ({
      rendition,
      format,
      key: `${renditionPrefix(rendition, '')}${keyWithExtension(file.key, OUTPUT_FORMATS[format].extension)}`,
      settings: renditionFingerprint(rendition, format),
    })),
  );
  const implicit = renditions.every((rendition) => rendition.implicit);
  const manifest = implicit ? {} : { manifest: `${MANIFEST_FOLDER}${keyWithExtension(file.key, 'json')}` };
  return { input: file.path, key: file.key, outputs, ...manifest };
}

/** Every key a job writes in --out. */
export const keysOf = (job: Job): string[] => [
  ...job.outputs.map((output) => output.key),
  ...(job.manifest === undefined ? [] : [job.manifest]),
];

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
      const folder = key.slice(0, slash);
      const clash = byOutput.get(folder);
      if (clash) {
        const reason = `its thumbnail ${join(out, folder)} would have to be a folder, for ${join(out, key)}`;
        notices.push({ status: 'failed', path: clash.input, reason });
        keysOf(clash).forEach((other) => byOutput.delete(other));
      }
    }
  }
  return [...new Set(byOutput.values())];
}

/**
 * Expands inputs (files and folders, recursively) into jobs. Refuses, as usage errors, a missing input,
 * --out inside an input or an input inside --out (by real path, so through any symbolic link), and two
 * different files that would share one output; anything else that cannot be thumbnailed is a notice.
 */
export async function planJobs(
  inputs: readonly string[],
  out: string,
  renditions: readonly Rendition[],
): Promise<Plan> {
  const realOut = await resolveOutputFolder(out);
  const found: Found = { files: [], notices: [] };
  const roots = new Set<string>();
  for (const input of inputs) {
    await addInput(input, out, realOut, found, roots);
  }
  const byOutput = new Map<string, Job>();
  for (const file of found.files) {
    const job = jobFor(file, renditions);
    for (const key of keysOf(job)) {
      const other = byOutput.get(key);
      if (other === undefined) {
        byOutput.set(key, job);
      } else if (!(await sameFile(other.input, job.input))) {
        throw new UsageError(`${other.input} and ${job.input} would both be written to ${join(out, key)}`);
      } else {
        break; // the same file named twice: its first job stands
      }
    }
  }
  return { jobs: withoutClashes(byOutput, out, found.notices), notices: found.notices };
}
