/**
 * `npm run bench [-- --compare] [--quick] [--only thumbnail|renditions] [--json <path>]`: measures the
 * engine on a deterministic corpus and prints the figures (never judging them: nothing here fails on a
 * time); `npm run bench` then writes them into docs/performance.md (scripts/performanceReport.mjs). With
 * --compare, runs the AWS tutorial's Pillow approach, vipsthumbnail and djpeg's 1/8-scale decode on the
 * same files. Two scenarios: `thumbnail` (one thumbnail per upload) and `renditions` (four per upload,
 * against one, against a pipeline per size and against Pillow; HEIC; placeholders); --only runs one.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, arch as machineArch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { exitWith, messageOf, UsageError } from '../../common/errors';
import { readFlagValues } from '../../common/flags';
import { type BurstResult, runBurst } from './burstWorker';
import { measureColdStart } from './coldStart';
import { type Comparison, compareTools } from './compare';
import { CORPUS, ensureCorpus, ensureHeic } from './corpus';
import { findPillowPython, hasCommand } from './comparisons';
import { type HeicJob, type HeicRun, runHeicJob } from './heicWorker';
import { measureRenditions, type RenditionsFigures } from './renditionsScenario';
import {
  ASSUMED_MANIFEST_MS,
  ASSUMED_S3_MS,
  memoryOptions,
  RENDITIONS_LARGE_WITHIN_MS,
  recommendMemory,
} from './lambdaCost';
import { MALLOC_ENV } from './lambdaEnvironment';
import { type ClassTiming, timeClass } from './measureEngine';
import { measureBackfill } from './backfillThroughput';

const print = (line = '') => process.stdout.write(`${line}\n`);
const CORPUS_DIR = resolve('.bench', 'corpus');
const BUNDLE = resolve('dist', 'lambda', 'index.js');
const RESULTS_JSON = resolve('.bench', 'results.json');
const paths = (entries: readonly { file: string }[]) => entries.map((entry) => join(CORPUS_DIR, entry.file));

/** Runs a burst in a fresh process, so that its peak RSS belongs to the engine alone. */
function burstInChild(files: readonly string[], rounds: number, concurrency: number): BurstResult {
  const job = JSON.stringify({ files, rounds, concurrency });
  // With the allocator settings the Lambda image uses, so that the peak RSS is the one it would see.
  const output = execFileSync(process.execPath, [__filename, '--burst-worker', job], {
    env: { ...process.env, ...MALLOC_ENV },
  });
  return JSON.parse(output.toString()) as BurstResult;
}

/** A HEIC job in a fresh process: its peak RSS is that job's alone, from a cold start. */
function heicInChild(job: HeicJob): HeicRun {
  const output = execFileSync(process.execPath, [__filename, '--heic-worker', JSON.stringify(job)], {
    env: { ...process.env, ...MALLOC_ENV },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.toString()) as HeicRun;
}

function table(rows: ReadonlyArray<Record<string, string | number>>): void {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ');
  print(line(columns));
  print(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) {
    print(line(columns.map((column) => String(row[column]))));
  }
}

function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    platform: `${platform()}-${machineArch()}`,
    node: process.version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    libvipsThreadsPerImage: sharp.concurrency(),
    // Other work on a shared machine slows every figure; the docs' stamp says how busy it was.
    loadAverage: Number(loadavg()[0]?.toFixed(1)),
  };
}

async function engineSection(runs: number): Promise<ClassTiming[]> {
  const timings: ClassTiming[] = [];
  for (const entry of CORPUS) {
    timings.push(await timeClass(entry, CORPUS_DIR, entry.name.includes('1 MP') ? runs * 3 : runs));
  }
  print('\nEngine, one image at a time (median and p95 wall-clock, median CPU):');
  table(
    timings.map((timing) => ({
      class: timing.name,
      input: `${timing.inputSize}, ${(timing.inputBytes / 1e6).toFixed(1)} MB`,
      output: timing.outputSize,
      'median ms': timing.wallMedianMs,
      'p95 ms': timing.wallP95Ms,
      'CPU ms': timing.cpuMedianMs,
      'images/s/core': timing.imagesPerSecondPerCore,
    })),
  );
  return timings;
}

function processSection(quick: boolean, cores: number) {
  const mixed = burstInChild(paths(CORPUS.filter((entry) => entry.twelveMegapixel)), 4, cores);
  // One image at a time, as one Lambda execution environment receives them.
  const burst = burstInChild(paths(CORPUS), quick ? 2 : 6, 1);
  const coldStart = measureColdStart(BUNDLE, quick ? 5 : 15);
  print(
    `\nMixed 12 MP corpus on ${cores} cores: ${mixed.imagesPerSecond} images/s (${mixed.images} images in ${mixed.seconds} s, peak RSS ${mixed.peakRssMb} MB)`,
  );
  print(
    `Burst of ${burst.images} images (the corpus, one at a time as one Lambda environment takes them): peak RSS ${burst.peakRssMb} MB`,
  );
  print(
    `Cold start of the Lambda bundle: ${coldStart.requireMedianMs} ms to load and init, ${coldStart.readyMedianMs} ms from process start (median of ${coldStart.runs})`,
  );
  return { mixed, burst, coldStart };
}

function lambdaSection(timings: readonly ClassTiming[], peakRssMb: number) {
  const cpuOf = (name: string) => timings.find((timing) => timing.name === name)?.cpuMedianMs ?? Number.NaN;
  const options = memoryOptions(cpuOf('JPEG 12 MP'), cpuOf('JPEG 24 MP'));
  const recommended = recommendMemory(options, peakRssMb);
  print(
    `\nLambda (arm64) estimates: measured CPU time, plus an assumed ${ASSUMED_S3_MS} ms of S3 transfer per image:`,
  );
  table(
    options.map((option) => ({
      'memory MB': option.memoryMb,
      '12 MP ms': option.typicalMs,
      '24 MP ms': option.largeMs,
      'USD per million': option.costPerMillionUsd,
    })),
  );
  print(
    recommended
      ? `Recommended: ${recommended.memoryMb} MB, about $${recommended.costPerMillionUsd} per million thumbnails`
      : 'No candidate size fits.',
  );
  return { assumedS3Ms: ASSUMED_S3_MS, options, recommended };
}

async function comparisonSection(quick: boolean, cores: number): Promise<Comparison> {
  const comparison = await compareTools({
    corpusDir: CORPUS_DIR,
    classes: CORPUS,
    rounds: quick ? 1 : 3,
    runs: quick ? 3 : 7,
    cores,
    engineBurst: (files) => burstInChild(files, 4, cores),
  });
  print(
    `\nComparison, CPU ms per image on the same files (median of ${comparison.rounds} interleaved rounds; NaN: tool missing):`,
  );
  table(comparison.perClass.map((row) => ({ ...row })));
  print(`engine / djpeg 1/8-scale decode, 12 MP JPEG: ${comparison.engineOverDjpegFloor12MpJpeg}x`);
  print(`engine / Pillow, CPU over the mixed 12 MP corpus: ${comparison.engineOverPillowCpuMixed12Mp}x`);
  print(
    `engine / Pillow, wall-clock throughput on ${cores} cores: ${comparison.engineOverPillowThroughput}x (${comparison.engineImagesPerSecond} vs ${comparison.pillowImagesPerSecond} images/s)`,
  );
  return comparison;
}

async function backfillSection(quick: boolean, cores: number) {
  const backfill = await measureBackfill(join(CORPUS_DIR, 'jpeg-1mp.jpg'), quick ? 60 : 400, cores);
  print(
    `\nLocal backfill (npm run backfill -- --endpoint), ${backfill.objects} 1 MP JPEGs on the local S3 server, ${cores} at a time: ${backfill.madePerSecond} made/s, then ${backfill.skippedPerSecond} skipped/s`,
  );
  return backfill;
}

async function renditionsSection(quick: boolean) {
  const jpeg = join(CORPUS_DIR, 'jpeg-12mp.jpg');
  const tiny = join(CORPUS_DIR, 'tiny.jpg');
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .jpeg()
    .toFile(tiny);
  const heic = await ensureHeic(CORPUS_DIR, (line) => print(`  ${line}`));
  const figures = await measureRenditions({
    jpeg,
    heic,
    rounds: quick ? 1 : 5,
    runs: quick ? 3 : 7,
    python: findPillowPython(),
    djpegTiny: hasCommand('djpeg') ? tiny : undefined,
    heicProcesses: quick ? 1 : 5,
    heicInChild,
  });
  printRenditions(figures);
  return { ...figures, lambda: renditionsLambda(figures) };
}

function printRenditions(figures: RenditionsFigures): void {
  const { cpuMs, targets, heic } = figures;
  const outputs = figures.outputs.map((output) => `${output.side} ${output.format}`).join(', ');
  print(
    `\nRenditions (${outputs}) of the ${figures.input.size} JPEG, CPU ms per image (median of ${figures.rounds} interleaved rounds of ${figures.runs}; NaN: tool missing):`,
  );
  table([
    { what: 'engine, the four from one decode', 'CPU ms': cpuMs.four },
    { what: 'engine, one rendition (256 JPEG)', 'CPU ms': cpuMs.one },
    { what: 'four independent sharp pipelines (the peers)', 'CPU ms': cpuMs.independent },
    { what: 'Pillow, the four from one decode', 'CPU ms': cpuMs.pillowFour },
    { what: 'djpeg 1/2-scale decode alone (the floor)', 'CPU ms': cpuMs.djpegHalfScale },
    { what: 'placeholders (ThumbHash and dominant colour)', 'CPU ms': cpuMs.placeholders },
  ]);
  print(`four / one: ${figures.fourOverOne}x (target <= ${targets.fourOverOne}x)`);
  print(
    `four / independent pipelines: ${figures.fourOverIndependent}x (target <= ${targets.fourOverIndependent}x)`,
  );
  print(`four / Pillow's four: ${figures.fourOverPillow}x`);
  print(`placeholders: ${cpuMs.placeholders} ms (target < ${targets.placeholdersCpuMs} ms)`);
  if (!heic) {
    print('HEIC: not measured (no heif-enc to make the file: apt-get install libheif-examples)');
    return;
  }
  print(
    `HEIC ${heic.size} (${(heic.bytes / 1e6).toFixed(1)} MB), fresh processes (median of ${heic.processes}): decode ${heic.decodeCpuMs} ms CPU (again in the same process ${heic.decodeAgainCpuMs}; target <= ${targets.heicDecodeCpuMs}), peak RSS ${heic.decodePeakRssMb} MB (target <= ${targets.heicPeakRssMb}); the four: ${heic.fourCpuMs} ms CPU, peak RSS ${heic.fourPeakRssMb} MB; module load ${heic.moduleCpuMs} ms, Node and bundle ${heic.baseRssMb} MB`,
  );
}

/** The Lambda estimates for the four: a 12 MP JPEG typical, a 12 MP HEIC large, the HEIC's peak RSS. */
function renditionsLambda(figures: RenditionsFigures) {
  const s3Ms = ASSUMED_S3_MS + ASSUMED_MANIFEST_MS;
  const heicMs = figures.heic?.fourCpuMs ?? Number.NaN;
  const options = memoryOptions(figures.cpuMs.four, heicMs, s3Ms);
  const peakRssMb = figures.heic?.fourPeakRssMb ?? Number.NaN;
  const recommended = recommendMemory(options, peakRssMb, RENDITIONS_LARGE_WITHIN_MS);
  // For a product that can wait longer for an iPhone photo's renditions: memory headroom alone.
  const cheapest = recommendMemory(options, peakRssMb, Number.POSITIVE_INFINITY);
  print(
    `Lambda (arm64), the four per upload, plus an assumed ${s3Ms} ms of S3 transfer: ${
      recommended
        ? `recommended ${recommended.memoryMb} MB, about $${recommended.costPerMillionUsd} per million uploads`
        : 'no candidate size fits'
    }`,
  );
  return { assumedS3Ms: s3Ms, largeWithinMs: RENDITIONS_LARGE_WITHIN_MS, options, recommended, cheapest };
}

const SCENARIOS = ['thumbnail', 'renditions'] as const;
type Scenario = (typeof SCENARIOS)[number];

function scenariosOf(only: string | undefined): readonly Scenario[] {
  if (only === undefined) {
    return SCENARIOS;
  }
  const scenario = SCENARIOS.find((name) => name === only);
  if (!scenario) {
    throw new UsageError(`--only takes one of ${SCENARIOS.join(', ')}, not ${only}`);
  }
  return [scenario];
}

const USAGE = 'usage: npm run bench [-- --compare] [--quick] [--only thumbnail|renditions] [--json <path>]';
const OPTIONS = {
  compare: { type: 'boolean' },
  quick: { type: 'boolean' },
  only: { type: 'string' },
  json: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function bench(argv: readonly string[]): Promise<void> {
  const { values } = readFlagValues(
    argv,
    OPTIONS,
    (value) => `unexpected argument ${value}: the bench takes only flags`,
  );
  if (values.help) {
    print(USAGE);
    return;
  }
  const quick = values.quick ?? false;
  const scenarios = scenariosOf(values.only);
  if (values.compare && !scenarios.includes('thumbnail')) {
    throw new UsageError(
      '--compare is for the thumbnail scenario: the renditions scenario always measures its peers',
    );
  }
  const info = machine();
  const cores = Math.min(2, info.cores);
  print(
    `thumbnailer bench: ${info.cpu}, ${info.cores} cores, ${info.platform}, Node ${info.node}, sharp ${info.sharp} (libvips ${info.libvips}, ${info.libvipsThreadsPerImage} thread per image)`,
  );
  await ensureCorpus(CORPUS_DIR, (line) => print(`  ${line}`));
  const thumbnail = scenarios.includes('thumbnail')
    ? await thumbnailScenario(quick, cores, values.compare)
    : {};
  const renditions = scenarios.includes('renditions') ? await renditionsSection(quick) : undefined;
  await writeResults(
    {
      measuredAt: new Date().toISOString(),
      options: { compare: values.compare ?? false, quick, scenarios },
      machine: info,
      ...thumbnail,
      renditions,
    },
    values.json,
  );
}

/** One thumbnail per upload: the engine on the corpus, processes, Lambda, comparisons, backfill. */
async function thumbnailScenario(quick: boolean, cores: number, compare: boolean | undefined) {
  const engine = await engineSection(quick ? 5 : 15);
  const processes = processSection(quick, cores);
  const lambda = lambdaSection(engine, processes.burst.peakRssMb);
  const comparison = compare ? await comparisonSection(quick, cores) : undefined;
  const backfill = await backfillSection(quick, cores);
  return { engine, ...processes, lambda, comparison, backfill };
}

/**
 * Writes the figures to .bench/results.json, which scripts/performanceReport.mjs (run after the bench by
 * `npm run bench`) writes into docs/performance.md, and to `--json <path>` too when one is given.
 */
async function writeResults(results: object, jsonOption: string | undefined): Promise<void> {
  const targets = [...new Set([RESULTS_JSON, ...(jsonOption ? [resolve(jsonOption)] : [])])];
  print();
  for (const path of targets) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
    print(`Figures written to ${path}`);
  }
}

async function main(): Promise<void> {
  const heicIndex = process.argv.indexOf('--heic-worker');
  if (heicIndex !== -1) {
    print(JSON.stringify(await runHeicJob(JSON.parse(process.argv[heicIndex + 1] ?? '{}') as HeicJob)));
    return;
  }
  const workerIndex = process.argv.indexOf('--burst-worker');
  if (workerIndex !== -1) {
    const job = JSON.parse(process.argv[workerIndex + 1] ?? '{}') as {
      files: string[];
      rounds: number;
      concurrency: number;
    };
    print(JSON.stringify(await runBurst(job.files, job.rounds, job.concurrency)));
    return;
  }
  await bench(process.argv.slice(2));
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    exitWith('bench', error.message, 2, USAGE);
  }
  exitWith('bench', messageOf(error), 1);
});
