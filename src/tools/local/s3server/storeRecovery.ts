import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { carryOut, INTENT_SUFFIX, type Intent, PARTIAL_SUFFIX } from './atomicPut';
import { filesUnder } from './listingWalk';
import { SPOOL_FOLDER } from './spool';

/**
 * Puts the data directory in order at start, after a process was killed mid-write: intents written
 * whole are carried out (that version was complete; its renames had begun or were about to), then every
 * temporary file still there (an upload cut off, a version never committed), the spooled request bodies,
 * and the files of half an object (data without metadata, or metadata without data, as s3rver's in-place
 * writes and deletions could leave them) are removed. s3rver left all of these, and half objects showed
 * up in listings and failed reads with a 500.
 */

export interface Recovery {
  /** Versions whose interrupted commit was carried out. */
  readonly completed: number;
  /** Files removed. */
  readonly removed: number;
}

const DATA = '._S3rver_object';
const COMPANIONS = ['._S3rver_metadata.json', '._S3rver_object.md5', '._S3rver_tagging.xml'] as const;

async function collect(folder: string): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const path of filesUnder(folder)) {
    found.add(path);
  }
  return found;
}

async function readIntent(path: string): Promise<Intent | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Intent;
  } catch {
    return undefined;
  }
}

/** Carries out each complete intent; a torn one (killed while writing it) had renamed nothing. */
async function completeIntents(paths: ReadonlySet<string>): Promise<Recovery> {
  let [completed, removed] = [0, 0];
  for (const path of [...paths].filter((candidate) => candidate.endsWith(INTENT_SUFFIX))) {
    const intent = await readIntent(path);
    if (intent === undefined || !Array.isArray(intent.renames) || !Array.isArray(intent.removes)) {
      await rm(path, { force: true });
      removed += 1;
      continue;
    }
    await carryOut(path, intent);
    completed += 1;
  }
  return { completed, removed };
}

/** Files of half an object: data whose metadata is missing, or companions whose data is. */
function halfObjects(paths: ReadonlySet<string>): string[] {
  const orphans: string[] = [];
  for (const path of paths) {
    if (path.endsWith(DATA) && !paths.has(`${path.slice(0, -DATA.length)}${COMPANIONS[0]}`)) {
      orphans.push(path, ...COMPANIONS.slice(1).map((suffix) => `${path.slice(0, -DATA.length)}${suffix}`));
    }
    const companion = COMPANIONS.find((suffix) => path.endsWith(suffix));
    if (companion !== undefined && !paths.has(`${path.slice(0, -companion.length)}${DATA}`)) {
      orphans.push(path);
    }
  }
  return orphans.filter((path) => paths.has(path));
}

export async function recoverStore(root: string): Promise<Recovery> {
  const spool = join(root, SPOOL_FOLDER);
  const spooled = (await collect(spool)).size;
  await rm(spool, { recursive: true, force: true });
  const intents = await completeIntents(await collect(root));
  const remaining = await collect(root);
  const temporary = [...remaining].filter(
    (path) => path.endsWith(PARTIAL_SUFFIX) || path.endsWith(INTENT_SUFFIX),
  );
  for (const path of temporary) {
    remaining.delete(path);
  }
  const doomed = [...temporary, ...halfObjects(remaining)];
  await Promise.all(doomed.map((path) => rm(path, { force: true })));
  return { completed: intents.completed, removed: spooled + intents.removed + doomed.length };
}
