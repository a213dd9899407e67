import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, open, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { etagMatches } from './conditions';
import { type KeyLocks, objectLock } from './keyLocks';
import { type Commit, currentRequest, nextSequencer, recordCommit } from './requestState';
import { s3Error, type S3rverObject, type S3rverStore } from './s3rverInternals';

/**
 * Stores objects as S3 does: each version visible whole or not at all, data and metadata together, the
 * last writer winning whole. s3rver wrote an object's three files (data, metadata, MD5) in place one after
 * another, so concurrent writers to one key interleaved them (bytes of one writer under the ETag of
 * another, for good) and readers saw half-written JSON. Here every file of a version is written to a
 * temporary name beside its final one; then, holding the key's lock, an intent file records the renames,
 * the renames happen, and the intent goes. A process killed at any point leaves either temporary files
 * (removed at the next start) or a complete intent (carried out at the next start): see storeRecovery.
 */

/** Suffix of every temporary file of a version (listings and key paths never end so). */
export const PARTIAL_SUFFIX = '.partial';
/** Suffix of an intent file: the renames that make one version visible. */
export const INTENT_SUFFIX = '.commit';

/** The headers that describe an object's content: stored with it, and overridable on a signed GET. */
export const CONTENT_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-type',
  'expires',
];

/** The request headers an object keeps (s3rver's list), besides `x-amz-meta-*`. */
const KEPT_HEADERS = new Set([...CONTENT_HEADERS, 'x-amz-storage-class', 'x-amz-website-redirect-location']);

/** The metadata stored with an object, from the headers (or form fields) it was written with. */
export function keptMetadata(metadata: Readonly<Record<string, unknown>>): Record<string, string> {
  const kept: Record<string, string> = { 'content-type': 'binary/octet-stream' };
  for (const [name, value] of Object.entries(metadata)) {
    if (typeof value === 'string' && (KEPT_HEADERS.has(name) || name.startsWith('x-amz-meta-'))) {
      kept[name] = value;
    }
  }
  return kept;
}

/** An object version written under temporary names, not yet visible. */
export interface StagedObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly md5: string;
  readonly lastModified: Date;
  /** Each temporary file and the file it becomes, all in one folder, the data last. */
  readonly renames: ReadonlyArray<readonly [string, string]>;
  readonly intent: string;
}

/** An object's files, in the order a commit makes them visible: the data last, so it appears complete. */
const VERSION_FILES = ['metadata.json', 'object.md5', 'object'] as const;
/** Files of an object that describe only the version they were made for. */
const VERSION_EXTRAS = ['tagging.xml'] as const;

/** Opens a new file, making its folder (again, if a deletion just pruned it as empty). */
async function createFile(path: string): Promise<FileHandle> {
  for (let attempt = 0; ; attempt += 1) {
    await mkdir(dirname(path), { recursive: true });
    try {
      return await open(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 10) {
        throw error;
      }
    }
  }
}

async function writeBody(
  body: Readable,
  path: string,
): Promise<{ size: number; md5: string; lastModified: Date }> {
  const md5 = createHash('md5');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const file = await createFile(path);
  await pipeline(body, measure, file.createWriteStream());
  return { size, md5: md5.digest('hex'), lastModified: new Date() };
}

const nameTooLong = (error: unknown) =>
  (error as NodeJS.ErrnoException).code === 'ENAMETOOLONG'
    ? s3Error('KeyTooLongError', 'Your key is too long')
    : error;

/** Writes a version's files under temporary names; on any failure, removes them and throws. */
export async function stageObject(store: S3rverStore, object: S3rverObject): Promise<StagedObject> {
  const tag = randomBytes(6).toString('hex');
  const finals = VERSION_FILES.map((file) => store.getResourcePath(object.bucket, object.key, file));
  const renames = finals.map((path) => [`${path}.${tag}${PARTIAL_SUFFIX}`, path] as const);
  const [metadata, md5File, data] = renames.map(([temporary]) => temporary) as [string, string, string];
  const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  try {
    const { size, md5, lastModified } = await writeBody(body, data);
    await writeFile(metadata, JSON.stringify(keptMetadata(object.metadata), null, 2));
    await writeFile(md5File, md5);
    const intent = `${finals[2] ?? data}.${tag}${INTENT_SUFFIX}`;
    return { bucket: object.bucket, key: object.key, size, md5, lastModified, renames, intent };
  } catch (error) {
    body.destroy();
    await discard(renames);
    throw nameTooLong(error);
  }
}

async function discard(renames: StagedObject['renames']): Promise<void> {
  await Promise.all(renames.map(([temporary]) => rm(temporary, { force: true })));
}

/** What an intent file holds: names relative to its own folder. */
export interface Intent {
  readonly renames: ReadonlyArray<readonly [string, string]>;
  readonly removes: readonly string[];
}

/**
 * Carries out an intent (again, after a crash: renames already made are skipped), then removes its file
 * (`written`: a commit that replaces nothing needs none, see commitObject).
 */
export async function carryOut(intentPath: string, intent: Intent, written = true): Promise<void> {
  const folder = dirname(intentPath);
  for (const [from, to] of intent.renames) {
    await rename(join(folder, from), join(folder, to)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
    });
  }
  await Promise.all(intent.removes.map((name) => rm(join(folder, name), { force: true })));
  if (written) {
    await rm(intentPath, { force: true });
  }
}

/** S3's conditional writes: `If-None-Match: *` (only if absent) and `If-Match` (only that version). */
async function checkWriteCondition(store: S3rverStore, staged: StagedObject): Promise<void> {
  const condition = currentRequest()?.writeCondition;
  if (condition === undefined) {
    return;
  }
  const current = await store.getMetadata(staged.bucket, staged.key).then(
    (metadata) => metadata.etag,
    () => undefined,
  );
  if (condition.ifNoneMatch !== undefined && current !== undefined) {
    throw s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: 'If-None-Match',
    });
  }
  if (condition.ifMatch !== undefined && current === undefined) {
    throw s3Error('NoSuchKey', 'The specified key does not exist.', { Key: staged.key });
  }
  if (condition.ifMatch !== undefined && !etagMatches(condition.ifMatch, current ?? '')) {
    throw s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: 'If-Match',
    });
  }
}

/** Makes a staged version the object's current one, whole, and records the commit for its event. */
export function commitObject(store: S3rverStore, locks: KeyLocks, staged: StagedObject): Promise<Commit> {
  return locks.with(objectLock(staged.bucket, staged.key), async () => {
    try {
      await checkWriteCondition(store, staged);
    } catch (error) {
      await discard(staged.renames);
      throw error;
    }
    const extras = VERSION_EXTRAS.map((file) =>
      basename(store.getResourcePath(staged.bucket, staged.key, file)),
    );
    const intent: Intent = {
      renames: staged.renames.map(([from, to]) => [basename(from), basename(to)] as const),
      removes: extras,
    };
    // Only a version that replaces another needs its intent written: cut short, a first version leaves
    // metadata without data, which is no object at all (and is removed at the next start).
    const [, , [, data] = ['', '']] = staged.renames;
    const replacing = await access(data).then(
      () => true,
      () => false,
    );
    if (replacing) {
      await writeFile(staged.intent, JSON.stringify(intent));
    }
    await carryOut(staged.intent, intent, replacing);
    const commit = { bucket: staged.bucket, key: staged.key, size: staged.size, md5: staged.md5 };
    const recorded = { ...commit, sequencer: nextSequencer() };
    recordCommit(recorded);
    return recorded;
  });
}

/** Removes folders left empty, from `folder` up to (not including) the bucket's own. */
async function pruneEmptyFolders(store: S3rverStore, bucket: string, folder: string): Promise<void> {
  const bucketFolder = join(store.rootDirectory, bucket);
  for (let current = folder; current.startsWith(`${bucketFolder}/`); current = dirname(current)) {
    const removed = await rmdir(current).then(
      () => true,
      () => false,
    );
    if (!removed) {
      return;
    }
  }
}

/** Deletes an object's files, data first (so the object vanishes at once); true when it existed. */
export function removeObject(
  store: S3rverStore,
  locks: KeyLocks,
  bucket: string,
  key: string,
): Promise<boolean> {
  return locks.with(objectLock(bucket, key), async () => {
    const [data, ...rest] = ['object', 'object.md5', 'metadata.json', ...VERSION_EXTRAS].map((file) =>
      store.getResourcePath(bucket, key, file),
    ) as [string, ...string[]];
    const existed = await rm(data).then(
      () => true,
      () => false,
    );
    await Promise.all(rest.map((path) => rm(path, { force: true })));
    if (existed) {
      recordCommit({ bucket, key, sequencer: nextSequencer() });
    }
    await pruneEmptyFolders(store, bucket, dirname(data));
    return existed;
  });
}

/** Makes the store write and delete objects through the commits above. */
export function storeObjectsAtomically(store: S3rverStore, locks: KeyLocks): void {
  store.putObject = async (object) => {
    const staged = await stageObject(store, object);
    await commitObject(store, locks, staged);
    return { size: staged.size, md5: staged.md5 };
  };
  store.deleteObject = async (bucket, key) => {
    await removeObject(store, locks, bucket, key);
  };
}
