import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CONTENT_HEADERS } from './atomicPut';
import { type ByteRange, requestedRange } from './byteRanges';
import { evaluateReadConditions } from './conditions';
import { type KeyLocks, objectLock } from './keyLocks';
import { currentRequest } from './requestState';
import {
  s3Error,
  type S3rverContext,
  type S3rverMetadata,
  type S3rverMiddleware,
  type S3rverStore,
} from './s3rverInternals';

/**
 * GetObject and HeadObject. s3rver read an object's metadata and its data at different moments (so a
 * reader racing a writer could get the bytes of one version under the ETag of another), ignored If-Match
 * and If-Unmodified-Since, and misread ranges. Here the version is pinned under the key's lock (its
 * metadata read and its data file opened: a later rename does not change an open file), then
 * conditions and range are answered against it.
 */

/** Query parameters that make a GET on a key some other operation, which s3rver answers. */
const SUBRESOURCES = [
  'acl',
  'attributes',
  'legal-hold',
  'retention',
  'select',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
];

type Decision =
  | { readonly kind: 'not-modified' }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'body'; readonly range: ByteRange | undefined };

interface PinnedVersion {
  readonly metadata: S3rverMetadata;
  readonly size: number;
  readonly decision: Decision;
  readonly content?: Readable;
}

function decide(context: S3rverContext, metadata: S3rverMetadata, size: number): Decision {
  const outcome = evaluateReadConditions(context.headers, metadata.etag, new Date(metadata['last-modified']));
  if (outcome === 'not-modified') {
    return { kind: 'not-modified' };
  }
  const range = requestedRange(context.headers.range, size);
  return range === 'unsatisfiable' ? { kind: 'unsatisfiable' } : { kind: 'body', range };
}

async function pin(
  store: S3rverStore,
  locks: KeyLocks,
  context: S3rverContext,
  bucket: string,
  key: string,
): Promise<PinnedVersion> {
  return locks.with(objectLock(bucket, key), async () => {
    const metadata = await store.getMetadata(bucket, key).catch(() => {
      throw s3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
    });
    const size = Number(metadata['content-length']);
    const decision = decide(context, metadata, size);
    if (decision.kind !== 'body' || context.method === 'HEAD') {
      return { metadata, size, decision };
    }
    if (size === 0) {
      // Koa would answer a 200 without a body with its status text.
      return { metadata, size, decision, content: Readable.from([]) };
    }
    const file = await open(store.getResourcePath(bucket, key, 'object'), 'r');
    const range = decision.range ?? { start: 0, end: size - 1 };
    return { metadata, size, decision, content: file.createReadStream(range) };
  });
}

function overrides(context: S3rverContext): Record<string, string> {
  const chosen: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.query)) {
    if (!name.startsWith('response-')) {
      continue;
    }
    const header = name.slice('response-'.length);
    // A value a header cannot carry (CR, LF, other controls) would fail the response with a 500.
    if (
      !CONTENT_HEADERS.includes(header) ||
      typeof value !== 'string' ||
      /[^\t\x20-\x7e\x80-\xff]/.test(value)
    ) {
      throw s3Error('InvalidArgument', `${name} is not in the set of overridable response headers.`, {
        ArgumentName: name,
      });
    }
    chosen[header] = value;
  }
  return chosen;
}

function respond(context: S3rverContext, version: PinnedVersion, chosen: Record<string, string>): void {
  const { metadata, size, decision } = version;
  if (decision.kind === 'unsatisfiable') {
    context.set('Content-Range', `bytes */${size}`);
    throw s3Error('InvalidRange', 'The requested range is not satisfiable', {
      RangeRequested: context.headers.range,
      ActualObjectSize: size,
    });
  }
  if (version.content !== undefined) {
    context.body = version.content;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (name !== 'content-length') {
      headers[name] = String(value);
    }
  }
  context.set({ ...headers, ...chosen, 'accept-ranges': 'bytes' });
  if (decision.kind === 'not-modified') {
    context.status = 304;
    return;
  }
  const range = decision.range;
  context.length = range === undefined ? size : range.end - range.start + 1;
  if (range !== undefined) {
    context.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  }
  context.status = range === undefined ? 200 : 206;
}

/** The mend: answers GET and HEAD on a key itself; everything else goes on to s3rver. */
export function serveObjectReads(store: S3rverStore, locks: KeyLocks): S3rverMiddleware {
  return async (context, next) => {
    const target = currentRequest()?.target;
    const read = context.method === 'GET' || context.method === 'HEAD';
    if (!read || target?.key === undefined || SUBRESOURCES.some((name) => name in context.query)) {
      await next();
      return;
    }
    if ((await store.getBucket(target.bucket)) === null) {
      throw s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: target.bucket });
    }
    const chosen = overrides(context);
    respond(context, await pin(store, locks, context, target.bucket, target.key), chosen);
  };
}

/** Makes the store's own reads (listings, copies, s3rver's handlers) see one version whole, too. */
export function readVersionsWhole(store: S3rverStore, locks: KeyLocks): void {
  const getMetadata = store.getMetadata.bind(store);
  store.getMetadata = (bucket, key) => locks.with(objectLock(bucket, key), () => getMetadata(bucket, key));
  const getObject = store.getObject.bind(store);
  store.getObject = (bucket, key, options) =>
    locks.with(objectLock(bucket, key), () => getObject(bucket, key, options));
}
