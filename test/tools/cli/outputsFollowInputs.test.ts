import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { photoJpeg } from '../../support/images';
import { filesUnder, removeWorkFolder, thumbnailer, workFolder } from './cliHarness';

/**
 * --out holds the user's files as well as ours: the CLI replaces only what its records say it wrote,
 * and what it wrote follows its input (a refused input, or other settings, take old thumbnails away).
 */
describe('the thumbnailer command and the files in --out', () => {
  let work: string;

  beforeEach(async () => {
    work = await workFolder('outputs-follow');
    await mkdir(join(work, 'in'));
    await writeFile(join(work, 'in', 'cat.jpg'), await photoJpeg(64, 48));
  });
  afterEach(() => removeWorkFolder(work));

  it('refuses to replace a file it did not write, unless --overwrite', async () => {
    await mkdir(join(work, 'out'));
    await writeFile(join(work, 'out', 'cat.jpg.jpg'), 'notes\n');
    const refused = await thumbnailer(['in', '--out', 'out'], work);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'failed: in/cat.jpg: out/cat.jpg.jpg exists and thumbnailer did not write it',
    );
    expect(refused.stderr).toContain('pass --overwrite');
    expect(await readFile(join(work, 'out', 'cat.jpg.jpg'), 'utf8')).toBe('notes\n');
    const forced = await thumbnailer(['in', '--out', 'out', '--overwrite'], work);
    expect(forced.stdout).toBe('1 made, 0 skipped, 0 failed\n');
    // Ours now: a later run with other content replaces it without the flag.
    await writeFile(join(work, 'in', 'cat.jpg'), await photoJpeg(64, 48, 2));
    expect((await thumbnailer(['in', '--out', 'out'], work)).stdout).toBe('1 made, 0 skipped, 0 failed\n');
  });

  it('removes the thumbnail of an input that is no longer an image, and says so', async () => {
    expect((await thumbnailer(['in', '--out', 'out'], work)).code).toBe(0);
    await writeFile(join(work, 'in', 'cat.jpg'), 'not a picture any more\n');
    const run = await thumbnailer(['in', '--out', 'out'], work);
    expect(run.stderr).toMatch(
      /^skipped: in\/cat\.jpg: not-an-image: .*; removed its thumbnail out\/cat\.jpg\.jpg\n$/,
    );
    expect(await filesUnder(join(work, 'out'))).toEqual([]);
  });

  it("removes the outputs the settings no longer make, and keeps the user's", async () => {
    expect((await thumbnailer(['in', '--out', 'out'], work)).code).toBe(0);
    const run = await thumbnailer(['in', '--out', 'out', '--format', 'webp'], work);
    expect(run.stdout).toBe('1 made, 0 skipped, 0 failed\n');
    expect(await filesUnder(join(work, 'out'))).toEqual(['cat.jpg.webp']);
    // A thumbnail the user edited since is theirs: it stays when the settings change again.
    await writeFile(join(work, 'out', 'cat.jpg.webp'), 'edited\n');
    await thumbnailer(['in', '--out', 'out', '--force'], work);
    expect(await filesUnder(join(work, 'out'))).toEqual(['cat.jpg.jpg', 'cat.jpg.webp']);
  });
});
