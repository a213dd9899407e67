import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { unquoteETag } from './client';
import { stampFor, stampFromMetadata } from './thumbnailStamp';
import { httpStatusOf } from '../../common/errors';

/** What the source key holds right now, read with one HEAD. */
export type SourceState =
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'present';
      readonly eTag: string;
      readonly versionId?: string | undefined;
      readonly size?: number | undefined;
    };

/**
 * The current state of a source key. 404 (no object, or a delete marker on top) is `absent`. A 403 is
 * thrown, not read as absent: it is also what a real denial looks like, and S3 answers 403 for a missing
 * key when the role lacks s3:ListBucket, so treating it as a delete would remove thumbnails of live images.
 */
export async function headSource(s3: S3Client, bucket: string, key: string): Promise<SourceState> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      kind: 'present',
      eTag: unquoteETag(head.ETag),
      versionId: head.VersionId ?? undefined,
      size: head.ContentLength,
    };
  } catch (error) {
    if (httpStatusOf(error) === 404) {
      return { kind: 'absent' };
    }
    throw error;
  }
}

/** Whether the object at `key` carries the stamp of `sourceKey` (any ETag, any settings). */
async function isDerivativeOf(s3: S3Client, bucket: string, key: string, sourceKey: string) {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return stampFromMetadata(head.Metadata)?.sourceKey === stampFor(sourceKey, '', '').sourceKey;
  } catch (error) {
    // As for reading a stamp: without s3:ListBucket on the thumbnail bucket a missing key is a 403.
    const status = httpStatusOf(error);
    if (status === 404 || status === 403) {
      return false;
    }
    throw error;
  }
}

/**
 * Deletes every object among `keys` that is a derivative of `sourceKey` (its stamp says so), and returns
 * the keys it deleted. An object without that stamp is never touched, whatever its key. Deleting a key
 * that is already gone succeeds in S3, so a repeated call is harmless.
 */
export async function removeDerivatives(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
  sourceKey: string,
): Promise<string[]> {
  const found = await Promise.all(keys.map((key) => isDerivativeOf(s3, bucket, key, sourceKey)));
  const doomed = keys.filter((_, index) => found[index]);
  await Promise.all(doomed.map((key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
  return doomed;
}

/** The bytes of one of our own derivatives, or undefined when it is gone. */
export async function readDerivative(s3: S3Client, bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await (answer.Body?.transformToByteArray() ?? new Uint8Array()));
  } catch (error) {
    if (httpStatusOf(error) === 404) {
      return undefined;
    }
    throw error;
  }
}
