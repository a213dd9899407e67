#!/usr/bin/env node
// Writes the figures the reliability suites recorded in .reliability/ on their last run (see
// test/support/reliabilityReport.ts) into docs/reliability.md's generated section, stamped with the
// machine and the date they were recorded on, and prints them.
import * as sections from './lib/generatedSections.mjs';

const DIRECTORY = '.reliability';
const DOC = 'docs/reliability.md';
const SOURCE = 'npm run test:reliability';

/** Suite -> [figure, label] in the order the doc reads them. */
const LABELS = {
  burst: [
    ['uploads', 'uploads from 4 clients, 16 at once'],
    ['valid', 'valid images'],
    ['notAnImage', 'non-images'],
    ['corrupt', 'corrupt images'],
    ['thumbnails', 'thumbnails (exactly one per valid image, byte-identical)'],
    ['peakRssMiB', 'peak RSS of the local stack (MiB)'],
  ],
  duplicates: [
    ['uploads', 'uploads (every object twice)'],
    ['redeliveries', 'extra deliveries (every tenth event twice more, concurrently)'],
    ['thumbnailsWritten', 'thumbnail writes'],
    ['duplicatesSkipped', 'duplicates skipped (already current)'],
    ['duplicatesRedone', 'duplicates redone (arrived at the same moment; same bytes)'],
    ['peakRssMiB', 'peak RSS of the local stack (MiB)'],
  ],
  faults: [
    ['requests', 'S3 requests'],
    ['faultsInjected', 'faults injected'],
    ['internalErrors', '500 InternalError / 503 SlowDown'],
    ['resets', 'connection resets'],
    ['cutResponses', 'responses cut half-way'],
    ['slowResponses', 'slow responses (200 ms)'],
    ['madeFirstTime', 'made at the first invocation (SDK retries absorbed the faults)'],
    ['madeOnLambdaRetry', "made on Lambda's retry (thrown, then retried)"],
    ['deadLettered', 'dead-lettered after three attempts (3 of them faulted on every request)'],
    ['completedAfterRedrive', 'completed when the dead letters were redriven'],
    ['lost', 'lost'],
    ['partialThumbnailsSeen', 'partial or zero-byte thumbnails seen'],
    ['thumbnailReadsWhileFaulting', 'thumbnail reads made to look for them'],
  ],
  'hostile-input': [
    ['files', 'files in the hostile corpus'],
    ['refused', 'refused, each with its reason'],
    ['made', 'odd but valid, made'],
    ['peakRssMiB', 'peak RSS of the local stack (MiB)'],
  ],
  'log-hygiene': [
    ['linesScanned', 'log lines scanned (every outcome, DEBUG level)'],
    ['found', 'credentials, signatures, presigned URLs or upload bytes found'],
  ],
  'least-privilege': [
    ['executionGrants', 'execution role: (action, resource) grants, each allowlisted'],
    ['deployGrants', 'deploy role: (action, resource) grants, each allowlisted'],
    ['resourcesAudited', 'planned resources audited'],
    ['problems', 'wildcards, public principals, unencrypted or non-TLS buckets found'],
  ],
  fuzz: [
    ['inputs', 'generated inputs'],
    ['properties', 'properties checked'],
  ],
};

function stamp(suites) {
  const dates = [...new Set(suites.map((figures) => figures.at.slice(0, 10)))].sort();
  // Suites recorded before the machine was recorded with them say so rather than borrow this one's.
  const machines = [
    ...new Set(
      suites.map((figures) =>
        figures.machine ? sections.describeMachine(figures.machine) : 'a machine not recorded',
      ),
    ),
  ];
  const when = dates.length > 1 ? `between ${dates[0]} and ${dates.at(-1)}` : `on ${dates[0]}`;
  return `Recorded ${when}, on ${machines.join('; ')}.`;
}

async function main() {
  const recorded = await sections.readAllRecorded(DIRECTORY);
  if (recorded.length === 0) {
    console.error(`no figures in ${DIRECTORY}/: run \`npm run test:reliability\` first`);
    process.exit(1);
  }
  const suites = Object.fromEntries(recorded.map((figures) => [figures.suite, figures]));
  const rows = Object.entries(LABELS).flatMap(([suite, labels]) =>
    labels
      .filter(([figure]) => suites[suite]?.[figure] !== undefined)
      .map(([figure, label]) => [suite, label, suites[suite][figure]]),
  );
  const columns = [
    ['Suite', 'left'],
    ['Figure', 'left'],
    ['Value', 'right'],
  ];
  const section = `${sections.markdownTable(columns, rows)}\n\n${stamp(recorded)}\n`;
  const { markdown, changed } = await sections.writeSection(DOC, SOURCE, section);
  process.stdout.write(`${markdown}\n(${changed ? 'written into' : 'already in'} ${DOC})\n`);
}

sections.runScript(main);
