#!/usr/bin/env node
// Writes the figures of the last `npm run bench` (.bench/results.json, src/tools/bench/main.ts) into
// docs/performance.md's generated sections, one per scenario it ran (a `--only` run leaves the other's
// section as it was), and a short pointer into docs/renditions.md, each stamped with the machine and the
// date they were measured on. `npm run bench` runs it after the bench (npm's `postbench`). A `--quick`
// run's figures are too few to publish and are left out of the docs.
import * as sections from './lib/generatedSections.mjs';

const RESULTS = '.bench/results.json';
const DOC = 'docs/performance.md';
const SOURCE = 'npm run bench';
const RENDITIONS_SOURCE = 'npm run bench, renditions scenario';
const RENDITIONS_DOC = 'docs/renditions.md';

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

const FORMAT_NAMES = { jpeg: 'JPEG', webp: 'WebP', avif: 'AVIF' };

function renditionsTable({ renditions }) {
  const { cpuMs, targets, heic } = renditions;
  const ms = (value) => figure(value, ' ms');
  const heicRow = (label, measured, target) => [
    label,
    heic ? measured : 'not measured (no heif-enc)',
    target,
  ];
  const rows = [
    [
      'The four from one decode / one rendition',
      figure(renditions.fourOverOne, 'x'),
      `<= ${targets.fourOverOne}x`,
    ],
    [
      'The four from one decode / four independent sharp pipelines',
      figure(renditions.fourOverIndependent, 'x'),
      `<= ${targets.fourOverIndependent}x`,
    ],
    ["The four from one decode / Pillow's four", figure(renditions.fourOverPillow, 'x'), '-'],
    heicRow(
      'HEIC 12 MP: decode, CPU (fresh process / again in it)',
      `${ms(heic?.decodeCpuMs)} / ${ms(heic?.decodeAgainCpuMs)}`,
      `<= ${targets.heicDecodeCpuMs} ms`,
    ),
    heicRow(
      'HEIC 12 MP: decode, peak RSS (fresh process)',
      figure(heic?.decodePeakRssMb, ' MB'),
      `<= ${targets.heicPeakRssMb} MB`,
    ),
    heicRow(
      'HEIC 12 MP: the four, CPU / peak RSS (fresh process)',
      `${ms(heic?.fourCpuMs)} / ${figure(heic?.fourPeakRssMb, ' MB')}`,
      `<= ${targets.heicPeakRssMb} MB`,
    ),
    [
      'Placeholders (ThumbHash and dominant colour), CPU per image',
      ms(cpuMs.placeholders),
      `< ${targets.placeholdersCpuMs} ms`,
    ],
  ];
  const ratios = sections.markdownTable(
    [
      ['Figure', 'left'],
      ['Measured', 'left'],
      ['Target', 'left'],
    ],
    rows,
  );
  const cpu = sections.markdownTable(
    [
      [`${renditions.input.size} JPEG (${(renditions.input.bytes / 1e6).toFixed(1)} MB)`, 'left'],
      ['CPU ms', 'right'],
    ],
    [
      ['This engine: the four from one decode', figure(cpuMs.four)],
      ['This engine: one rendition (256 JPEG)', figure(cpuMs.one)],
      ['Four independent sharp pipelines, one decode per size (the peers)', figure(cpuMs.independent)],
      ['Pillow: the four from one decode at reduced scale (draft)', figure(cpuMs.pillowFour)],
      ['djpeg 1/2-scale decode alone (the floor for 1280 px of 4000)', figure(cpuMs.djpegHalfScale)],
    ],
  );
  const outputs = renditions.outputs
    .map((output) => `${output.side} ${FORMAT_NAMES[output.format]}`)
    .join(', ');
  const heicNote = heic
    ? `The HEIC is ${heic.size}, ${(heic.bytes / 1e6).toFixed(1)} MB (made by heif-enc), each figure the median of ${heic.processes} fresh processes; loading the libheif module took ${heic.moduleCpuMs} ms more, and Node with the bundle ${heic.baseRssMb} MB of the peak.`
    : '';
  return `The four renditions: ${outputs}, each \`inside\` a square of its side.\n\n${cpu}\n\n${ratios}\n\n${heicNote}`;
}

function renditionsLambdaTable({ renditions }) {
  const { lambda } = renditions;
  const table = sections.markdownTable(
    [
      ['Memory', 'left'],
      ['12 MP JPEG, the four', 'right'],
      ['12 MP HEIC, the four', 'right'],
      ['Cost per million uploads', 'right'],
    ],
    lambda.options.map((option) => [
      `${option.memoryMb} MB`,
      `${option.typicalMs} ms`,
      typeof option.largeMs === 'number' ? `${option.largeMs} ms` : '-',
      `$${option.costPerMillionUsd.toFixed(2)}`,
    ]),
  );
  const within = `${lambda.largeWithinMs / 1000} s`;
  const recommended = lambda.recommended
    ? `**Recommended for these renditions: ${lambda.recommended.memoryMb} MB**, about $${lambda.recommended.costPerMillionUsd.toFixed(2)} per million uploads (JPEG): the cheapest size with 2.5x headroom over the HEIC's peak RSS that makes a 12 MP HEIC's four within ${within}.`
    : `**No size fits**: none has 2.5x headroom over the HEIC's peak RSS and makes a 12 MP HEIC's four within ${within}.`;
  const cheapest = lambda.cheapest;
  const slower =
    cheapest && cheapest.memoryMb !== lambda.recommended?.memoryMb
      ? ` Where an iPhone photo's renditions may take ${(cheapest.largeMs / 1000).toFixed(1)} s, ${cheapest.memoryMb} MB (the least with that headroom) costs about $${cheapest.costPerMillionUsd.toFixed(2)}.`
      : '';
  return `Lambda memory for the four, from these CPU times plus an assumed ${lambda.assumedS3Ms} ms of S3 transfer per upload (the GET, the renditions' PUTs side by side, the manifest after them), at arm64 prices:\n\n${table}\n\n${recommended}${slower} An unconfigured deployment (one rendition) keeps the thumbnail scenario's recommendation above.`;
}

function renditionsStamp({ measuredAt, machine, renditions }) {
  const load =
    typeof machine.loadAverage === 'number' ? `; load average ${machine.loadAverage} when the run began` : '';
  return `Measured ${measuredAt.slice(0, 10)} on ${sections.describeMachine(machine)}, sharp ${machine.sharp} with libvips ${machine.libvips} (${machine.libvipsThreadsPerImage} thread per image)${load} (\`npm run bench -- --only renditions\`, ${renditions.rounds} interleaved rounds of ${renditions.runs} runs each; ratios are the median of each round's).`;
}

/** The pointer docs/renditions.md carries: the headline figures against their targets, and where the rest is. */
function renditionsPointer(results) {
  const { renditions, measuredAt, machine } = results;
  const { targets, heic, cpuMs } = renditions;
  const heicText = heic
    ? ` A 12 MP HEIC decodes in ${heic.decodeCpuMs} ms of CPU at a peak RSS of ${heic.decodePeakRssMb} MB (targets ${targets.heicDecodeCpuMs} ms, ${targets.heicPeakRssMb} MB).`
    : '';
  const lambda = renditions.lambda.recommended
    ? ` For renditions like these, give the function ${renditions.lambda.recommended.memoryMb} MB (\`memory_size\`): about $${renditions.lambda.recommended.costPerMillionUsd.toFixed(2)} per million uploads.`
    : '';
  return `Measured ${measuredAt.slice(0, 10)} on ${sections.describeMachine(machine)} (\`npm run bench -- --only renditions\`): four renditions (256 JPEG and WebP, 640 WebP, 1280 JPEG) from one decode of a 12 MP JPEG take ${renditions.fourOverOne}x the CPU of one rendition (target ${targets.fourOverOne}x) and ${renditions.fourOverIndependent}x that of four independent pipelines (target ${targets.fourOverIndependent}x); placeholders ${cpuMs.placeholders} ms an image (target under ${targets.placeholdersCpuMs} ms).${heicText}${lambda} Every figure, the peers and the floor: [Performance](performance.md#renditions).`;
}

async function writeRenditions(results) {
  const body = [renditionsStamp(results), renditionsTable(results), renditionsLambdaTable(results)].join(
    '\n\n',
  );
  const written = await sections.writeSection(DOC, RENDITIONS_SOURCE, body);
  const pointer = await sections.writeSection(RENDITIONS_DOC, RENDITIONS_SOURCE, renditionsPointer(results));
  return written.changed || pointer.changed;
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
  let changed = false;
  // Runs recorded before there were scenarios always measured the thumbnail one.
  if (results.engine) {
    const parts = [
      stamp(results),
      engineTable(results),
      headlineTable(results),
      lambdaTable(results),
      backfillTable(results),
    ];
    changed = (await sections.writeSection(DOC, SOURCE, parts.join('\n\n'))).changed;
  }
  if (results.renditions) {
    changed = (await writeRenditions(results)) || changed;
  }
  const outcome = changed ? 'written' : 'were already there';
  process.stdout.write(`${DOC}: the figures of ${results.measuredAt} ${outcome}\n`);
}

sections.runScript(main);
