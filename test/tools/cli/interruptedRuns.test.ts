import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { photoJpeg } from '../../support/images';
import { CLI, filesUnder, removeWorkFolder, thumbnailer, workFolder } from './cliHarness';

const IMAGES = 24;
const names = Array.from({ length: IMAGES }, (_, index) => `p${String(index).padStart(2, '0')}.jpg.jpg`);

/** Every thumbnail's width, decoding each one whole (a partial file fails here). */
async function widths(folder: string): Promise<number[]> {
  const files = await filesUnder(folder);
  const decoded = await Promise.all(
    files.map((file) =>
      sharp(join(folder, file), { failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: true }),
    ),
  );
  return decoded.map(({ info }) => info.width);
}

/** Runs on one --out that overlap or stop half-way leave it consistent: the next run finishes the job. */
describe('the thumbnailer command, killed or run twice at once on the same --out', () => {
  let work: string;
  const temporaries = (out: string) => readdir(join(work, out, '.thumbnailer', 'tmp'));

  beforeAll(async () => {
    work = await workFolder('interrupted');
    await mkdir(join(work, 'photos'));
    for (let index = 0; index < IMAGES; index += 1) {
      await writeFile(
        join(work, 'photos', `p${String(index).padStart(2, '0')}.jpg`),
        await photoJpeg(600, 400, index + 1),
      );
    }
  });
  afterAll(() => removeWorkFolder(work));

  it('two runs at once with different settings: the next run makes what the other one won', async () => {
    const [narrow, wide] = await Promise.all([
      thumbnailer(['photos', '-o', 'shared', '--width', '64', '-j', '2'], work),
      thumbnailer(['photos', '-o', 'shared', '--width', '200', '-j', '2'], work),
    ]);
    expect([narrow.code, wide.code, narrow.stderr, wide.stderr]).toEqual([0, 0, '', '']);
    const settled = await thumbnailer(['photos', '-o', 'shared', '--width', '200'], work);
    expect(settled.code).toBe(0);
    expect((await thumbnailer(['photos', '-o', 'shared', '--width', '200'], work)).stdout).toBe(
      `0 made, ${IMAGES} skipped, 0 failed\n`,
    );
    expect(await widths(join(work, 'shared'))).toEqual(names.map(() => 200));
    expect(await temporaries('shared')).toEqual([]);
  });

  it('killed part-way: no partial thumbnail anywhere, and the next run makes the rest', async () => {
    const child = spawn(process.execPath, [CLI, 'photos', '-o', 'killed', '-j', '1'], {
      cwd: work,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while ((await filesUnder(join(work, 'killed')).catch(() => [])).length < 3) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const partial = await widths(join(work, 'killed'));
    expect(partial.length).toBeLessThan(IMAGES);
    const rest = await thumbnailer(['photos', '-o', 'killed'], work);
    expect(rest.stdout).toMatch(/^\d+ made, \d+ skipped, 0 failed\n$/);
    expect(await filesUnder(join(work, 'killed'))).toEqual(names);
    expect(await widths(join(work, 'killed'))).toEqual(names.map(() => 256));
  });

  it('removes temporary files a killed run left, once no run can still be writing them', async () => {
    const folder = join(work, 'killed', '.thumbnailer', 'tmp');
    await writeFile(join(folder, 'abandoned.tmp'), 'x');
    await utimes(
      join(folder, 'abandoned.tmp'),
      new Date(Date.now() - 2 * 3600_000),
      new Date(Date.now() - 2 * 3600_000),
    );
    await writeFile(join(folder, 'recent.tmp'), 'x');
    await thumbnailer(['photos', '-o', 'killed'], work);
    expect(await readdir(folder)).toEqual(['recent.tmp']);
    expect(await readFile(join(folder, 'recent.tmp'), 'utf8')).toBe('x');
  });
});
