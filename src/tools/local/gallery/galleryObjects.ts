import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { type Sniffed, sniffFormat } from '../../../core/engine/sniffFormat';
import { manifestKey, MAX_KEY_BYTES } from '../../../core/thumbnailKey';
import { readManifest } from '../../../core/manifest';
import { answer, type Refusal, writeHead } from './galleryHeaders';
import { httpStatusOf } from '../../../common/errors';

/** One object the gallery is asked for. */
export interface ObjectAddress {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Types a browser may show but never runs. What the uploader claimed is ignored: the bytes decide, and
 * anything else (SVG, which can hold script, PDF, HTML, unknown bytes) is served as a download.
 */
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
  heic: 'image/heic',
};

/** Enough leading bytes for every signature sniffFormat knows (ISO-BMFF brands included). */
const SNIFF_BYTES = 4096;

const formatOf = (sniffed: Sniffed): string => (sniffed.kind === 'unknown' ? '' : sniffed.format);

/** `/object/<bucket>/<key...>` (percent-encoded segments) or `/object?bucket=...&key=...`. */
export function objectAddress(path: string, query: URLSearchParams): ObjectAddress | undefined {
  if (path === '/object') {
    return { bucket: query.get('bucket') ?? '', key: query.get('key') ?? '' };
  }
  try {
    const [bucket = '', ...key] = path.slice('/object/'.length).split('/').map(decodeURIComponent);
    return { bucket, key: key.join('/') };
  } catch {
    // A malformed percent-escape (`%E0`, `%zz`): no key is named at all.
    return undefined;
  }
}

/** A header value naming the download, safe for any key (RFC 6266 with an RFC 8187 UTF-8 form). */
function attachment(key: string): string {
  const name = key.split('/').pop() || 'download';
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  try {
    const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
    return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
  } catch {
    return `attachment; filename="${ascii}"`;
  }
}

function objectHeaders(key: string, head: Buffer, length: number | undefined): OutgoingHttpHeaders {
  const image = IMAGE_TYPES[formatOf(sniffFormat(head))];
  const type = image
    ? { 'content-type': image }
    : { 'content-type': 'application/octet-stream', 'content-disposition': attachment(key) };
  return length === undefined ? type : { ...type, 'content-length': length };
}

/** Reads at least `bytes` from the front of a stream (less when it is shorter), leaving the rest unread. */
async function readHead(chunks: AsyncIterator<Uint8Array>, bytes: number) {
  const parts: Uint8Array[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await chunks.next();
    if (next.done) {
      return { head: Buffer.concat(parts), ended: true };
    }
    parts.push(next.value);
    length += next.value.length;
  }
  return { head: Buffer.concat(parts), ended: false };
}

async function* followedBy(head: Buffer, ended: boolean, chunks: AsyncIterator<Uint8Array>) {
  try {
    yield head;
    for (let next = ended ? undefined : await chunks.next(); next && !next.done; next = await chunks.next()) {
      yield next.value;
    }
  } finally {
    // The reader went away early: stop reading from the S3 server too.
    await chunks.return?.();
  }
}

async function getObject(s3: S3Client, address: ObjectAddress, response: ServerResponse) {
  try {
    return await s3.send(new GetObjectCommand({ Bucket: address.bucket, Key: address.key }));
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 404 || status === 400) {
      answer(response, status, status === 404 ? 'no such object' : 'the S3 server refused this key');
    } else {
      answer(response, 502, 'the local S3 server did not answer for this object');
    }
    return undefined;
  }
}

/** Which keys are worth asking the S3 server for; the reason when not. */
function refusal(address: ObjectAddress, buckets: readonly string[]): Refusal | undefined {
  if (!buckets.includes(address.bucket)) {
    return [404, `only the buckets ${buckets.join(' and ')} are served`];
  }
  if (address.key === '' || Buffer.byteLength(address.key) > MAX_KEY_BYTES) {
    return [400, `a key is 1 to ${MAX_KEY_BYTES} bytes`];
  }
  return undefined;
}

/** Streams an object of one of `buckets`, typed by its own bytes, never by what its uploader claimed. */
export async function serveObject(
  s3: S3Client,
  buckets: readonly string[],
  address: ObjectAddress,
  response: ServerResponse,
): Promise<void> {
  const refused = refusal(address, buckets);
  if (refused) {
    answer(response, ...refused);
    return;
  }
  const object: GetObjectCommandOutput | undefined = await getObject(s3, address, response);
  if (!object?.Body) {
    return;
  }
  const chunks = (object.Body as Readable)[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const { head, ended } = await readHead(chunks, SNIFF_BYTES);
  writeHead(response, 200, objectHeaders(address.key, head, object.ContentLength));
  // Fails only when the reader goes away (or the S3 server does, mid-object); either way the answer
  // is already cut short, and pipeline has closed both ends.
  await pipeline(Readable.from(followedBy(head, ended, chunks)), response).catch(() => undefined);
}

/**
 * The manifest of a source (`<prefix>_manifests/<key>.json` in the thumbnail bucket), checked, as JSON:
 * the page reads every rendition and the placeholders from it. A 404 until the manifest is written.
 */
export async function serveManifest(
  gallery: { readonly s3: S3Client; readonly thumbnailBucket: string; readonly thumbnailPrefix: string },
  sourceKey: string,
  response: ServerResponse,
): Promise<void> {
  if (sourceKey === '' || Buffer.byteLength(sourceKey) > MAX_KEY_BYTES) {
    answer(response, 400, `a key is 1 to ${MAX_KEY_BYTES} bytes`);
    return;
  }
  const address = { bucket: gallery.thumbnailBucket, key: manifestKey(sourceKey, gallery.thumbnailPrefix) };
  const object = await getObject(gallery.s3, address, response);
  const manifest = object?.Body && readManifest(await object.Body.transformToString());
  if (!object) {
    return;
  }
  if (!manifest) {
    answer(response, 502, 'the manifest in the thumbnail bucket is not one this version reads');
    return;
  }
  writeHead(response, 200, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(manifest));
}
