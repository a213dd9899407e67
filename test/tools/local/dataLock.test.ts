import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_LOCK_FILE, DataFolderInUseError, lockDataFolder } from '../../../src/tools/local/dataLock';

/** The PID of a process that has exited: a lock it left (as after kill -9) names nobody running. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the data folder lock', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'thumbnailer-lock-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('is taken once: a second taker is told the PID that holds it, until it is released', async () => {
    const lock = await lockDataFolder(folder);
    expect((await readFile(join(folder, DATA_LOCK_FILE), 'utf8')).split('\n')[0]).toBe(String(process.pid));
    const second = lockDataFolder(folder);
    await expect(second).rejects.toThrow(DataFolderInUseError);
    await expect(second).rejects.toThrow(`it is in use by PID ${process.pid}`);
    await lock.release();
    await expect(readFile(join(folder, DATA_LOCK_FILE))).rejects.toThrow(/ENOENT/);
    await (await lockDataFolder(folder)).release();
  });

  it.each([
    ['a PID that has exited (kill -9)', () => `${deadPid()}\n123\n`],
    ['a PID reused by a process started later', () => `${process.pid}\nnot-its-start-time\n`],
    ['garbage', () => 'not a pid at all'],
    ['an empty file (a start killed while writing it)', () => ''],
  ])('takes over a stale lock: %s', async (_what, content) => {
    await writeFile(join(folder, DATA_LOCK_FILE), content());
    const lock = await lockDataFolder(folder);
    expect((await readFile(join(folder, DATA_LOCK_FILE), 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await lock.release();
  });

  it('lets only one of many simultaneous takers have it', async () => {
    await writeFile(join(folder, DATA_LOCK_FILE), `${deadPid()}\n`);
    const tries = await Promise.allSettled(Array.from({ length: 8 }, () => lockDataFolder(folder)));
    const won = tries.filter((attempt) => attempt.status === 'fulfilled');
    expect(won).toHaveLength(1);
    await won[0]?.value.release();
  });

  it('never releases a lock that is no longer its own', async () => {
    const lock = await lockDataFolder(folder);
    await writeFile(join(folder, DATA_LOCK_FILE), '1\n');
    await lock.release();
    expect(await readFile(join(folder, DATA_LOCK_FILE), 'utf8')).toBe('1\n');
  });
});
