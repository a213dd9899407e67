import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  findPillowPython,
  PILLOW_SCRIPT,
  pillowThroughput,
  pillowTimes,
} from '../../../src/tools/bench/comparisons';
import { REPO_ROOT } from '../../support/dockerfile';
import { run } from '../../support/terraform';

const python = findPillowPython();
if (python === undefined) {
  console.warn(
    '[tests] skipping the Pillow comparison tests: no python3 here has Pillow (apt-get install python3-pil)',
  );
}
const withPillow = python === undefined ? describe.skip : describe;

describe('the Pillow comparison script (src/tools/bench/pillow_thumbnail.py)', () => {
  it('is beside the bench in the source and, as the build copies it, in dist', async () => {
    expect(PILLOW_SCRIPT).toBe(join(REPO_ROOT, 'src', 'tools', 'bench', 'pillow_thumbnail.py'));
    // Jest's global setup has just built dist/ (npm run build).
    expect(await readFile(join(REPO_ROOT, 'dist', 'bench', 'pillow_thumbnail.py'), 'utf8')).toBe(
      await readFile(PILLOW_SCRIPT, 'utf8'),
    );
    const bundle = await readFile(join(REPO_ROOT, 'dist', 'bench', 'main.js'), 'utf8');
    expect(bundle).toContain('(__dirname, "pillow_thumbnail.py")');
  });
});

withPillow('the Pillow comparison, run', () => {
  let directory: string;
  let photo: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'thumbnailer-pillow-'));
    photo = join(directory, 'photo.jpg');
    // EXIF orientation 6: the script must turn it upright, as the engine does.
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#884422' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(photo);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('times each file: one CPU figure per run, after a warm-up', () => {
    const times = pillowTimes(python ?? '', [photo], 3);
    expect(Object.keys(times)).toEqual([photo]);
    expect(times[photo]).toHaveLength(3);
    expect(times[photo]?.every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
  });

  it('thumbnails every file in a burst, across processes', async () => {
    const burst = await pillowThroughput(python ?? '', [photo, photo], 2, 2);
    expect(burst.images).toBe(4);
    expect(burst.imagesPerSecond).toBeGreaterThan(0);
  });

  it('refuses bad arguments with its usage, and a file that is not an image', async () => {
    const usage = await run(python ?? '', [PILLOW_SCRIPT, 'time', '1', photo], directory, process.env);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('usage: ');
    const notAnImage = await run(
      python ?? '',
      [PILLOW_SCRIPT, 'times', '1', PILLOW_SCRIPT],
      directory,
      process.env,
    );
    expect(notAnImage.code).not.toBe(0);
    expect(notAnImage.stderr).toContain('cannot identify image file');
  });
});
