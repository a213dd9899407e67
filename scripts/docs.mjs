#!/usr/bin/env node
// `npm run docs`: writes the docs' sections generated from the source (today each Terraform stack's inputs
// and outputs tables, into docs/deploying.md and docs/delivery.md). `npm run docs -- --check` (part of
// `npm run check`) changes nothing: it fails when those sections are out of date, or when any generated
// section of any doc (figures included) is malformed; it never fails because figures changed.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FIGURE_SECTIONS,
  formatted,
  replaceSection,
  sectionProblems,
  writeSection,
} from './lib/generatedSections.mjs';
import { stackTables } from './lib/terraformTables.mjs';

/** Each stack, and the doc its tables are in. */
const STACKS = {
  'terraform/dependencies': 'docs/deploying.md',
  'terraform/lambda': 'docs/deploying.md',
  'terraform/delivery': 'docs/delivery.md',
};
const SOURCE_SECTIONS = Object.entries(STACKS).map(([stack, doc]) => ({
  doc,
  source: `npm run docs from ${stack}`,
  render: () => stackTables(stack),
}));

/** Every Markdown file a section may be in: the README, CONTRIBUTING.md and docs/. */
async function markdownFiles() {
  const docs = (await readdir('docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return ['README.md', 'CONTRIBUTING.md', ...docs.sort()];
}

/** Problems with every doc's sections: each one well formed, and each required one present once. */
async function malformed() {
  const required = [...FIGURE_SECTIONS, ...SOURCE_SECTIONS];
  const problems = [];
  for (const path of await markdownFiles()) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    const sources = required.filter((section) => section.doc === path).map((section) => section.source);
    if (text === undefined) {
      problems.push(...(sources.length > 0 ? [`${path}: missing`] : []));
      continue;
    }
    problems.push(...sectionProblems(text, sources).map((problem) => `${path}: ${problem}`));
  }
  return problems;
}

const messageOf = (error) => (error instanceof Error ? error.message : String(error));

/** Sections generated from the source whose text differs from what the source gives now. */
async function outOfDate() {
  const stale = [];
  for (const { doc, source, render } of SOURCE_SECTIONS) {
    try {
      const text = await readFile(doc, 'utf8');
      if (replaceSection(text, source, await formatted(doc, await render())) !== text) {
        stale.push(`${doc}: the section "${source}" is out of date: run \`npm run docs\``);
      }
    } catch (error) {
      stale.push(`${doc}: ${source}: ${messageOf(error)}`);
    }
  }
  return stale;
}

/** Writes each section generated from the source; a doc whose markers are malformed is refused, unchanged. */
async function write() {
  const problems = [];
  for (const { doc, source, render } of SOURCE_SECTIONS) {
    try {
      const { changed } = await writeSection(doc, source, await render());
      process.stdout.write(`${doc}: ${source}: ${changed ? 'written' : 'up to date'}\n`);
    } catch (error) {
      problems.push(`${doc}: ${messageOf(error)}`);
    }
  }
  return problems;
}

async function check() {
  const problems = await malformed();
  return problems.length > 0 ? problems : outOfDate();
}

let values;
try {
  ({ values } = parseArgs({ options: { check: { type: 'boolean' } } }));
} catch (error) {
  console.error(`docs: ${messageOf(error)}\nusage: npm run docs [-- --check]`);
  process.exit(2);
}
const problems = values.check ? await check() : await write();
for (const problem of problems) {
  console.error(`docs: ${problem}`);
}
if (values.check && problems.length === 0) {
  process.stdout.write('docs: generated sections well formed; those made from the source up to date\n');
}
process.exit(problems.length === 0 ? 0 : 1);
