import type { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { stampFromMetadata } from './thumbnailStamp';
import { unquoteETag } from './client';
import { httpStatusOf } from '../../common/errors';

export interface SourceRef {
  readonly bucket: string;
  readonly key: string;
  /** When given, only this version of the content is downloaded. */
  readonly eTag?: string | undefined;
}

export type SourceDownload =
  | { readonly kind: 'downloaded'; readonly body: Buffer; readonly eTag: string }
  /** Deleted (or never readable) since the event was sent. */
  | { readonly kind: 'gone' }
  /** Overwritten since the event was sent; the newer object's own event will make its thumbnail. */
  | { readonly kind: 'superseded' }
  | { readonly kind: 'too-large'; readonly bytes: number }
  /** Carries our thumbnail stamp: our own output, written into a bucket we also read from. */
  | { readonly kind: 'is-thumbnail' };

/** Reads a stream into one buffer, or stops early and returns undefined once it passes `maxBytes`. */
async function readAtMost(stream: Readable, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

async function getObject(
  s3: S3Client,
  source: SourceRef,
): Promise<GetObjectCommandOutput | 'gone' | 'superseded'> {
  try {
    return await s3.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        IfMatch: source.eTag === undefined ? undefined : `"${source.eTag}"`,
      }),
    );
  } catch (error) {
    // 403 is deliberately not here: it is also what a real denial looks like, so it is retried (and
    // dead-lettered) rather than dropped. Grant s3:ListBucket to get a 404 for deleted objects.
    const status = httpStatusOf(error);
    if (status === 404) {
      return 'gone';
    }
    if (status === 412) {
      return 'superseded';
    }
    throw error;
  }
}

/**
 * Downloads a source object, refusing it before reading its body when it is too large or is one of our
 * own thumbnails. The byte limit is enforced on the stream too, whatever the headers claim.
 */
export async function downloadSource(
  s3: S3Client,
  source: SourceRef,
  maxBytes: number,
): Promise<SourceDownload> {
  const response = await getObject(s3, source);
  if (response === 'gone' || response === 'superseded') {
    return { kind: response };
  }
  const stream = response.Body as Readable;
  const declaredBytes = response.ContentLength ?? 0;
  if (stampFromMetadata(response.Metadata) !== undefined) {
    stream.destroy();
    return { kind: 'is-thumbnail' };
  }
  if (declaredBytes > maxBytes) {
    stream.destroy();
    return { kind: 'too-large', bytes: declaredBytes };
  }
  const body = await readAtMost(stream, maxBytes);
  if (body === undefined) {
    return { kind: 'too-large', bytes: declaredBytes };
  }
  return { kind: 'downloaded', body, eTag: unquoteETag(response.ETag) };
}
