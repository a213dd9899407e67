import { type Dirent, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFsError, kindOf } from './fsErrors';
import { isInside, isOutputFolder, STATE_FOLDER } from './outputFolder';

/** A file to thumbnail: its path as the user will read it, and its key (path under its input folder). */
export interface FoundFile {
  readonly path: string;
  readonly key: string;
}

/** Something found that is not thumbnailed, with the reason; printed, and counted in the summary. */
export interface Notice {
  readonly status: 'skipped' | 'failed';
  readonly path: string;
  readonly reason: string;
}

export interface Found {
  readonly files: FoundFile[];
  readonly notices: Notice[];
}

interface Folder {
  readonly path: string;
  /** '' for the input folder itself, else its key followed by `/`. */
  readonly key: string;
}

interface Walk {
  readonly found: Found;
  /** Real path of --out: nothing under it is ever input. */
  readonly realOut: string;
  /** Folders read so far, by device and inode, with the path each was first read by. */
  readonly walked: Map<string, string>;
}

const STATE_FOLDER_NAME = Buffer.from(STATE_FOLDER);

const notice = (walk: Walk, status: Notice['status'], path: string, reason: string) => {
  walk.found.notices.push({ status, path, reason });
};

/** A symbolic link's target, followed: its files are inputs, its folders are walked. */
async function followLink(walk: Walk, path: string, key: string): Promise<Folder | undefined> {
  let target: Stats;
  let real: string;
  try {
    target = await stat(path);
    real = await realpath(path);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const reason = missing ? 'a broken symbolic link (its target does not exist)' : describeFsError(error);
    notice(walk, 'failed', path, missing ? reason : `cannot follow this symbolic link: ${reason}`);
    return undefined;
  }
  if (isInside(real, walk.realOut)) {
    notice(walk, 'skipped', path, 'a symbolic link into --out: thumbnails are never read as input');
  } else if (target.isDirectory() && isInside(walk.realOut, real)) {
    notice(
      walk,
      'skipped',
      path,
      'a symbolic link to a folder that holds --out: thumbnails are never read as input',
    );
  } else if (target.isFile()) {
    walk.found.files.push({ path, key });
  } else if (target.isDirectory()) {
    return { path, key: `${key}/` };
  } else {
    notice(walk, 'skipped', path, `a symbolic link to ${kindOf(target)}, not to a regular file`);
  }
  return undefined;
}

/** Files become inputs, folders are returned to be walked, anything else is a notice. */
async function visitEntry(walk: Walk, folder: Folder, entry: Dirent<Buffer>): Promise<Folder | undefined> {
  const name = entry.name.toString('utf8');
  const path = join(folder.path, name);
  if (!Buffer.from(name, 'utf8').equals(entry.name)) {
    // Node names files by UTF-8 strings; this one could be neither opened nor shown faithfully.
    notice(walk, 'failed', path, 'its name is not valid UTF-8: rename it');
    return undefined;
  }
  const key = `${folder.key}${name}`;
  if (entry.isDirectory()) {
    return { path, key: `${key}/` };
  }
  if (entry.isFile()) {
    walk.found.files.push({ path, key });
    return undefined;
  }
  if (entry.isSymbolicLink()) {
    return followLink(walk, path, key);
  }
  notice(walk, 'skipped', path, `not a regular file: ${kindOf(entry)}`);
  return undefined;
}

/** Whether this folder is read now: each folder once, and never the output folder of a run. */
async function shouldRead(
  walk: Walk,
  folder: Folder,
  entries: ReadonlyArray<Dirent<Buffer>>,
): Promise<boolean> {
  const stats = await stat(folder.path);
  const id = `${stats.dev}:${stats.ino}`;
  const earlier = walk.walked.get(id);
  if (earlier !== undefined) {
    const loop = isInside(folder.path, earlier);
    const why = loop
      ? `a symbolic link loop back to ${earlier}`
      : `the same folder as ${earlier}, already read`;
    notice(walk, 'skipped', folder.path, `${why}: each folder is read once`);
    return false;
  }
  walk.walked.set(id, folder.path);
  const holdsState = entries.some((entry) => entry.name.equals(STATE_FOLDER_NAME));
  if (folder.key !== '' && holdsState && (await isOutputFolder(folder.path))) {
    notice(
      walk,
      'skipped',
      folder.path,
      `the output folder of a run (it holds ${STATE_FOLDER}/): never read as input`,
    );
    return false;
  }
  return true;
}

/** The folder's subfolders, in name order, after taking its files; an unreadable folder is one failure. */
async function readFolder(walk: Walk, folder: Folder): Promise<Folder[]> {
  let entries: Array<Dirent<Buffer>>;
  try {
    entries = await readdir(folder.path, { withFileTypes: true, encoding: 'buffer' });
    if (!(await shouldRead(walk, folder, entries))) {
      return [];
    }
  } catch (error) {
    notice(walk, 'failed', folder.path, `cannot read this folder: ${describeFsError(error)}`);
    return [];
  }
  entries.sort((a, b) => Buffer.compare(a.name, b.name));
  const subfolders: Folder[] = [];
  for (const entry of entries) {
    const subfolder = await visitEntry(walk, folder, entry);
    if (subfolder) {
      subfolders.push(subfolder);
    }
  }
  return subfolders;
}

/**
 * Every file under the input folder `root`, recursively, into `found`; symbolic links are followed (to
 * files and to folders), each folder is read once (so a link loop ends, and is reported), and whatever
 * cannot be read is one notice while the walk goes on. Depth-first in name order, without recursion.
 */
export async function walkFolder(root: string, realOut: string, found: Found): Promise<void> {
  const walk: Walk = { found, realOut, walked: new Map() };
  const pending: Folder[] = [{ path: root, key: '' }];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    const subfolders = await readFolder(walk, folder);
    // Reversed onto the stack, so that they come off it in name order (a loop: a folder may hold many).
    for (let index = subfolders.length - 1; index >= 0; index -= 1) {
      pending.push(subfolders[index] as Folder);
    }
  }
}
