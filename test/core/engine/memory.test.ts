import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { memoryCases } from '../../support/metadataBombs';

const MEBIBYTE = 1024 * 1024;
/** The function runs in 512 MB; the engine, with Node and sharp, must stay well inside it. */
const PEAK_BUDGET = 320 * MEBIBYTE;
/** What the process may keep once it is done: the local stack once kept 470 MB after one bad file. */
const AFTER_BUDGET = 160 * MEBIBYTE;

interface ProbeLine {
  readonly file?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly peakBytes: number;
  readonly rssAfterBytes?: number;
}

/**
 * The engine in a process of its own (the bundled probe, with the container image's malloc settings)
 * over every memory case, one after another: its peak resident memory, the kernel's own VmHWM, must
 * stay inside the budget, and it must give the memory back.
 */
describe('engine memory on hostile metadata, in a child process', () => {
  let workDir: string;
  let lines: ProbeLine[];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-memory-'));
    const probe = join(workDir, 'probe.js');
    await build({
      entryPoints: [join(__dirname, '..', '..', 'support', 'memoryProbe.ts')],
      bundle: true,
      platform: 'node',
      external: ['sharp'],
      outfile: probe,
      logLevel: 'warning',
    });
    const files = await Promise.all(
      memoryCases().map(async ([name, body]) => {
        await writeFile(join(workDir, name), await body());
        return join(workDir, name);
      }),
    );
    const env = {
      ...process.env,
      NODE_PATH: join(__dirname, '..', '..', '..', 'node_modules'),
      MALLOC_ARENA_MAX: '2',
      MALLOC_TRIM_THRESHOLD_: '131072',
    };
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', probe, ...files], {
      env,
      maxBuffer: 1 << 24,
    });
    lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ProbeLine);
  }, 180_000);
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it('ends every file as expected', () => {
    const outcomes = lines
      .filter((line) => line.file !== undefined)
      .map(({ file, status, reason }) => ({ file, status, ...(reason ? { reason } : {}) }));
    expect(outcomes).toEqual(memoryCases().map(([file, , expected]) => ({ file, ...expected })));
  });

  it(`peaks under ${PEAK_BUDGET / MEBIBYTE} MiB and keeps under ${AFTER_BUDGET / MEBIBYTE} MiB afterwards`, () => {
    const summary = lines.at(-1) as ProbeLine;
    const worst = lines
      .filter((line) => line.file !== undefined)
      .map(({ file, peakBytes }) => `${file}: ${Math.round(peakBytes / MEBIBYTE)} MiB`);
    expect({ peakBytes: summary.peakBytes, worst }).toEqual({ peakBytes: expect.any(Number), worst });
    expect(summary.peakBytes).toBeLessThan(PEAK_BUDGET);
    expect(summary.rssAfterBytes).toBeLessThan(AFTER_BUDGET);
  });
});
