import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { thumbnailKey } from '../keys/thumbnailKey';
import { UsageError } from '../validation/usageError';

/** One file to thumbnail and where its thumbnail goes. */
export interface Job {
  readonly input: string;
  readonly output: string;
}

const isInside = (child: string, parent: string) => child === parent || child.startsWith(parent + sep);

/** Every regular file under `directory`, as paths relative to it, sorted for a stable order. */
function filesUnder(directory: string): string[] {
  const entries: Dirent[] = readdirSync(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)))
    .sort();
}

function jobsFor(input: string, outDir: string, extension: string): Job[] {
  let stats;
  try {
    stats = statSync(input);
  } catch {
    throw new UsageError(`input not found: ${input}`);
  }
  if (stats.isFile()) {
    return [{ input, output: join(outDir, thumbnailKey(basename(input), '', extension)) }];
  }
  if (!stats.isDirectory()) {
    throw new UsageError(`input is neither a file nor a folder: ${input}`);
  }
  if (isInside(resolve(outDir), realpathSync(input))) {
    throw new UsageError(
      `--out ${outDir} is inside the input folder ${input}: thumbnails would be read as inputs`,
    );
  }
  // Same key mapping as in S3: the relative path, extension kept, plus the output extension.
  return filesUnder(input).map((path) => ({
    input: join(input, path),
    output: join(outDir, thumbnailKey(path, '', extension)),
  }));
}

/**
 * Expands inputs (files and folders, recursively) into jobs, refusing what would go wrong: a missing
 * input, an output folder inside an input folder, or two inputs that would share one output file.
 */
export function planJobs(inputs: readonly string[], outDir: string, extension: string): Job[] {
  const jobs = inputs.flatMap((input) => jobsFor(input, outDir, extension));
  const byOutput = new Map<string, string>();
  for (const job of jobs) {
    const other = byOutput.get(job.output);
    if (other !== undefined && other !== job.input) {
      throw new UsageError(`${other} and ${job.input} would both be written to ${job.output}`);
    }
    byOutput.set(job.output, job.input);
  }
  return [...new Map(jobs.map((job) => [job.output, job])).values()];
}
