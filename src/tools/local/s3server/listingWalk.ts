import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { keyPaths, type S3rverListing, type S3rverListOptions, type S3rverStore } from './s3rverInternals';

/**
 * ListObjects' view of the store. s3rver walked the bucket's folders in the order the filesystem gave
 * them and cut a page at the first 1,000 keys it met, so pages were not in key order (S3's is UTF-8 byte
 * order), a page could skip keys that sorted before its last one (lost for good by the next page's
 * start-after), common prefixes did not count towards the page size, and a file vanishing during the
 * walk (a concurrent write's temporary file renamed, a deletion) failed the whole listing with a 500.
 */

const OBJECT_SUFFIX = '._S3rver_object';

/** Paths of every file under `folder`; folders that vanish while walked (pruned, say) hold nothing. */
export async function* filesUnder(folder: string): AsyncGenerator<string> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      yield* filesUnder(path);
    } else {
      yield path;
    }
  }
}

/** Every key starting with `prefix`, sorted as S3 sorts them (UTF-8 bytes). */
export async function keysWithPrefix(bucketFolder: string, prefix: string): Promise<string[]> {
  // Only the folder that the prefix's complete segments name can hold its keys.
  const folderPrefix = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const start = join(bucketFolder, keyPaths.encode(folderPrefix));
  const found: Array<{ key: string; bytes: Buffer }> = [];
  for await (const path of filesUnder(start)) {
    if (!path.endsWith(OBJECT_SUFFIX)) {
      continue;
    }
    const key = keyPaths.decode(path.slice(bucketFolder.length + 1, -OBJECT_SUFFIX.length));
    if (key.startsWith(prefix)) {
      found.push({ key, bytes: Buffer.from(key) });
    }
  }
  return found.sort((a, b) => Buffer.compare(a.bytes, b.bytes)).map(({ key }) => key);
}

export const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export interface ListingPage {
  readonly keys: readonly string[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
}

/**
 * One page: keys after `startAfter`, those holding the delimiter past the prefix rolled up into common
 * prefixes; keys and prefixes together at most `maxKeys`. A prefix at or before `startAfter` is not
 * repeated (a page that ended on a prefix continues after everything under it).
 */
export function pageOf(sorted: readonly string[], options: S3rverListOptions): ListingPage {
  const { prefix, delimiter, startAfter, maxKeys } = pageOptions(options);
  const keys: string[] = [];
  const commonPrefixes: string[] = [];
  const listed = (item: string) =>
    (startAfter !== '' && compareKeys(item, startAfter) <= 0) || item === commonPrefixes.at(-1);
  for (const key of sorted) {
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const item = cut === -1 ? key : key.slice(0, cut + delimiter.length);
    if (listed(item)) {
      continue;
    }
    if (keys.length + commonPrefixes.length >= maxKeys) {
      return { keys, commonPrefixes, isTruncated: true };
    }
    (cut === -1 ? keys : commonPrefixes).push(item);
  }
  return { keys, commonPrefixes, isTruncated: false };
}

const pageOptions = (options: S3rverListOptions) => ({
  prefix: options.prefix ?? '',
  delimiter: options.delimiter ?? '',
  startAfter: options.startAfter ?? '',
  maxKeys: options.maxKeys ?? 1000,
});

/** Replaces the store's listing with the ordered one above. */
export function listInKeyOrder(store: S3rverStore): void {
  store.listObjects = async (bucket, options): Promise<S3rverListing> => {
    const sorted = await keysWithPrefix(join(store.rootDirectory, bucket), options.prefix ?? '');
    const page = pageOf(sorted, options);
    const described = await Promise.all(
      page.keys.map((key) =>
        store.getMetadata(bucket, key).then(
          (metadata) => ({
            key,
            metadata,
            size: Number(metadata['content-length']),
            lastModifiedDate: new Date(metadata['last-modified']),
          }),
          () => undefined,
        ),
      ),
    );
    const objects = described.filter((object) => object !== undefined);
    return { objects, commonPrefixes: page.commonPrefixes, isTruncated: page.isTruncated };
  };
}
