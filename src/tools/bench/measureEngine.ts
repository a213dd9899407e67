import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeThumbnail } from '../../core/engine/makeThumbnail';
import { DEFAULT_THUMBNAIL_OPTIONS } from '../../core/engine/thumbnailOptions';
import type { CorpusClass } from './corpus';
import { cpuMs, median, percentile, round } from './statistics';

export interface ClassTiming {
  readonly name: string;
  readonly file: string;
  readonly inputBytes: number;
  readonly inputSize: string;
  readonly outputSize: string;
  readonly runs: number;
  readonly wallMedianMs: number;
  readonly wallP95Ms: number;
  readonly cpuMedianMs: number;
  /** 1000 / CPU ms: what one core sustains when kept busy. */
  readonly imagesPerSecondPerCore: number;
}

const WARM_UP_RUNS = 3;

/** Wall-clock and CPU milliseconds of `runs` thumbnails of `input`, one at a time, after a warm-up. */
export async function sampleEngine(input: Buffer, runs: number) {
  let last = await makeThumbnail(input, DEFAULT_THUMBNAIL_OPTIONS);
  for (let run = 1; run < WARM_UP_RUNS; run += 1) {
    await makeThumbnail(input, DEFAULT_THUMBNAIL_OPTIONS);
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const [startCpu, startWall] = [cpuMs(), performance.now()];
    last = await makeThumbnail(input, DEFAULT_THUMBNAIL_OPTIONS);
    wall.push(performance.now() - startWall);
    cpu.push(cpuMs() - startCpu);
  }
  return { wall, cpu, last };
}

/** Times the engine on one corpus file. */
export async function timeClass(entry: CorpusClass, directory: string, runs: number): Promise<ClassTiming> {
  const input = await readFile(join(directory, entry.file));
  const { wall, cpu, last } = await sampleEngine(input, runs);
  const cpuMedianMs = median(cpu);
  return {
    name: entry.name,
    file: entry.file,
    inputBytes: input.length,
    inputSize: `${last.input.width}x${last.input.height}`,
    outputSize: `${last.width}x${last.height}`,
    runs,
    wallMedianMs: round(median(wall)),
    wallP95Ms: round(percentile(wall, 0.95)),
    cpuMedianMs: round(cpuMedianMs),
    imagesPerSecondPerCore: round(1000 / cpuMedianMs),
  };
}
