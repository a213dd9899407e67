import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BurstResult } from './burstWorker';
import {
  djpegCpuMs,
  findPillowPython,
  hasCommand,
  pillowThroughput,
  pillowTimes,
  vipsthumbnailCpuMs,
} from './comparisons';
import type { CorpusClass } from './corpus';
import { sampleEngine } from './measureEngine';
import { median, round } from './statistics';

export interface ComparisonRow {
  readonly class: string;
  readonly engineCpuMs: number;
  readonly pillowCpuMs: number;
  readonly vipsthumbnailCpuMs: number;
  readonly djpegScale8CpuMs: number;
}

export interface Comparison {
  readonly tools: {
    readonly pillowPython: string | null;
    readonly vipsthumbnail: boolean;
    readonly djpeg: boolean;
  };
  readonly rounds: number;
  readonly perClass: readonly ComparisonRow[];
  readonly engineOverDjpegFloor12MpJpeg: number;
  readonly engineOverPillowCpuMixed12Mp: number;
  readonly engineOverPillowThroughput: number;
  /** Medians over the rounds of the throughput runs the ratio above compares. */
  readonly engineImagesPerSecond: number;
  readonly pillowImagesPerSecond: number;
}

export interface CompareSetup {
  readonly corpusDir: string;
  readonly classes: readonly CorpusClass[];
  readonly rounds: number;
  readonly runs: number;
  readonly cores: number;
  /** The engine's throughput on the mixed 12 MP files, in a fresh process. */
  readonly engineBurst: (files: readonly string[]) => BurstResult;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

interface Tools {
  readonly python: string | undefined;
  readonly vips: boolean;
  readonly djpeg: boolean;
  readonly tiny: string;
  readonly outDir: string;
}

/** One class: the engine and each tool, alternating, `rounds` times. */
async function compareClass(entry: CorpusClass, setup: CompareSetup, tools: Tools): Promise<ComparisonRow> {
  const path = join(setup.corpusDir, entry.file);
  const input = await readFile(path);
  const missing = () => Number.NaN;
  const measure = {
    engine: async () => median((await sampleEngine(input, setup.runs)).cpu),
    pillow: tools.python
      ? () => median(pillowTimes(tools.python ?? '', [path], setup.runs)[path] ?? [])
      : missing,
    vips: tools.vips ? () => vipsthumbnailCpuMs(path, tools.tiny, setup.runs, tools.outDir) : missing,
    djpeg:
      tools.djpeg && entry.file.endsWith('.jpg') ? () => djpegCpuMs(path, tools.tiny, setup.runs) : missing,
  };
  const samples = {
    engine: [] as number[],
    pillow: [] as number[],
    vips: [] as number[],
    djpeg: [] as number[],
  };
  for (let index = 0; index < setup.rounds; index += 1) {
    for (const tool of ['engine', 'pillow', 'vips', 'djpeg'] as const) {
      samples[tool].push(await measure[tool]());
    }
  }
  return {
    class: entry.name,
    engineCpuMs: round(median(samples.engine)),
    pillowCpuMs: round(median(samples.pillow)),
    vipsthumbnailCpuMs: round(median(samples.vips)),
    djpegScale8CpuMs: round(median(samples.djpeg)),
  };
}

/** Wall-clock throughput on the mixed 12 MP files, engine and Pillow alternating. */
async function compareThroughput(setup: CompareSetup, python: string | undefined) {
  const files = setup.classes
    .filter((entry) => entry.twelveMegapixel)
    .map((entry) => join(setup.corpusDir, entry.file));
  const ratios: number[] = [];
  const engineRates: number[] = [];
  const pillowRates: number[] = [];
  for (let index = 0; python !== undefined && index < setup.rounds; index += 1) {
    const engine = setup.engineBurst(files);
    const pillow = await pillowThroughput(python, files, 4, setup.cores);
    ratios.push(engine.imagesPerSecond / pillow.imagesPerSecond);
    engineRates.push(engine.imagesPerSecond);
    pillowRates.push(pillow.imagesPerSecond);
  }
  return {
    ratio: round(median(ratios), 2),
    engineImagesPerSecond: round(median(engineRates)),
    pillowImagesPerSecond: round(median(pillowRates)),
  };
}

/**
 * Every tool on every class, in rounds that alternate between them, so that a slow spell on a shared
 * machine slows all of them alike; each figure is the median of its round medians.
 */
export async function compareTools(setup: CompareSetup): Promise<Comparison> {
  const tiny = join(setup.corpusDir, 'tiny.jpg');
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .jpeg()
    .toFile(tiny);
  const tools: Tools = {
    python: findPillowPython(),
    vips: hasCommand('vipsthumbnail'),
    djpeg: hasCommand('djpeg'),
    tiny,
    outDir: await mkdtemp(join(tmpdir(), 'bench-vips-')),
  };
  const perClass: ComparisonRow[] = [];
  for (const entry of setup.classes) {
    perClass.push(await compareClass(entry, setup, tools));
  }
  const mixedNames = new Set(
    setup.classes.filter((entry) => entry.twelveMegapixel).map((entry) => entry.name),
  );
  const mixed = perClass.filter((row) => mixedNames.has(row.class));
  const throughput = await compareThroughput(setup, tools.python);
  const baseline = perClass.find((row) => row.class === 'JPEG 12 MP');
  return {
    tools: { pillowPython: tools.python ?? null, vipsthumbnail: tools.vips, djpeg: tools.djpeg },
    rounds: setup.rounds,
    perClass,
    engineOverDjpegFloor12MpJpeg: baseline
      ? round(baseline.engineCpuMs / baseline.djpegScale8CpuMs, 2)
      : Number.NaN,
    engineOverPillowCpuMixed12Mp: round(
      sum(mixed.map((row) => row.engineCpuMs)) / sum(mixed.map((row) => row.pillowCpuMs)),
      2,
    ),
    engineOverPillowThroughput: throughput.ratio,
    engineImagesPerSecond: throughput.engineImagesPerSecond,
    pillowImagesPerSecond: throughput.pillowImagesPerSecond,
  };
}
