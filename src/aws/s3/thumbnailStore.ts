import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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
