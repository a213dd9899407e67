import { open } from 'node:fs/promises';
import { commitObject, keptMetadata, stageObject } from './atomicPut';
import { checkBucketName, checkKeyLength } from './keyRouting';
import { type KeyLocks, objectLock } from './keyLocks';
import { s3Error, type S3rverMiddleware, type S3rverStore } from './s3rverInternals';

/**
 * CopyObject. s3rver decoded `x-amz-copy-source` with decodeURI, which leaves `%2B`, `%23`, `%3F`, `%26`
 * and the like encoded (so keys with `+`, `#`, `?` or `&` could not be copied) and throws on a malformed
 * escape; and it copied the data and the metadata files one after the other, so a copy racing a write
 * to its source could take the data of one version and the metadata of another. Here the header is
 * decoded once, and the source version is pinned under its key's lock, then written as a new version.
 */

export function parseCopySource(header: string): { bucket: string; key: string } {
  // A `?` the key holds arrives as %3F; a bare one starts `versionId=` (one version is all there is).
  const [path = ''] = header.split('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw s3Error('InvalidArgument', 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source' });
  }
  const source = decoded.startsWith('/') ? decoded.slice(1) : decoded;
  const slash = source.indexOf('/');
  if (slash <= 0 || slash === source.length - 1) {
    throw s3Error(
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      {
        ArgumentName: 'x-amz-copy-source',
      },
    );
  }
  const [bucket, key] = [source.slice(0, slash), source.slice(slash + 1)];
  checkBucketName(bucket);
  checkKeyLength(key);
  return { bucket, key };
}

/** Re-spells the copy source so that s3rver's decodeURI yields exactly the source key. */
export const normalizeCopySource: S3rverMiddleware = async (context, next) => {
  const header = context.headers['x-amz-copy-source'];
  if (context.method === 'PUT' && typeof header === 'string') {
    const { bucket, key } = parseCopySource(header);
    context.headers['x-amz-copy-source'] = encodeURI(`${bucket}/${key}`);
  }
  await next();
};

/** Makes the store copy a whole version of the source into a new version of the target. */
export function copyObjectsWhole(store: S3rverStore, locks: KeyLocks): void {
  store.copyObject = async (sourceBucket, sourceKey, bucket, key, replacement) => {
    const source = await locks.with(objectLock(sourceBucket, sourceKey), async () => {
      const noSuchKey = () => s3Error('NoSuchKey', 'The specified key does not exist.', { Key: sourceKey });
      const metadata = await store.getMetadata(sourceBucket, sourceKey).catch(() => {
        throw noSuchKey();
      });
      const file = await open(store.getResourcePath(sourceBucket, sourceKey, 'object'), 'r').catch(() => {
        throw noSuchKey();
      });
      return { metadata, content: file.createReadStream() };
    });
    const metadata = keptMetadata(replacement ?? source.metadata);
    const staged = await stageObject(store, { bucket, key, content: source.content, metadata });
    const commit = await commitObject(store, locks, staged);
    return {
      ...metadata,
      etag: JSON.stringify(commit.md5),
      'last-modified': staged.lastModified.toUTCString(),
      'content-length': staged.size,
    };
  };
}
