import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/dockerfile';

/** Where code and scripts speak to users and contributors, and may send them to the docs. */
const SOURCES = ['src', 'scripts', 'terraform', '.github', 'Dockerfile'];

function filesUnder(path: string): string[] {
  const absolute = join(REPO_ROOT, path);
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .map((name) => join(path, name))
    .filter((name) => !name.includes('.terraform') && statSync(join(REPO_ROOT, name)).isFile());
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function headingsOf(document: string): string[] {
  const text = readFileSync(join(REPO_ROOT, document), 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1] ?? '');
}

/** Every reference from code to a document: `docs/x.md#anchor`, `README.md`, "the README's Heading". */
function references(): Array<{ from: string; document: string; anchor?: string; heading?: string }> {
  return SOURCES.flatMap(filesUnder).flatMap((from) => {
    const text = readFileSync(join(REPO_ROOT, from), 'utf8');
    const linked = [...text.matchAll(/\b((?:docs\/[\w-]+|README)\.md)(?:#([\w-]+))?/g)].map((match) => ({
      from,
      document: match[1] ?? '',
      ...(match[2] ? { anchor: match[2] } : {}),
    }));
    const named = [...text.matchAll(/\bREADME(?:'s | \()([A-Z][\w-]*(?: [a-z][\w-]*)*)/g)].map((match) => ({
      from,
      document: 'README.md',
      heading: match[1] ?? '',
    }));
    return [...linked, ...named];
  });
}

/**
 * A script told users to "see the README's Prerequisites", a section the README never had. Every place
 * code sends a reader must exist: the document, and the heading it names.
 */
describe('references from code to the docs', () => {
  const all = references();

  it('finds the references it checks', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it.each(
    all.map(
      (reference) =>
        [
          `${reference.from} -> ${reference.document}#${reference.anchor ?? reference.heading ?? ''}`,
          reference,
        ] as const,
    ),
  )('%s resolves', (_name, { document, anchor, heading }) => {
    const headings = headingsOf(document);
    if (anchor !== undefined) expect(headings.map(slug)).toContain(anchor);
    if (heading !== undefined) {
      expect(headings.map((text) => text.toLowerCase())).toContainEqual(
        expect.stringContaining(heading.toLowerCase()),
      );
    }
  });
});
