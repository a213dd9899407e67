import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/dockerfile';
import { describeImage, photoJpeg, sampleHeic, solidImage } from '../../support/images';
import { CLI, execFileAsync, filesUnder, removeWorkFolder, thumbnailer, workFolder } from './cliHarness';

describe('the thumbnailer command', () => {
  let work: string;

  beforeAll(async () => {
    work = await workFolder('cli');
    const photos = join(work, 'photos');
    await mkdir(join(photos, 'nested', 'deeper'), { recursive: true });
    const broken = await photoJpeg(800, 600);
    await Promise.all([
      writeFile(join(photos, 'a.jpg'), await photoJpeg(800, 600)),
      writeFile(
        join(photos, 'nested', 'b.png'),
        await solidImage(300, 600, 'png', { r: 0, g: 0, b: 0, alpha: 0 }),
      ),
      writeFile(join(photos, 'nested', 'deeper', 'c.webp'), await solidImage(100, 50, 'webp')),
      writeFile(join(photos, 'notes.txt'), 'not a picture'),
      writeFile(join(photos, 'empty.jpg'), ''),
      writeFile(join(photos, 'broken.jpg'), broken.subarray(0, broken.length / 2)),
      writeFile(join(photos, 'phone.heic'), sampleHeic()),
    ]);
    await symlink('nowhere.jpg', join(work, 'dangling.jpg'));
    await mkdir(join(work, 'other'));
    await copyFile(join(photos, 'a.jpg'), join(work, 'other', 'a.jpg'));
  });
  afterAll(() => removeWorkFolder(work));

  const readThumb = (path: string) => readFile(join(work, 'thumbs', path));

  it('thumbnails a folder recursively, keeping its structure, and reports each failure and a summary', async () => {
    const result = await thumbnailer(['photos', '--out', 'thumbs'], work);

    expect(result.stdout).toBe('4 made, 2 skipped, 1 failed\n');
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(/^failed: photos\/broken\.jpg: corrupt: cannot decode jpeg: /),
    ]);
    expect(await filesUnder(join(work, 'thumbs'))).toEqual([
      'a.jpg.jpg',
      'nested/b.png.jpg',
      'nested/deeper/c.webp.jpg',
      'phone.heic.jpg', // an iPhone photo (HEVC in HEIF), through libheif
    ]);
    expect(await describeImage(await readThumb('a.jpg.jpg'))).toMatchObject({
      format: 'jpeg',
      width: 256,
      height: 192,
    });
    const transparent = await describeImage(await readThumb('nested/b.png.jpg'));
    expect(transparent).toMatchObject({ width: 128, height: 256, mean: { r: 255, g: 255, b: 255 } });
    expect(await describeImage(await readThumb('nested/deeper/c.webp.jpg'))).toMatchObject({
      width: 100,
      height: 50,
    });
  });

  it('skips thumbnails that are up to date on a second run, and remakes them with --force', async () => {
    const again = await thumbnailer(['photos', '--out', 'thumbs'], work);
    expect(again.stdout).toBe('0 made, 6 skipped, 1 failed\n');
    const forced = await thumbnailer(['photos', '--out', 'thumbs', '--force'], work);
    expect(forced.stdout).toBe('4 made, 2 skipped, 1 failed\n');
  });

  it('exits 0 when nothing failed, for files named one by one', async () => {
    const result = await thumbnailer(['photos/a.jpg', 'photos/nested/b.png', '-o', 'singles'], work);
    expect(result).toEqual({ code: 0, stdout: '2 made, 0 skipped, 0 failed\n', stderr: '' });
    expect(await filesUnder(join(work, 'singles'))).toEqual(['a.jpg.jpg', 'b.png.jpg']);
  });

  it('says why it skips a file named on the command line, though not one found in a folder', async () => {
    const result = await thumbnailer(['photos/notes.txt', 'photos/empty.jpg', '-o', 'named'], work);
    expect([result.code, result.stdout]).toEqual([0, '0 made, 2 skipped, 0 failed\n']);
    expect(result.stderr.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(/^skipped: photos\/empty\.jpg: empty: /),
      expect.stringMatching(/^skipped: photos\/notes\.txt: not-an-image: /),
    ]);
  });

  it('takes its settings from the environment, with flags overriding them', async () => {
    const env = { THUMBNAIL_WIDTH: '64', THUMBNAIL_HEIGHT: '64', THUMBNAIL_FORMAT: 'webp' };
    await thumbnailer(['photos/a.jpg', '-o', 'from-env'], work, { env });
    await thumbnailer(
      ['photos/a.jpg', '-o', 'from-flags', '--width', '100', '--height', '100', '--format', 'avif'],
      work,
      { env },
    );
    const fromEnv = await describeImage(await readFile(join(work, 'from-env', 'a.jpg.webp')));
    const fromFlags = await describeImage(await readFile(join(work, 'from-flags', 'a.jpg.avif')));
    expect([fromEnv.width, fromEnv.height]).toEqual([64, 48]);
    expect([fromFlags.width, fromFlags.height]).toEqual([100, 75]);
  });

  it('refuses a file over the byte limit as a failure, without reading it', async () => {
    const result = await thumbnailer(['photos/a.jpg', '-o', 'limited', '--max-input-bytes', '100'], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^failed: photos\/a\.jpg: too-large: \d+ bytes, above the 100-byte limit/);
  });

  it.each<[string, string[], RegExp]>([
    ['a missing input', ['nowhere', '-o', 'x'], /input not found: nowhere/],
    ['a broken link as input', ['dangling.jpg', '-o', 'x'], /input dangling\.jpg is a broken symbolic link/],
    [
      'an output folder inside the input',
      ['photos', '-o', 'photos/thumbs'],
      /--out photos\/thumbs is inside the input folder photos/,
    ],
    ['an unknown flag', ['photos', '-o', 'x', '--colour', 'red'], /unknown option --colour/],
    ['a missing --out', ['photos'], /--out <dir> is required/],
    ['no inputs', ['-o', 'x'], /no input given/],
    [
      'two inputs for one output',
      ['photos/a.jpg', 'other/a.jpg', '-o', 'x'],
      /photos\/a\.jpg and other\/a\.jpg would both be written to x\/a\.jpg\.jpg/,
    ],
    ['a bad setting', ['photos', '-o', 'x', '--quality', '0'], /--quality \(or THUMBNAIL_QUALITY\): /],
  ])('refuses %s with exit code 2 and a clear message', async (_name, args, message) => {
    const result = await thumbnailer(args, work);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('npm run thumbnailer -- --help');
  });

  it('keeps working when its output pipes are closed early (as by `| head`), without a stack trace', async () => {
    const child = spawn(process.execPath, [CLI, 'photos', '-o', 'closed-pipes', '--force'], { cwd: work });
    child.stdout.destroy();
    child.stderr.destroy(); // before the first line: each write then fails with EPIPE
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1); // one of the photos fails, as above
    expect(await filesUnder(join(work, 'closed-pipes'))).toHaveLength(4);
  });

  it('documents itself with --help', async () => {
    const direct = await thumbnailer(['--help'], work);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toMatch(/^Usage: thumbnailer <file\|dir>\.\.\. --out <dir>/);
    expect(direct.stdout).toContain('npm run thumbnailer -- ');
    expect(direct.stdout).not.toContain('npx');
  });

  it('runs from the checkout as `npm run thumbnailer --`, with paths relative to where npm was run', async () => {
    // npm --prefix names the checkout from elsewhere, as running it from any folder inside it does.
    const { stdout } = await execFileAsync(
      'npm',
      ['--prefix', REPO_ROOT, 'run', '--silent', 'thumbnailer', '--', 'photos/a.jpg', '-o', 'via-npm'],
      { cwd: work },
    );
    expect(stdout).toBe('1 made, 0 skipped, 0 failed\n');
    expect(await filesUnder(join(work, 'via-npm'))).toEqual(['a.jpg.jpg']);
  });

  it('documents no command that could fetch another package: npx is never suggested for it', async () => {
    // git grep exits 1, with nothing on stdout, when nothing matches.
    const found = await execFileAsync(
      'git',
      ['grep', '--untracked', '-n', '-I', '-E', 'npx +(--[a-z-]+ +)*thumbnailer'],
      {
        cwd: REPO_ROOT,
      },
    ).then(
      ({ stdout }) => stdout,
      (error: unknown) => (error as { stdout: string }).stdout,
    );
    expect(found).toBe('');
  });
});
