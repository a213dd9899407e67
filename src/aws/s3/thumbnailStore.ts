import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { stampFromMetadata, stampToMetadata, type ThumbnailStamp } from './thumbnailStamp';
import { httpStatusOf } from '../../common/errors';

export interface ThumbnailLocation {
  readonly bucket: string;
  readonly key: string;
}

/** What a HEAD tells of an object we stored: its stamp, and what a manifest lists of it. */
export interface StoredObject {
  readonly stamp: ThumbnailStamp;
  readonly bytes: number;
  readonly contentType: string;
}

/** The stamp of the thumbnail already stored at `location`, or undefined when there is none. */
export async function readStoredStamp(
  s3: S3Client,
  location: ThumbnailLocation,
): Promise<ThumbnailStamp | undefined> {
  return (await readStored(s3, location))?.stamp;
}

/** Our object at `location` (a rendition, a manifest), or undefined when there is none of ours. */
export async function readStored(
  s3: S3Client,
  location: ThumbnailLocation,
): Promise<StoredObject | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    const stamp = stampFromMetadata(head.Metadata);
    return stamp && { stamp, bytes: head.ContentLength ?? 0, contentType: head.ContentType ?? '' };
  } catch (error) {
    // Without s3:ListBucket, S3 answers 403 rather than 404 for a missing key. Either way there is no
    // thumbnail we may rely on; if writing is really denied, the PutObject that follows says so.
    const status = httpStatusOf(error);
    if (status === 404 || status === 403) {
      return undefined;
    }
    throw error;
  }
}

/** What is stored: a rendition's bytes, or a manifest's. */
export interface StoredBody {
  readonly data: Buffer;
  readonly contentType: string;
}

/**
 * Stores a thumbnail in one PutObject: S3 makes it visible whole or not at all, and the SDK's checksum
 * lets S3 reject a body damaged in transit. Never touches the source object.
 */
export async function writeThumbnail(
  s3: S3Client,
  location: ThumbnailLocation,
  thumbnail: StoredBody,
  stamp: ThumbnailStamp,
  cacheControl: string,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      Body: thumbnail.data,
      ContentLength: thumbnail.data.length,
      ContentType: thumbnail.contentType,
      CacheControl: cacheControl,
      Metadata: stampToMetadata(stamp),
    }),
  );
}

/** A stored object as a response serves it: bytes and the headers S3 would send with them. */
export interface ServedObject {
  /** Undefined when the object is larger than the reader asked for: its body was not read. */
  readonly data: Buffer | undefined;
  readonly bytes: number;
  readonly contentType: string;
  readonly cacheControl: string | undefined;
  readonly eTag: string | undefined;
  readonly lastModified: Date | undefined;
}

/**
 * The bytes and headers of one of our objects at `location`, or undefined when there is none of ours (no
 * object, or one without our stamp: never served as a rendition). A body over `maxBytes` is not read.
 * A 403 is read as missing, as for a stamp.
 */
export async function readServedObject(
  s3: S3Client,
  location: ThumbnailLocation,
  maxBytes: number,
): Promise<ServedObject | undefined> {
  const answer = await getOrMissing(s3, location);
  if (answer === undefined) return undefined;
  const ours = stampFromMetadata(answer.Metadata) !== undefined;
  if (!ours || (answer.ContentLength ?? 0) > maxBytes) {
    (answer.Body as Readable | undefined)?.destroy();
    return ours ? servedHeaders(answer, undefined) : undefined;
  }
  return servedHeaders(answer, Buffer.from((await answer.Body?.transformToByteArray()) ?? []));
}

async function getOrMissing(s3: S3Client, location: ThumbnailLocation) {
  try {
    return await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 404 || status === 403) {
      return undefined;
    }
    throw error;
  }
}

function servedHeaders(answer: GetObjectCommandOutput, data: Buffer | undefined): ServedObject {
  return {
    data,
    bytes: data?.length ?? answer.ContentLength ?? 0,
    contentType: answer.ContentType ?? 'application/octet-stream',
    cacheControl: answer.CacheControl,
    eTag: answer.ETag,
    lastModified: answer.LastModified,
  };
}
