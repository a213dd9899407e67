import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { photoJpeg } from '../../support/images';
import {
  type CliRun,
  filesUnder,
  removeWorkFolder,
  stderrLines,
  thumbnailer,
  workFolder,
} from './cliHarness';

/**
 * Symbolic links used to be skipped without a word. They are followed, to files and to folders; each
 * folder is read once (a loop ends, and is reported); links into --out, or to a folder holding it, and
 * earlier runs' output folders are never read as input.
 */
describe('the thumbnailer command and symbolic links', () => {
  let work: string;
  let first: CliRun;

  beforeAll(async () => {
    work = await workFolder('links');
    const photos = join(work, 'photos');
    await mkdir(join(photos, 'albums', 'summer'), { recursive: true });
    await mkdir(join(work, 'elsewhere'));
    await mkdir(join(work, 'outer', 'thumbs'), { recursive: true });
    await writeFile(join(photos, 'a.jpg'), await photoJpeg(64, 48));
    await writeFile(join(photos, 'albums', 'summer', 'beach.jpg'), await photoJpeg(64, 48, 2));
    await writeFile(join(work, 'elsewhere', 'far.jpg'), await photoJpeg(64, 48, 3));
    await symlink('a.jpg', join(photos, 'link-to-file.jpg'));
    await symlink('../elsewhere', join(photos, 'link-to-folder'));
    await symlink('..', join(photos, 'albums', 'summer', 'loop'));
    await symlink('summer', join(photos, 'albums', 'again'));
    await symlink('../outer/thumbs', join(photos, 'into-out'));
    await symlink('../outer', join(photos, 'holds-out'));
    first = await thumbnailer(['photos', '--out', 'outer/thumbs'], work);
    // An earlier run's output moved in among the photos is an output still, not input.
    await cp(join(work, 'outer', 'thumbs'), join(photos, 'old-thumbs'), { recursive: true });
  });
  afterAll(() => removeWorkFolder(work));

  it('follows links to files and folders, and says what it did not follow, and why', async () => {
    expect(stderrLines(first)).toEqual([
      'skipped: photos/albums/again/loop: a symbolic link loop back to photos/albums: each folder is read once',
      'skipped: photos/albums/summer: the same folder as photos/albums/again, already read: each folder is read once',
      'skipped: photos/holds-out: a symbolic link to a folder that holds --out: thumbnails are never read as input',
      'skipped: photos/into-out: a symbolic link into --out: thumbnails are never read as input',
    ]);
    expect(first).toMatchObject({ code: 0, stdout: '4 made, 4 skipped, 0 failed\n' });
    expect(await filesUnder(join(work, 'outer', 'thumbs'))).toEqual([
      'a.jpg.jpg',
      'albums/again/beach.jpg.jpg',
      'link-to-file.jpg.jpg',
      'link-to-folder/far.jpg.jpg',
    ]);
  });

  it('never nests thumbnails of thumbnails, run after run', async () => {
    const again = await thumbnailer(['photos', '--out', 'outer/thumbs'], work);
    expect(again.stdout).toBe('0 made, 9 skipped, 0 failed\n');
    expect(stderrLines(again)).toContain(
      'skipped: photos/old-thumbs: the output folder of a run (it holds .thumbnailer/): never read as input',
    );
    expect(await filesUnder(join(work, 'outer', 'thumbs'))).toHaveLength(4);
  });

  it('reads a folder named twice, or once through a link, only once', async () => {
    const result = await thumbnailer(
      ['photos/albums/summer', 'photos/albums/summer/', 'photos/albums/again', '-o', 'twice'],
      work,
    );
    expect(result).toMatchObject({ code: 0, stdout: '1 made, 2 skipped, 0 failed\n' });
    expect(await filesUnder(join(work, 'twice'))).toEqual(['beach.jpg.jpg']);
  });
});
