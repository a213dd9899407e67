#!/usr/bin/env node
// Writes what the image tier recorded in .image-tier/ on its last run (test/image/imageFigures.ts) into
// docs/container-image.md's generated section, and prints it: each architecture's image size, its stand-in
// base's, what /var/task holds, and how long the last run's stand-in and build took. Sizes are
// uncompressed, in MB (10^6 bytes), as podman counts them. .image-tier/ is this checkout's own, so the
// figures are stamped with this machine.
import * as sections from './lib/generatedSections.mjs';

const DIRECTORY = '.image-tier';
const DOC = 'docs/container-image.md';
const SOURCE = 'npm run test:image';

const mb = (bytes) => (bytes / 1e6).toFixed(1);

function rows(figures) {
  const paths = [...new Set(figures.flatMap((entry) => Object.keys(entry.taskRoot)))];
  // One row per package whatever its platform suffix, so both architectures line up.
  const byName = new Map(paths.map((path) => [path.replace(/-(x64|arm64)$/, '-<arch>'), []]));
  for (const path of paths) {
    byName.get(path.replace(/-(x64|arm64)$/, '-<arch>')).push(path);
  }
  const cell = (entry, candidates) => {
    const found = candidates.map((path) => entry.taskRoot[path]).find(Boolean);
    return found ? `${mb(found.bytes)}${found.version ? ` (${found.version})` : ''}` : '-';
  };
  return [
    ['image', ...figures.map((entry) => mb(entry.imageBytes))],
    ['stand-in base image', ...figures.map((entry) => mb(entry.standInBytes))],
    ['added by the Dockerfile', ...figures.map((entry) => mb(entry.imageBytes - entry.standInBytes))],
    ['`/var/task`, all of it', ...figures.map((entry) => mb(entry.taskRootBytes))],
    ...[...byName].map(([label, candidates]) => [
      `\`${label}\``,
      ...figures.map((entry) => cell(entry, candidates)),
    ]),
    [
      'last run: stand-in, then build (s)',
      ...figures.map((entry) => `${entry.standInSeconds}, ${entry.buildSeconds}`),
    ],
  ];
}

async function main() {
  const figures = await sections.readAllRecorded(DIRECTORY);
  if (figures.length === 0) {
    console.error(`no figures in ${DIRECTORY}/: run the image tier first (npm run test:image, as root)`);
    process.exit(1);
  }
  const columns = [
    ['MB', 'left'],
    ...figures.map((entry) => [`linux/${entry.arch}${entry.emulated ? ' (under qemu-user)' : ''}`, 'right']),
  ];
  const dates = figures.map((entry) => `${entry.at.slice(0, 10)} (${entry.arch})`).join(', ');
  const standIns = figures.map((entry) => `\`${entry.standIn}\``).join(', ');
  const section = `${sections.markdownTable(columns, rows(figures))}

Recorded ${dates} on ${sections.describeMachine()}; stand-ins: ${standIns}.
`;
  const { markdown, changed } = await sections.writeSection(DOC, SOURCE, section);
  process.stdout.write(`${markdown}\n(${changed ? 'written into' : 'already in'} ${DOC})\n`);
}

sections.runScript(main);
