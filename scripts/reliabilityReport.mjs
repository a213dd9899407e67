#!/usr/bin/env node
// Prints the figures the reliability suites recorded in .reliability/ on their last run (see
// test/support/reliabilityReport.ts), as the Markdown the README's "Reliability" section shows.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const DIRECTORY = '.reliability';

/** Suite -> [figure, label] in the order the README reads them. */
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

const files = (await readdir(DIRECTORY).catch(() => [])).filter((name) => name.endsWith('.json'));
if (files.length === 0) {
  console.error(`no figures in ${DIRECTORY}/: run \`npm run test:reliability\` first`);
  process.exit(1);
}
const suites = Object.fromEntries(
  await Promise.all(
    files.map(async (name) => {
      const figures = JSON.parse(await readFile(join(DIRECTORY, name), 'utf8'));
      return [figures.suite, figures];
    }),
  ),
);
const lines = ['| Suite | Figure | Value |', '| --- | --- | ---: |'];
for (const [suite, labels] of Object.entries(LABELS)) {
  for (const [figure, label] of labels) {
    if (suites[suite]?.[figure] !== undefined) {
      lines.push(`| ${suite} | ${label} | ${suites[suite][figure]} |`);
    }
  }
}
const latest = Object.values(suites)
  .map((figures) => figures.at)
  .sort()
  .at(-1);
process.stdout.write(
  `${lines.join('\n')}\n\nRecorded ${latest} (node ${process.version}, ${process.platform}/${process.arch}).\n`,
);
