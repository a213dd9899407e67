import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { settingsFingerprint, thumbnailOptionsSchema } from '../../../src/core/engine/thumbnailOptions';
import { describeImage, photoJpeg } from '../../support/images';
import { removeWorkFolder, thumbnailer, workFolder } from './cliHarness';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * "Up to date" used to mean "the thumbnail is newer than its source", so new settings never took effect
 * and a changed photo with an old timestamp was never redone. It now means what the Lambda's stamp
 * means: made from this content with these settings (and the thumbnail unchanged since).
 */
describe('the thumbnailer command remakes exactly what is not up to date', () => {
  let work: string;
  const width = async () => (await describeImage(await readFile(join(work, 'thumbs', 'a.jpg.jpg')))).width;
  const run = (...flags: string[]) => thumbnailer(['photos', '-o', 'thumbs', ...flags], work);
  const record = join('thumbs', '.thumbnailer', 'records', 'a.jpg.json');

  beforeAll(async () => {
    work = await workFolder('up-to-date');
    await mkdir(join(work, 'photos'));
    await writeFile(join(work, 'photos', 'a.jpg'), await photoJpeg(400, 300));
  });
  afterAll(() => removeWorkFolder(work));

  it('remakes a thumbnail when a setting changes, and skips it while none does', async () => {
    expect((await run('--width', '64')).stdout).toBe('1 made, 0 skipped, 0 failed\n');
    expect(await width()).toBe(64);
    expect((await run('--width', '200')).stdout).toBe('1 made, 0 skipped, 0 failed\n');
    expect(await width()).toBe(200);
    expect((await run('--width', '200')).stdout).toBe('0 made, 1 skipped, 0 failed\n');
    expect((await run('--width', '200', '--quality', '50')).stdout).toBe('1 made, 0 skipped, 0 failed\n');
  });

  it('records the content, the settings and the output it made', async () => {
    await run();
    const source = await readFile(join(work, 'photos', 'a.jpg'));
    const thumbnail = await readFile(join(work, 'thumbs', 'a.jpg.jpg'));
    expect(JSON.parse(await readFile(join(work, record), 'utf8'))).toEqual({
      version: 1,
      source: {
        key: 'a.jpg',
        format: 'jpeg',
        width: 400,
        height: 300,
        bytes: source.length,
        sha256: sha256(source),
      },
      settings: settingsFingerprint(thumbnailOptionsSchema.parse({})),
      outputs: [
        {
          name: 'thumbnail',
          settings: settingsFingerprint(thumbnailOptionsSchema.parse({})),
          key: 'a.jpg.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          width: 256,
          height: 192,
          bytes: thumbnail.length,
          sha256: sha256(thumbnail),
        },
      ],
      madeAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('remakes a thumbnail whose source changed, even with its old timestamp put back', async () => {
    await run();
    const photo = join(work, 'photos', 'a.jpg');
    const { atime, mtime } = await stat(photo);
    await writeFile(photo, await photoJpeg(300, 300, 7));
    await utimes(photo, atime, mtime); // as cp -p, rsync -t, tar and camera imports do
    expect((await run()).stdout).toBe('1 made, 0 skipped, 0 failed\n');
    expect(await width()).toBe(256);
    expect((await describeImage(await readFile(join(work, 'thumbs', 'a.jpg.jpg')))).height).toBe(256);
  });

  it.each<[string, () => Promise<void>]>([
    ['deleted', () => rm(join(work, 'thumbs', 'a.jpg.jpg'))],
    ['replaced by other bytes', () => writeFile(join(work, 'thumbs', 'a.jpg.jpg'), 'not what was made')],
    ['with a damaged record', () => writeFile(join(work, record), '{"version":1,"source":')],
  ])('remakes a thumbnail %s', async (_name, damage) => {
    await run();
    await damage();
    expect((await run()).stdout).toBe('1 made, 0 skipped, 0 failed\n');
    expect((await run()).stdout).toBe('0 made, 1 skipped, 0 failed\n');
  });

  it('keeps a thumbnail whose record was deleted, which is no longer known to be ours', async () => {
    await run();
    await rm(join(work, record));
    const refused = await thumbnailer(['photos', '-o', 'thumbs'], work);
    expect(refused.stderr).toMatch(/thumbs\/a\.jpg\.jpg exists and thumbnailer did not write it/);
    expect((await thumbnailer(['photos', '-o', 'thumbs', '--overwrite'], work)).stdout).toBe(
      '1 made, 0 skipped, 0 failed\n',
    );
    expect((await run()).stdout).toBe('0 made, 1 skipped, 0 failed\n');
  });
});
