import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { keyWithExtension } from './fileNames';
import { describeFsError } from './fsErrors';
import { UsageError } from '../../common/errors';

/**
 * The folder in every --out where thumbnailer keeps its own files: the marker that says the folder is
 * an output (so no later run takes it as input), a record per input, and temporary files.
 */
export const STATE_FOLDER = '.thumbnailer';
const MARKER = 'output.json';
const RECORDS = 'records';
const TEMPORARY = 'tmp';
/** A temporary file this old belongs to no write still running: a run killed part-way left it. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

export const isInside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * `mkdir -p` that reports why it failed. Node's recursive mkdir says ENOENT whenever a folder cannot be
 * made under an existing one (a read-only mount gave "it no longer exists"), so on ENOENT the first
 * missing folder is made alone, which fails with the real cause (EROFS, EACCES, ENOSPC...).
 */
export async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    if (!isMissing(error)) {
      throw error;
    }
    let missing = resolve(path);
    while (dirname(missing) !== missing && !(await exists(dirname(missing)))) {
      missing = dirname(missing);
    }
    await mkdir(missing).catch((cause: unknown) => {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw cause;
      }
    });
    await mkdir(path, { recursive: true });
  }
}

/** Whether anything (a link included, even a broken one) is at `path`. */
export const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** The real path `path` has or would have once created: its nearest existing ancestor's, resolved. */
export async function realPathOf(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch (error) {
    if (!isMissing(error) || dirname(absolute) === absolute) {
      throw error;
    }
    return join(await realPathOf(dirname(absolute)), basename(absolute));
  }
}

/** Whether `folder` is the --out of some run (holds the marker). */
export async function isOutputFolder(folder: string): Promise<boolean> {
  return stat(join(folder, STATE_FOLDER, MARKER)).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

/** The real path --out has or will have, refusing one that is a file or lies under a file. */
export async function resolveOutputFolder(out: string): Promise<string> {
  try {
    const existing = await stat(out).catch((error: unknown) => {
      if (isMissing(error)) {
        return undefined;
      }
      throw error;
    });
    if (existing && !existing.isDirectory()) {
      throw new UsageError(`--out ${out} is a file, not a folder`);
    }
    return await realPathOf(out);
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    throw new UsageError(`cannot use --out ${out}: ${describeFsError(error)}`);
  }
}

/** A --out folder, created with its state folder. */
export class OutputFolder {
  private constructor(readonly root: string) {}

  static async open(root: string): Promise<OutputFolder> {
    const folder = new OutputFolder(root);
    try {
      await makeFolder(join(root, STATE_FOLDER, TEMPORARY));
      if (!(await isOutputFolder(root))) {
        const marker = {
          thumbnailer: 'output',
          version: 1,
          note: 'thumbnails are made here; never read as input',
        };
        await folder.writeAtomically(
          join(root, STATE_FOLDER, MARKER),
          JSON.stringify(marker, null, 2) + '\n',
        );
      }
    } catch (error) {
      throw new UsageError(`cannot create --out ${root}: ${describeFsError(error)}`);
    }
    await folder.removeAbandonedTemporaries();
    return folder;
  }

  path(key: string): string {
    return join(this.root, key);
  }

  /** Where the record of the input with this source key is kept (thumbnailRecord.ts). */
  recordPath(sourceKey: string): string {
    return join(this.root, STATE_FOLDER, RECORDS, keyWithExtension(sourceKey, 'json'));
  }

  /**
   * Writes through a temporary file and a rename, so that no reader, and no run killed part-way, ever
   * leaves a partial file. Temporary names are short and in the state folder, so they never exceed the
   * file-name limit however long the target's name is, and never sit among the thumbnails.
   */
  async writeAtomically(path: string, data: Buffer | string): Promise<void> {
    await makeFolder(dirname(path));
    const temporary = join(this.root, STATE_FOLDER, TEMPORARY, `${randomBytes(8).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, data);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Only old ones: a concurrent run on the same --out may be writing through the others right now. */
  private async removeAbandonedTemporaries(): Promise<void> {
    const folder = join(this.root, STATE_FOLDER, TEMPORARY);
    const names = await readdir(folder).catch(() => []);
    const now = Date.now();
    for (const name of names) {
      const stats = await stat(join(folder, name)).catch(() => undefined);
      if (stats && now - stats.mtimeMs > ABANDONED_AFTER_MS) {
        await rm(join(folder, name), { force: true, recursive: true });
      }
    }
  }
}
