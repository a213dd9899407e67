#!/usr/bin/env node
// Writes the figures of the last `npm run bench` (.bench/results.json, src/tools/bench/main.ts) into
// docs/performance.md's generated section, stamped with the machine and the date they were measured on.
// `npm run bench` runs it after the bench (npm's `postbench`). A `--quick` run's figures are too few to
// publish and are left out of the doc.
import * as sections from './lib/generatedSections.mjs';

const RESULTS = '.bench/results.json';
const DOC = 'docs/performance.md';
const SOURCE = 'npm run bench';

/** The project's targets for the headline figures, as they were set when the bench was first written. */
const TARGETS = {
  overDjpeg: '1.10x',
  overPillowCpu: '0.70x',
  overPillowThroughput: '2x',
  coldStart: '150 ms',
  peakRss: '200 MB',
};

// JSON has no NaN: a figure the bench could not measure (tool missing, not a JPEG) is null there.
const figure = (value, unit = '') => (typeof value === 'number' ? `${value}${unit}` : '-');

function engineTable({ engine, comparison }) {
  const compared = new Map((comparison?.perClass ?? []).map((row) => [row.class, row]));
  const columns = [
    ['Input', 'left'],
    ...['median ms', 'p95 ms', 'CPU ms', 'images/s/core'].map((heading) => [heading, 'right']),
    ...(comparison
      ? ['Pillow CPU ms', 'vipsthumbnail CPU ms', 'djpeg 1/8 CPU ms'].map((heading) => [heading, 'right'])
      : []),
  ];
  const rows = engine.map((timing) => {
    const row = compared.get(timing.name);
    return [
      `${timing.name} (${timing.inputSize}, ${(timing.inputBytes / 1e6).toFixed(1)} MB)`,
      ...[timing.wallMedianMs, timing.wallP95Ms, timing.cpuMedianMs, timing.imagesPerSecondPerCore].map(
        (value) => figure(value),
      ),
      ...(comparison
        ? [row?.pillowCpuMs, row?.vipsthumbnailCpuMs, row?.djpegScale8CpuMs].map((value) => figure(value))
        : []),
    ];
  });
  return sections.markdownTable(columns, rows);
}

function headlineTable({ comparison, mixed, burst, coldStart, machine }) {
  const cores = Math.min(2, machine.cores);
  const notCompared = 'not measured (`npm run bench -- --compare`)';
  const compared = (text) => (comparison ? text : notCompared);
  const rows = [
    [
      'Engine CPU / djpeg 1/8-scale decode, 12 MP baseline JPEG',
      compared(figure(comparison?.engineOverDjpegFloor12MpJpeg, 'x')),
      TARGETS.overDjpeg,
    ],
    [
      'Engine CPU / Pillow CPU, mixed 12 MP corpus',
      compared(figure(comparison?.engineOverPillowCpuMixed12Mp, 'x')),
      TARGETS.overPillowCpu,
    ],
    [
      `Engine / Pillow wall-clock throughput, ${cores} cores`,
      compared(
        `${figure(comparison?.engineOverPillowThroughput, 'x')} (${figure(comparison?.engineImagesPerSecond)} vs ${figure(comparison?.pillowImagesPerSecond)} images/s)`,
      ),
      TARGETS.overPillowThroughput,
    ],
    [
      'Cold start: bundle load and init / from process start',
      `${coldStart.requireMedianMs} ms / ${coldStart.readyMedianMs} ms`,
      TARGETS.coldStart,
    ],
    [
      'Peak RSS, burst through the corpus, one image at a time',
      `${burst.peakRssMb} MB (${mixed.peakRssMb} MB ${cores} at a time)`,
      TARGETS.peakRss,
    ],
  ];
  return sections.markdownTable(
    [
      ['Figure', 'left'],
      ['Measured', 'left'],
      ['Target', 'left'],
    ],
    rows,
  );
}

function lambdaTable({ lambda }) {
  const table = sections.markdownTable(
    [
      ['Memory', 'left'],
      ['12 MP photo', 'right'],
      ['24 MP photo', 'right'],
      ['Cost per million thumbnails', 'right'],
    ],
    lambda.options.map((option) => [
      `${option.memoryMb} MB`,
      `${option.typicalMs} ms`,
      `${option.largeMs} ms`,
      `$${option.costPerMillionUsd.toFixed(2)}`,
    ]),
  );
  const recommended = lambda.recommended
    ? `**Recommended: ${lambda.recommended.memoryMb} MB**, about $${lambda.recommended.costPerMillionUsd.toFixed(2)} per million thumbnails: the cheapest size with 2.5x headroom over the measured peak RSS that still thumbnails a 24 MP photo within a second.`
    : '**No size fits**: none has 2.5x headroom over the measured peak RSS and thumbnails a 24 MP photo within a second.';
  return `Lambda memory, from these CPU times plus an assumed ${lambda.assumedS3Ms} ms of S3 transfer per image, at arm64 prices:\n\n${table}\n\n${recommended}`;
}

// Runs recorded before the backfill was measured have no such figures.
function backfillTable({ backfill }) {
  if (!backfill) {
    return 'Local backfill: not measured in this run.';
  }
  const table = sections.markdownTable(
    [
      ['Local backfill (`npm run backfill -- --endpoint`)', 'left'],
      ['Objects per second', 'right'],
    ],
    [
      [`${backfill.objects} 1 MP JPEGs, none thumbnailed yet (made)`, figure(backfill.madePerSecond)],
      ['The same again, every thumbnail current (skipped)', figure(backfill.skippedPerSecond)],
    ],
  );
  return `Backfill on the local S3 server, ${backfill.concurrency} at a time, through the Batch Operations entry point in-process:\n\n${table}`;
}

function stamp({ measuredAt, machine, options, comparison }) {
  // Runs recorded before the options were say nothing of them; a comparison says --compare was given.
  const how =
    (options?.compare ?? comparison !== undefined)
      ? `\`npm run bench -- --compare\`, ${comparison.rounds} interleaved rounds`
      : '`npm run bench`, without `--compare`';
  const load =
    typeof machine.loadAverage === 'number' ? `; load average ${machine.loadAverage} when the run began` : '';
  return `Measured ${measuredAt.slice(0, 10)} on ${sections.describeMachine(machine)}, sharp ${machine.sharp} with libvips ${machine.libvips} (${machine.libvipsThreadsPerImage} thread per image)${load} (${how}).`;
}

async function main() {
  const results = await sections.readRecorded(RESULTS);
  if (!results) {
    console.error(`no figures in ${RESULTS}: run \`npm run bench\` first`);
    process.exit(1);
  }
  if (results.options?.quick) {
    process.stdout.write(`${DOC} left as it is: --quick figures are not published\n`);
    return;
  }
  const parts = [
    stamp(results),
    engineTable(results),
    headlineTable(results),
    lambdaTable(results),
    backfillTable(results),
  ];
  const { changed } = await sections.writeSection(DOC, SOURCE, parts.join('\n\n'));
  const outcome = changed ? 'written' : 'were already there';
  process.stdout.write(`${DOC}: the figures of ${results.measuredAt} ${outcome}\n`);
}

sections.runScript(main);
