import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { commitObject, PARTIAL_SUFFIX, stageObject } from './atomicPut';
import type { KeyLocks } from './keyLocks';
import { currentRequest } from './requestState';
import {
  emitEvent,
  s3Error,
  type S3rverApp,
  type S3rverContext,
  type S3rverMiddleware,
  type S3rverStore,
} from './s3rverInternals';
import { escapeXml, malformedXml, readXmlBody, xmlChildText, xmlElements, xmlRoot } from './xmlBodies';

/**
 * Multipart uploads. s3rver took the upload id from the query string as a path (`?uploadId=../../x`
 * wrote parts outside the data directory), wrote each part in place (a write error was an unhandled
 * error event that stopped the process), never checked a completion's part list against the parts
 * (missing parts made another unhandled error; wrong ETags, order and sizes were accepted), stored the
 * object under the key of the upload even when the request named another, and had no AbortMultipartUpload.
 */

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** A completion lists at most 10,000 parts of about 150 bytes each. */
const MAX_COMPLETE_BYTES = 4 * 1024 * 1024;

const uploadLock = (bucket: string, uploadId: string) => `upload:${bucket}/${uploadId}`;

const noSuchUpload = (uploadId: string) =>
  s3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId.slice(0, 128) },
  );

const folderOf = (store: S3rverStore, bucket: string, uploadId: string) =>
  join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);

interface Upload {
  readonly folder: string;
  readonly metadata: Record<string, unknown>;
}

/** The upload `uploadId` of `key`, or NoSuchUpload. */
async function readUpload(
  store: S3rverStore,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<Upload> {
  if (!UPLOAD_ID.test(uploadId)) {
    throw noSuchUpload(uploadId);
  }
  const folder = folderOf(store, bucket, uploadId);
  const [storedKey, metadata] = await Promise.all([
    readFile(join(folder, 'key'), 'utf8').catch(() => undefined),
    readFile(join(folder, 'metadata'), 'utf8')
      .then((text) => JSON.parse(text) as Record<string, unknown>)
      .catch(() => ({})),
  ]);
  if (storedKey !== key) {
    throw noSuchUpload(uploadId);
  }
  return { folder, metadata };
}

function partNumberOf(text: unknown): number {
  const number = typeof text === 'string' && /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(number >= 1 && number <= MAX_PARTS)) {
    throw s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      ArgumentName: 'partNumber',
      ArgumentValue: String(text).slice(0, 64),
    });
  }
  return number;
}

/** Writes a part whole (temporary file, then renamed with its MD5 under the upload's lock). */
async function putPart(
  store: S3rverStore,
  locks: KeyLocks,
  bucket: string,
  uploadId: string,
  number: number,
  content: Readable,
) {
  const path = join(folderOf(store, bucket, uploadId), String(number));
  const tag = randomBytes(6).toString('hex');
  const [temporary, temporaryMd5] = [
    `${path}.${tag}${PARTIAL_SUFFIX}`,
    `${path}.md5.${tag}${PARTIAL_SUFFIX}`,
  ];
  const md5 = createHash('md5');
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      md5.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(content, measure, createWriteStream(temporary, { flags: 'wx' }));
    const digest = md5.digest('hex');
    await writeFile(temporaryMd5, digest);
    await locks.with(uploadLock(bucket, uploadId), async () => {
      await rename(temporaryMd5, `${path}.md5`);
      await rename(temporary, path);
    });
    return { md5: digest };
  } catch (error) {
    // The upload was completed or aborted meanwhile.
    throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? noSuchUpload(uploadId) : error;
  } finally {
    await Promise.all([rm(temporary, { force: true }), rm(temporaryMd5, { force: true })]);
  }
}

interface PartRequest {
  readonly number: number;
  readonly etag: string;
}

function parseCompletion(xml: string): PartRequest[] {
  const parts = xmlElements(xmlRoot(xml, 'CompleteMultipartUpload'), 'Part').map((part) => ({
    number: partNumberOf(xmlChildText(part, 'PartNumber').trim()),
    etag: xmlChildText(part, 'ETag').trim().replace(/"/g, ''),
  }));
  if (parts.length === 0 || parts.length > MAX_PARTS) {
    throw malformedXml();
  }
  return parts;
}

/** The files of the listed parts, checked as S3 checks them: present, same ETag, ascending, big enough. */
async function checkParts(
  upload: Upload,
  uploadId: string,
  parts: readonly PartRequest[],
): Promise<string[]> {
  return Promise.all(
    parts.map(async (part, index) => {
      if (index > 0 && part.number <= (parts[index - 1]?.number ?? 0)) {
        throw s3Error(
          'InvalidPartOrder',
          'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
          { UploadId: uploadId },
        );
      }
      const path = join(upload.folder, String(part.number));
      const [md5, size] = await Promise.all([
        readFile(`${path}.md5`, 'utf8').catch(() => undefined),
        stat(path).then(
          ({ size }) => size,
          () => undefined,
        ),
      ]);
      if (md5 !== part.etag || size === undefined) {
        throw s3Error(
          'InvalidPart',
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          { UploadId: uploadId, PartNumber: part.number, ETag: part.etag },
        );
      }
      if (index < parts.length - 1 && size < MIN_PART_BYTES) {
        throw s3Error(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed object size.',
          { ProposedSize: size, MinSizeAllowed: MIN_PART_BYTES, PartNumber: part.number },
        );
      }
      return path;
    }),
  );
}

async function* concatenate(paths: readonly string[]): AsyncGenerator<Buffer> {
  for (const path of paths) {
    for await (const chunk of createReadStream(path)) {
      yield chunk as Buffer;
    }
  }
}

async function complete(
  context: S3rverContext,
  app: S3rverApp,
  locks: KeyLocks,
  bucket: string,
  key: string,
) {
  const uploadId = String(context.query.uploadId);
  const parts = parseCompletion(await readXmlBody(context.req, MAX_COMPLETE_BYTES));
  const commit = await locks.with(uploadLock(bucket, uploadId), async () => {
    const upload = await readUpload(app.store, bucket, key, uploadId);
    const paths = await checkParts(upload, uploadId, parts);
    const content = Readable.from(concatenate(paths));
    const staged = await stageObject(app.store, {
      bucket,
      key,
      content,
      metadata: upload.metadata as Record<string, string>,
    });
    const committed = await commitObject(app.store, locks, staged);
    await rm(upload.folder, { recursive: true, force: true });
    return committed;
  });
  emitEvent(app, 'ObjectCreated:CompleteMultipartUpload', bucket, key, context.ip);
  context.type = 'application/xml';
  context.body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>&quot;${commit.md5 ?? ''}&quot;</ETag>`,
    '</CompleteMultipartUploadResult>',
  ].join('');
}

async function abort(
  context: S3rverContext,
  store: S3rverStore,
  locks: KeyLocks,
  bucket: string,
  key: string,
) {
  const uploadId = String(context.query.uploadId);
  await locks.with(uploadLock(bucket, uploadId), async () => {
    const upload = await readUpload(store, bucket, key, uploadId);
    await rm(upload.folder, { recursive: true, force: true });
  });
  context.status = 204;
}

/** The mend: checks part uploads before s3rver's handler, and completes and aborts uploads itself. */
export function handleMultipartUploads(app: S3rverApp, locks: KeyLocks): S3rverMiddleware {
  app.store.putPart = (bucket, uploadId, partNumber, content) =>
    putPart(app.store, locks, bucket, uploadId, partNumberOf(partNumber), content);
  return async (context, next) => {
    const target = currentRequest()?.target;
    if (target?.key === undefined || context.query.uploadId === undefined) {
      await next();
      return;
    }
    const { bucket, key } = { bucket: target.bucket, key: target.key };
    if (context.method === 'PUT' && context.headers['x-amz-copy-source'] === undefined) {
      partNumberOf(context.query.partNumber);
      await readUpload(app.store, bucket, key, String(context.query.uploadId));
      await next();
    } else if (context.method === 'POST') {
      await complete(context, app, locks, bucket, key);
    } else if (context.method === 'DELETE') {
      await abort(context, app.store, locks, bucket, key);
    } else {
      await next();
    }
  };
}
