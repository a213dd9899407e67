import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The file that says which process uses a data folder. Two stacks on one folder would wreck each other
 * (the second's start-up recovery deletes the first's spooled upload bodies and half-written versions;
 * `--fresh` would delete its objects), so a start takes this lock before touching anything.
 */
export const DATA_LOCK_FILE = '.thumbnailer-lock';

/** Whose lock it is: the PID, and the process's start time, so that a PID reused after a kill -9 is not taken for the owner. */
interface Owner {
  readonly pid: number;
  readonly started: string;
}

/** When the process started (clock ticks since boot, /proc/<pid>/stat field 22), or '' where there is no /proc. */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function isRunning({ pid, started }: Owner): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const now = startTimeOf(pid);
  return started === '' || now === '' || now === started;
}

const ownText = (): string => `${process.pid}\n${startTimeOf(process.pid)}\n`;

function parseOwner(text: string): Owner | undefined {
  const [pid, started = ''] = text.split('\n');
  return pid !== undefined && /^[1-9][0-9]*$/.test(pid) ? { pid: Number(pid), started } : undefined;
}

/** A data folder another running stack holds; `npm start` says whose, and exits 2. */
export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError';

  constructor(readonly pid: number) {
    super(`it is in use by PID ${pid} (another npm start)`);
  }
}

export interface DataLock {
  /** Gives the folder up (only when the lock is still this process's). */
  release(): Promise<void>;
}

/** Creates the lock file whole or not at all: written aside, then linked into place (link fails if it exists). */
async function tryCreate(lock: string, text: string): Promise<boolean> {
  const aside = `${lock}.${randomBytes(6).toString('hex')}`;
  await writeFile(aside, text);
  try {
    await link(aside, lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return false;
    }
    throw error;
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

/**
 * Takes `directory` for this process, or throws DataFolderInUseError naming the running owner. A lock left
 * by a process that is gone (killed with -9, say), or unreadable, is stale and taken over. The lock is also
 * dropped when this process exits by process.exit().
 */
export async function lockDataFolder(directory: string): Promise<DataLock> {
  const lock = join(directory, DATA_LOCK_FILE);
  const text = ownText();
  for (let attempt = 0; !(await tryCreate(lock, text)); attempt += 1) {
    const found = await readFile(lock, 'utf8').catch(() => '');
    const owner = parseOwner(found);
    if (owner && isRunning(owner)) {
      throw new DataFolderInUseError(owner.pid);
    }
    if (attempt > 3) {
      throw new Error(`could not take the lock ${lock}: it keeps changing`);
    }
    // Stale: remove it only if it is still the one judged stale (another start may have taken it over).
    if ((await readFile(lock, 'utf8').catch(() => '')) === found) {
      await unlink(lock).catch(() => undefined);
    }
  }
  const dropOnExit = () => {
    try {
      if (readFileSync(lock, 'utf8') === text) {
        unlinkSync(lock);
      }
    } catch {
      // Already gone.
    }
  };
  process.on('exit', dropOnExit);
  return {
    release: async () => {
      process.off('exit', dropOnExit);
      if ((await readFile(lock, 'utf8').catch(() => '')) === text) {
        await unlink(lock);
      }
    },
  };
}
