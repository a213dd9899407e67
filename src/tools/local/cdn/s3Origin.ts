import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { httpStatusOf } from '../../../common/errors';

/** What the bucket answered for one key: the object (or part of it), not modified, missing, or failed. */
export type OriginAnswer =
  | {
      readonly kind: 'object';
      readonly status: 200 | 206 | 304;
      readonly headers: OutgoingHttpHeaders;
      readonly body?: Readable;
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'refused'; readonly status: number };

interface ObjectFacts {
  readonly ETag?: string | undefined;
  readonly LastModified?: Date | undefined;
  readonly ContentType?: string | undefined;
  readonly ContentLength?: number | undefined;
  readonly CacheControl?: string | undefined;
  readonly ContentRange?: string | undefined;
}

function headersOf(object: ObjectFacts): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'accept-ranges': 'bytes' };
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) headers[name] = value;
  };
  set('content-type', object.ContentType);
  set('content-length', object.ContentLength);
  set('cache-control', object.CacheControl);
  set('etag', object.ETag);
  set('last-modified', object.LastModified?.toUTCString());
  set('content-range', object.ContentRange);
  return headers;
}

/** RFC 9110's order: If-None-Match (weak comparison) decides when present, else If-Modified-Since. */
export function notModified(request: IncomingMessage, object: ObjectFacts): boolean {
  const tags = request.headers['if-none-match'];
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  if (tags !== undefined) {
    const etag = object.ETag === undefined ? undefined : opaque(object.ETag);
    return tags.split(',').some((tag) => tag.trim() === '*' || (etag !== undefined && opaque(tag) === etag));
  }
  const since = Date.parse(request.headers['if-modified-since'] ?? '');
  const modified = object.LastModified?.getTime();
  return !Number.isNaN(since) && modified !== undefined && Math.floor(modified / 1000) * 1000 <= since;
}

/** Only what a 304 may say (RFC 9110 15.4.5): the validators and the caching. */
function notModifiedHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const { etag, 'cache-control': cacheControl, 'last-modified': lastModified } = headers;
  return Object.fromEntries(
    Object.entries({ etag, 'cache-control': cacheControl, 'last-modified': lastModified }).filter(
      ([, value]) => value !== undefined,
    ),
  );
}

/**
 * Whether `If-Range` names the object read: its strong ETag, or its Last-Modified date exactly (RFC 9110
 * 13.1.5). A weak ETag or a date that does not parse never does. Checked here on what was read, not
 * left to the origin, since not every S3-compatible server evaluates conditions on a ranged GET.
 */
function ifRangeHolds(ifRange: string, object: ObjectFacts): boolean {
  if (ifRange.startsWith('"')) return ifRange === object.ETag;
  const date = Date.parse(ifRange);
  const modified = object.LastModified?.getTime();
  return (
    !Number.isNaN(date) && modified !== undefined && Math.floor(modified / 1000) === Math.floor(date / 1000)
  );
}

/** GET, with the viewer's Range where its If-Range (if any) still holds; otherwise the whole object. */
async function getWithRange(
  s3: S3Client,
  location: { Bucket: string; Key: string },
  request: IncomingMessage,
) {
  const { range } = request.headers;
  const ifRange = request.headers['if-range'];
  const object = await s3.send(new GetObjectCommand({ ...location, Range: range }));
  if (range === undefined || typeof ifRange !== 'string' || ifRangeHolds(ifRange, object)) {
    return object;
  }
  // The viewer's copy is not this object: the whole of it, never a part spliced onto old bytes.
  (object.Body as Readable | undefined)?.destroy();
  return s3.send(new GetObjectCommand(location));
}

/**
 * Reads `key` from the bucket as the distribution's S3 origin would: GET (with the viewer's Range) or
 * HEAD, answered 304 when the viewer's validators match, as CloudFront answers them from its cache.
 */
export async function readOrigin(
  s3: S3Client,
  bucket: string,
  key: string,
  request: IncomingMessage,
): Promise<OriginAnswer> {
  try {
    if (request.method === 'HEAD') {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const headers = headersOf(head);
      return notModified(request, head)
        ? { kind: 'object', status: 304, headers: notModifiedHeaders(headers) }
        : { kind: 'object', status: 200, headers };
    }
    const object = await getWithRange(s3, { Bucket: bucket, Key: key }, request);
    const headers = headersOf(object);
    const body = object.Body as Readable | undefined;
    if (notModified(request, object)) {
      body?.destroy();
      return { kind: 'object', status: 304, headers: notModifiedHeaders(headers) };
    }
    return { kind: 'object', status: object.ContentRange === undefined ? 200 : 206, headers, body };
  } catch (error) {
    const status = httpStatusOf(error);
    // S3 answers a missing key with 404 (403 without s3:ListBucket, as the distribution's OAC reads).
    if (status === 404 || status === 403) {
      return { kind: 'missing' };
    }
    if (status === 416) {
      return { kind: 'refused', status };
    }
    throw error;
  }
}
