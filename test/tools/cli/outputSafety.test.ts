import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { photoJpeg } from '../../support/images';
import { removeWorkFolder, thumbnailer, workFolder } from './cliHarness';

/** Every path under `folder`, links included, so that "nothing was written" can be checked exactly. */
async function treeOf(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.map((entry) => join(entry.parentPath, entry.name)).sort();
}

/**
 * Where thumbnails would be read as inputs (so that every re-run nests thumbnails of thumbnails), or
 * written over something that is not a folder: refused before anything is written, comparing real paths,
 * so that no symbolic link gets round the check.
 */
describe('the thumbnailer command refuses an --out that would mix with its inputs', () => {
  let work: string;

  beforeAll(async () => {
    work = await workFolder('out-safety');
    await mkdir(join(work, 'photos', 'sub'), { recursive: true });
    await writeFile(join(work, 'photos', 'a.jpg'), await photoJpeg(64, 48));
    await writeFile(join(work, 'photos', 'sub', 'b.jpg'), await photoJpeg(64, 48));
    const made = await thumbnailer(['photos', '--out', 'thumbs'], work);
    expect(made.stdout).toBe('2 made, 0 skipped, 0 failed\n');
    await symlink('photos', join(work, 'photos-link'));
    await symlink('photos/sub', join(work, 'into-photos'));
    await symlink('thumbs', join(work, 'thumbs-link'));
  });
  afterAll(() => removeWorkFolder(work));

  it.each<[string, string[], RegExp]>([
    [
      '--out inside the input',
      ['photos', '-o', 'photos/t'],
      /--out photos\/t is inside the input folder photos/,
    ],
    [
      '--out inside it through a link',
      ['photos', '-o', 'photos-link/t'],
      /--out photos-link\/t is inside the input folder photos/,
    ],
    [
      '--out a link into the input',
      ['photos', '-o', 'into-photos'],
      /--out into-photos is inside the input folder photos/,
    ],
    [
      'the input a link to the input',
      ['photos-link', '-o', 'into-photos'],
      /is inside the input folder photos-link/,
    ],
    ['the input inside --out', ['photos', '-o', '.'], /input photos is inside --out \./],
    [
      'the input a link to --out',
      ['thumbs-link', '-o', 'thumbs'],
      /input thumbs-link is inside --out thumbs/,
    ],
    [
      'an input file inside --out',
      ['thumbs/a.jpg.jpg', '-o', 'thumbs'],
      /input thumbs\/a\.jpg\.jpg is inside --out/,
    ],
    ["an earlier run's --out as input", ['thumbs', '-o', 'more'], /input thumbs is the --out of a run/],
    [
      '--out an input file',
      ['photos/a.jpg', '-o', 'photos/a.jpg'],
      /--out photos\/a\.jpg is a file, not a folder/,
    ],
    [
      '--out under a file',
      ['photos', '-o', 'photos/a.jpg/t'],
      /cannot use --out photos\/a\.jpg\/t: .*\(ENOTDIR\)/,
    ],
  ])('refuses %s with exit code 2, writing nothing', async (_name, args, message) => {
    const before = await treeOf(work);
    const result = await thumbnailer(args, work);
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(message) });
    expect(await treeOf(work)).toEqual(before);
  });
});
