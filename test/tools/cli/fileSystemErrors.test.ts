import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFsError } from '../../../src/tools/cli/fsErrors';
import { makeFolder } from '../../../src/tools/cli/outputFolder';
import { photoJpeg } from '../../support/images';
import { removeWorkFolder, runningAsRoot, thumbnailer, workFolder } from './cliHarness';

/** Mounts a tmpfs (root only); false, with one line saying why, where this machine cannot. */
function mountTmpfs(at: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { stdio: 'pipe' });
    return true;
  } catch (error) {
    console.warn(`[tests] skipping the ${options} mount case: cannot mount a tmpfs here (${String(error)})`);
    return false;
  }
}

/**
 * Node's recursive mkdir says ENOENT for any folder it cannot make, so a read-only --out read "it no
 * longer exists": each cause must reach the user as itself, on real file systems where we can make one.
 */
describe('file-system errors reach the user as their real cause', () => {
  let work: string;
  const mounts: string[] = [];

  beforeAll(async () => {
    work = await workFolder('fs-errors');
    await mkdir(join(work, 'in'));
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) {
      await writeFile(join(work, 'in', name), await photoJpeg(640, 480, name.length));
    }
  });
  afterAll(async () => {
    for (const mount of mounts) execFileSync('umount', [mount]);
    await removeWorkFolder(work);
  });

  async function mounted(name: string, options: string): Promise<string | undefined> {
    const at = join(work, name);
    await mkdir(at);
    if (!runningAsRoot() || !mountTmpfs(at, options)) return undefined;
    mounts.push(at);
    return at;
  }

  it('says a read-only --out is read-only, at any depth', async () => {
    const at = await mounted('ro', 'ro');
    if (at === undefined) return;
    for (const out of ['ro', 'ro/deeper/still']) {
      const run = await thumbnailer(['in', '--out', out], work);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`cannot create --out ${out}: the file system is read-only (EROFS)`);
    }
  });

  it('says a full --out is full, per thumbnail', async () => {
    const at = await mounted('full', 'size=12k');
    if (at === undefined) return;
    const run = await thumbnailer(['in', '--out', 'full'], work);
    expect(run.stderr).toMatch(/no space left on the device \(ENOSPC\)/);
    expect(run.stderr).not.toMatch(/ENOENT/);
  });

  it('names the cause of a folder that cannot be made, whatever it is', async () => {
    await writeFile(join(work, 'file'), 'x');
    await expect(makeFolder(join(work, 'file', 'a', 'b'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeFolder(join(work, 'x'.repeat(300), 'b'))).rejects.toMatchObject({
      code: 'ENAMETOOLONG',
    });
    await makeFolder(join(work, 'new', 'deep'));
  });

  it.each([
    ['EACCES', 'permission denied (EACCES)'],
    ['EROFS', 'the file system is read-only (EROFS)'],
    ['ENOSPC', 'no space left on the device (ENOSPC)'],
    ['EDQUOT', 'disk quota exceeded (EDQUOT)'],
    ['ENAMETOOLONG', 'the name or path is too long (ENAMETOOLONG)'],
    ['EISDIR', 'it is a folder (EISDIR)'],
    ['ENOTDIR', 'something on its path is not a folder (ENOTDIR)'],
    ['EMFILE', 'too many open files (EMFILE)'],
  ])('maps %s to its meaning', (code, meaning) => {
    expect(describeFsError(Object.assign(new Error('raw'), { code }))).toBe(meaning);
  });
});
