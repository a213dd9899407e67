import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRenditions } from '../../../src/core/engine/makeRenditions';
import { findPillowPython, hasCommand } from '../../../src/tools/bench/comparisons';
import type { HeicJob, HeicRun } from '../../../src/tools/bench/heicWorker';
import {
  FOUR_OUTPUTS,
  FOUR_RENDITIONS,
  type HeicFigures,
  independentPipelines,
  measureRenditions,
} from '../../../src/tools/bench/renditionsScenario';
import { REPO_ROOT } from '../../support/dockerfile';
import { heifEnc, orientationPicture } from '../../support/heicFixtures';
import { photoJpeg } from '../../support/images';

// Jest's global setup has just built dist/ (npm run build): the HEIC jobs run in its bench, as the bench does.
const BENCH = join(REPO_ROOT, 'dist', 'bench', 'main.js');
const heicInChild = (job: HeicJob): HeicRun =>
  JSON.parse(
    execFileSync(process.execPath, [BENCH, '--heic-worker', JSON.stringify(job)]).toString(),
  ) as HeicRun;

/** Every HEIC figure measured, in one fresh process each. */
function expectHeicMeasured(measured: HeicFigures | null) {
  if (measured === null) throw new Error('the HEIC was not measured');
  expect(measured.processes).toBe(1);
  for (const cpu of [
    measured.decodeCpuMs,
    measured.decodeAgainCpuMs,
    measured.fourCpuMs,
    measured.moduleCpuMs,
  ]) {
    expect(cpu).toBeGreaterThan(0);
  }
  // Peak RSS counts from each process's start: Node and the bundle, then what the work added (on a
  // small HEIC, maybe nothing above the start-up's own peak).
  expect(measured.baseRssMb).toBeGreaterThan(0);
  for (const peak of [measured.decodePeakRssMb, measured.fourPeakRssMb]) {
    expect(peak).toBeGreaterThanOrEqual(measured.baseRssMb);
  }
}

/** The plumbing of `npm run bench -- --only renditions`, on a small corpus: what it measures, never how fast. */
describe('the renditions scenario', () => {
  let directory: string;
  let jpeg: string;
  let heic: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'thumbnailer-bench-renditions-'));
    jpeg = join(directory, 'photo.jpg');
    heic = join(directory, 'photo.heic');
    await writeFile(jpeg, await photoJpeg(1600, 1200));
    const colours = { left: [200, 40, 40], right: [40, 40, 200], top: [40, 200, 40] } as const;
    await writeFile(heic, await heifEnc([await orientationPicture(640, 480, colours)]));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("makes the peers' pipelines the very outputs the engine makes", async () => {
    const input = await photoJpeg(1600, 1200);
    const engine = await makeRenditions(input, FOUR_RENDITIONS);
    const sizes = engine.outputs.map((output) => `${output.width}x${output.height} ${output.format}`);
    const peers = await independentPipelines(input);
    expect(peers.map((output) => `${output.width}x${output.height} ${output.format}`)).toEqual(sizes);
    expect(sizes).toEqual(['256x192 jpeg', '256x192 webp', '640x480 webp', '1280x960 jpeg']);
    expect(FOUR_OUTPUTS).toHaveLength(4);
  });

  it('measures every figure it reports, the HEIC ones in fresh processes', async () => {
    const python = findPillowPython();
    const djpeg = hasCommand('djpeg');
    const figures = await measureRenditions({
      jpeg,
      heic,
      rounds: 1,
      runs: 1,
      python,
      djpegTiny: djpeg ? jpeg : undefined,
      heicProcesses: 1,
      heicInChild,
    });
    const { cpuMs } = figures;
    for (const value of [cpuMs.one, cpuMs.four, cpuMs.independent, cpuMs.placeholders]) {
      expect(value).toBeGreaterThan(0);
    }
    expect([figures.fourOverOne, figures.fourOverIndependent].every(Number.isFinite)).toBe(true);
    // A tool that is missing is NaN, never a made-up figure.
    expect(Number.isFinite(cpuMs.pillowFour)).toBe(python !== undefined);
    expect(Number.isFinite(figures.fourOverPillow)).toBe(python !== undefined);
    // djpeg on the same file twice: the difference is noise around zero, but it is a number.
    expect(Number.isNaN(cpuMs.djpegHalfScale)).toBe(!djpeg);
    expect(figures.input).toMatchObject({ size: '1600x1200' });
    expectHeicMeasured(figures.heic);
  });

  it('says so when there is no HEIC to measure', async () => {
    const figures = await measureRenditions({
      jpeg,
      heic: undefined,
      rounds: 1,
      runs: 1,
      python: undefined,
      djpegTiny: undefined,
      heicProcesses: 1,
      heicInChild: () => {
        throw new Error('no HEIC job may run without a HEIC');
      },
    });
    expect(figures.heic).toBeNull();
    expect(figures.cpuMs.pillowFour).toBeNaN();
  });
});
