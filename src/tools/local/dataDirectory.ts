import type { Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bucketNameSchema } from '../../function/config';
import { messageOf, UsageError } from '../../common/errors';
import { DATA_LOCK_FILE, type DataLock, DataFolderInUseError, lockDataFolder } from './dataLock';

/**
 * The file that marks a data folder as the local stack's own. `--fresh` empties only a folder holding it,
 * so a mistyped `--data-dir` can never cost a user their files.
 */
export const DATA_DIRECTORY_MARKER = '.thumbnailer-local-stack';

const MARKER_FIRST_LINE = "This folder holds the objects of thumbnailer's local stack (npm start).";
const MARKER_TEXT = `${MARKER_FIRST_LINE}\n\`npm start -- --fresh\` deletes everything in it.\n`;

/** A data folder the stack will not use (the message says which and why); `npm start` exits with 2. */
export class DataDirectoryError extends UsageError {}

const errorCode = (error: unknown): unknown => (error as NodeJS.ErrnoException | undefined)?.code;

async function isMarked(directory: string): Promise<boolean> {
  const marker = join(directory, DATA_DIRECTORY_MARKER);
  // lstat, and a regular file only: a marker that is a symlink vouches for nothing.
  const stats = await lstat(marker).catch(() => undefined);
  if (stats?.isFile() !== true) {
    return false;
  }
  const file = await open(marker, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(MARKER_FIRST_LINE.length * 2), 0);
    return buffer.subarray(0, bytesRead).toString('utf8').startsWith(MARKER_FIRST_LINE);
  } finally {
    await file.close();
  }
}

/**
 * Only what the S3 server writes: files named `<key>._S3rver_<resource>` (and their temporary copies),
 * and its own `._S3rver_uploads` folder of multipart parts. Never a link: s3rver makes none.
 */
async function onlyObjectFiles(folder: string, inS3rversOwn = false): Promise<boolean> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const s3rvers = inS3rversOwn || entry.name.includes('._S3rver_');
    const fine = entry.isDirectory()
      ? await onlyObjectFiles(join(folder, entry.name), s3rvers)
      : entry.isFile() && s3rvers;
    if (!fine) {
      return false;
    }
  }
  return true;
}

/** Bucket folders holding only the S3 server's files: the data of a stack too old to write the marker. */
async function isEarlierStacksData(entries: readonly Dirent[], directory: string): Promise<boolean> {
  for (const entry of entries) {
    const bucketFolder = entry.isDirectory() && bucketNameSchema.safeParse(entry.name).success;
    if (!bucketFolder || !(await onlyObjectFiles(join(directory, entry.name)))) {
      return false;
    }
  }
  return true;
}

/** The real folder `path` names, created (and marked) when it does not exist yet. */
async function realFolder(path: string): Promise<string> {
  const real = await realpath(path).catch(async (error: unknown) => {
    if (errorCode(error) !== 'ENOENT') {
      throw error;
    }
    await mkdir(path, { recursive: true });
    return realpath(path);
  });
  if (!(await lstat(real)).isDirectory()) {
    throw new DataDirectoryError(`--data-dir ${JSON.stringify(path)} is not a folder`);
  }
  return real;
}

/**
 * Makes `path` the stack's data folder: created and marked when new or empty, adopted when it holds only
 * an earlier stack's buckets, refused when it holds anything else or another running stack holds it
 * (see dataLock). With `fresh`, empties it (the marker and the lock stay). Deleting never follows a
 * symlink: a link inside the folder is removed, not what it points to. Resolves with the folder's lock.
 */
export async function prepareDataDirectory(path: string, fresh: boolean): Promise<DataLock> {
  try {
    return await prepare(path, fresh);
  } catch (error) {
    if (error instanceof DataFolderInUseError) {
      const what = fresh ? '; --fresh deleted nothing' : '';
      throw new DataDirectoryError(
        `--data-dir ${JSON.stringify(path)} cannot be used: ${error.message}${what}. Stop that one first, or choose another folder with --data-dir`,
        { cause: error },
      );
    }
    if (error instanceof DataDirectoryError || typeof errorCode(error) !== 'string') {
      throw error;
    }
    // EACCES, EROFS, ENOTDIR, ELOOP...: the folder named cannot be used as it is.
    const reason = messageOf(error);
    throw new DataDirectoryError(`--data-dir ${JSON.stringify(path)} cannot be used: ${reason}`, {
      cause: error,
    });
  }
}

async function prepare(path: string, fresh: boolean): Promise<DataLock> {
  const directory = await realFolder(path);
  if (!(await isMarked(directory))) {
    const entries = await readdir(directory, { withFileTypes: true });
    if (!(await isEarlierStacksData(entries, directory))) {
      throw new DataDirectoryError(foreignFolderMessage(path, entries, fresh));
    }
    await writeFile(join(directory, DATA_DIRECTORY_MARKER), MARKER_TEXT);
  }
  const lock = await lockDataFolder(directory);
  if (fresh) {
    const entries = await readdir(directory);
    const kept = [DATA_DIRECTORY_MARKER, DATA_LOCK_FILE];
    const doomed = entries.filter((name) => !kept.includes(name));
    await Promise.all(doomed.map((name) => rm(join(directory, name), { recursive: true, force: true })));
  }
  return lock;
}

function foreignFolderMessage(path: string, entries: readonly Dirent[], fresh: boolean): string {
  const shown = entries
    .slice(0, 3)
    .map((entry) => JSON.stringify(entry.name))
    .join(', ');
  const what = `--data-dir ${JSON.stringify(path)} holds files the local stack did not make (${shown}${entries.length > 3 ? ', ...' : ''})`;
  const why = fresh
    ? '--fresh deletes only a folder the stack created itself, so it deleted nothing'
    : 'the stack keeps its objects only in a folder of its own';
  return `${what}; ${why}. Choose a new or empty folder with --data-dir (or LOCAL_S3_DATA_DIR), or delete this one yourself if you mean to.`;
}
