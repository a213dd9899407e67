import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeForRenditions, makeRenditions } from '../../core/engine/makeRenditions';
import { makePlaceholders } from '../../core/engine/placeholders';
import { renditionSources } from '../../core/engine/renditionSources';
import type { OutputFormat } from '../../core/engine/thumbnailOptions';
import { checkRenditions, DEFAULT_QUALITY, type Rendition } from '../../core/renditions';
import { djpegCpuMs, pillowRenditionTimes } from './comparisons';
import { HEIC_12MP } from './corpus';
import type { HeicJob, HeicRun } from './heicWorker';
import { cpuMs, median, round } from './statistics';

/**
 * The issue's four outputs: a 256 px list image in JPEG and WebP, a 640 px WebP card and a 1280 px JPEG
 * detail view, each fitting `inside` a square of its side (a `srcset` serves the whole picture at each
 * width; a crop would make the peers' pipelines and Pillow do other work than the engine).
 */
export const FOUR_OUTPUTS: readonly { readonly side: number; readonly format: OutputFormat }[] = [
  { side: 256, format: 'jpeg' },
  { side: 256, format: 'webp' },
  { side: 640, format: 'webp' },
  { side: 1280, format: 'jpeg' },
];

function renditionsOf(value: unknown): readonly Rendition[] {
  const parsed = checkRenditions(value);
  if (!parsed.ok) {
    throw new Error(`the bench's renditions are invalid: ${parsed.problems.join('; ')}`);
  }
  return parsed.renditions;
}

/** The four as a configuration would write them: three renditions, the list image in two formats. */
export const FOUR_RENDITIONS = renditionsOf([
  { name: 'list', width: 256, height: 256, formats: ['jpeg', 'webp'] },
  { name: 'card', width: 640, height: 640, formats: ['webp'] },
  { name: 'detail', width: 1280, height: 1280, formats: ['jpeg'] },
]);
/** One rendition: what an unconfigured deployment makes (the baseline "four at most 1.4x one" is of). */
export const ONE_RENDITION = renditionsOf([{ name: 'list', width: 256, height: 256, formats: ['jpeg'] }]);

/** The targets, reported beside the figures (never asserted). */
export const RENDITIONS_TARGETS = {
  fourOverOne: 1.4,
  fourOverIndependent: 0.5,
  heicDecodeCpuMs: 1500,
  heicPeakRssMb: 300,
  placeholdersCpuMs: 2,
} as const;

/**
 * What the upload-triggered peers do with a list of sizes (Firebase's resize-images, aws-lambda-image's
 * `resizes[]`): one pipeline per size, each decoding the upload again, here as well as sharp does it
 * (upright, shrink-on-load at each size's own factor, the engine's default qualities).
 */
export async function independentPipelines(input: Buffer) {
  const made: { width: number; height: number; format: string }[] = [];
  for (const { side, format } of FOUR_OUTPUTS) {
    const { info } = await sharp(input)
      .rotate()
      .resize(side, side, { fit: 'inside', withoutEnlargement: true })
      .toFormat(format, { quality: DEFAULT_QUALITY[format] })
      .toBuffer({ resolveWithObject: true });
    made.push({ width: info.width, height: info.height, format: info.format });
  }
  return made;
}

const WARM_UP_RUNS = 2;

/** CPU milliseconds (all threads) of each of `runs` calls of `work`, after a warm-up. */
async function cpuSamples(work: () => Promise<unknown>, runs: number): Promise<number[]> {
  for (let run = 0; run < WARM_UP_RUNS; run += 1) {
    await work();
  }
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = cpuMs();
    await work();
    samples.push(cpuMs() - started);
  }
  return samples;
}

/** The placeholders' own cost: from the pixels the engine gives them when it makes the four. */
async function placeholderWork(input: Buffer): Promise<() => Promise<unknown>> {
  const { decoded } = await decodeForRenditions(input, FOUR_RENDITIONS);
  const sources = await renditionSources(decoded, FOUR_RENDITIONS);
  return () => makePlaceholders(sources.placeholder);
}

export interface RenditionsSetup {
  readonly jpeg: string;
  readonly heic: string | undefined;
  readonly rounds: number;
  readonly runs: number;
  readonly python: string | undefined;
  /** For djpeg's 1/2-scale decode (the least a 1280 px rendition of this photo needs); else NaN. */
  readonly djpegTiny: string | undefined;
  /** Fresh processes per HEIC figure. */
  readonly heicProcesses: number;
  /** Runs a HEIC job in a fresh process. */
  readonly heicInChild: (job: HeicJob) => HeicRun;
}

export interface HeicFigures {
  readonly file: string;
  readonly bytes: number;
  readonly size: string;
  readonly processes: number;
  readonly moduleCpuMs: number;
  readonly decodeCpuMs: number;
  /** The decode again in the same process (the compiler's tier-up paid). */
  readonly decodeAgainCpuMs: number;
  readonly decodePeakRssMb: number;
  readonly fourCpuMs: number;
  readonly fourPeakRssMb: number;
  readonly baseRssMb: number;
}

export interface RenditionsFigures {
  readonly input: { readonly file: string; readonly bytes: number; readonly size: string };
  readonly outputs: typeof FOUR_OUTPUTS;
  readonly rounds: number;
  readonly runs: number;
  /** Medians over the rounds of each round's median, CPU ms per image. */
  readonly cpuMs: {
    readonly one: number;
    readonly four: number;
    readonly independent: number;
    readonly pillowFour: number;
    readonly djpegHalfScale: number;
    readonly placeholders: number;
  };
  /** Medians of the ratios within each round (peers measured side by side). */
  readonly fourOverOne: number;
  readonly fourOverIndependent: number;
  readonly fourOverPillow: number;
  readonly heic: HeicFigures | null;
  readonly targets: typeof RENDITIONS_TARGETS;
}

const medianOf = (samples: readonly number[], digits = 1) => round(median(samples), digits);

/** The HEIC figures: each the median over fresh processes. */
function measureHeic(setup: RenditionsSetup, file: string, bytes: number): HeicFigures {
  const runs = (job: HeicJob) => Array.from({ length: setup.heicProcesses }, () => setup.heicInChild(job));
  const decodes = runs({ file, work: 'decode' });
  const fours = runs({ file, work: 'renditions', renditions: FOUR_RENDITIONS });
  return {
    file,
    bytes,
    size: `${HEIC_12MP.width}x${HEIC_12MP.height}`,
    processes: setup.heicProcesses,
    moduleCpuMs: medianOf(decodes.map((run) => run.moduleCpuMs)),
    decodeCpuMs: medianOf(decodes.map((run) => run.cpuMs)),
    decodeAgainCpuMs: medianOf(decodes.map((run) => run.againCpuMs)),
    decodePeakRssMb: medianOf(decodes.map((run) => run.peakRssMb)),
    fourCpuMs: medianOf(fours.map((run) => run.cpuMs)),
    fourPeakRssMb: medianOf(fours.map((run) => run.peakRssMb)),
    baseRssMb: medianOf(decodes.map((run) => run.baseRssMb)),
  };
}

type Work = Record<
  'one' | 'four' | 'independent' | 'pillowFour' | 'djpegHalfScale' | 'placeholders',
  () => Promise<number[]>
>;

/** Each work's round medians, and the ratios of the four to its peers within each round. */
async function interleaved(work: Work, rounds: number) {
  const names = Object.keys(work) as (keyof Work)[];
  const perRound = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    keyof Work,
    number[]
  >;
  const ratios = {
    fourOverOne: [] as number[],
    fourOverIndependent: [] as number[],
    fourOverPillow: [] as number[],
  };
  for (let index = 0; index < rounds; index += 1) {
    const round = {} as Record<keyof Work, number>;
    for (const name of names) {
      round[name] = median(await work[name]());
      perRound[name].push(round[name]);
    }
    ratios.fourOverOne.push(round.four / round.one);
    ratios.fourOverIndependent.push(round.four / round.independent);
    ratios.fourOverPillow.push(round.four / round.pillowFour);
  }
  return { perRound, ratios };
}

/**
 * The renditions scenario: on the 12 MP JPEG, the engine making the four, making one, the four as
 * independent sharp pipelines, and Pillow making the four, alternating in rounds so that a slow spell on a
 * shared machine slows all alike; the placeholders' cost; then the HEIC in fresh processes.
 */
export async function measureRenditions(setup: RenditionsSetup): Promise<RenditionsFigures> {
  const input = await readFile(setup.jpeg);
  const { python, djpegTiny, runs } = setup;
  const placeholders = await placeholderWork(input);
  const { perRound, ratios } = await interleaved(
    {
      one: () => cpuSamples(() => makeRenditions(input, ONE_RENDITION), runs),
      four: () => cpuSamples(() => makeRenditions(input, FOUR_RENDITIONS), runs),
      independent: () => cpuSamples(() => independentPipelines(input), runs),
      pillowFour: () =>
        Promise.resolve(
          python ? (pillowRenditionTimes(python, FOUR_OUTPUTS, [setup.jpeg], runs)[setup.jpeg] ?? []) : [],
        ),
      djpegHalfScale: () =>
        Promise.resolve(djpegTiny ? [djpegCpuMs(setup.jpeg, djpegTiny, runs, '1/2')] : []),
      placeholders: () => cpuSamples(placeholders, runs * 4),
    },
    setup.rounds,
  );
  const info = await sharp(input).metadata();
  return {
    input: { file: setup.jpeg, bytes: input.length, size: `${info.width}x${info.height}` },
    outputs: FOUR_OUTPUTS,
    rounds: setup.rounds,
    runs,
    cpuMs: {
      one: medianOf(perRound.one),
      four: medianOf(perRound.four),
      independent: medianOf(perRound.independent),
      pillowFour: medianOf(perRound.pillowFour),
      djpegHalfScale: medianOf(perRound.djpegHalfScale),
      placeholders: medianOf(perRound.placeholders, 2),
    },
    fourOverOne: medianOf(ratios.fourOverOne, 2),
    fourOverIndependent: medianOf(ratios.fourOverIndependent, 2),
    fourOverPillow: medianOf(ratios.fourOverPillow, 2),
    heic: setup.heic ? measureHeic(setup, setup.heic, (await readFile(setup.heic)).length) : null,
    targets: RENDITIONS_TARGETS,
  };
}
