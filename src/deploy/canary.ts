import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { httpStatusOf } from '../s3/httpStatusOf';
import { awsCall } from './deployError';
import { unquoteETag } from '../s3/unquoteETag';

/** The image every smoke test thumbnails: it stays in the source bucket between deploys. */
export interface CanaryObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Without quotes. */
  readonly eTag: string;
}

/** Under the source prefix, where the function may read, and apart from anything users upload. */
export const canaryKeyFor = (sourcePrefix: string): string => `${sourcePrefix}thumbnailer-canary/canary.jpg`;

async function headCanary(s3: S3Client, bucket: string, key: string): Promise<CanaryObject | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { bucket, key, size: head.ContentLength ?? 0, eTag: unquoteETag(head.ETag) };
  } catch (error) {
    // Without s3:ListBucket, S3 answers 403 for a missing key: either way, try to upload it.
    const status = httpStatusOf(error);
    if (status === 404 || status === 403) {
      return undefined;
    }
    throw error;
  }
}

/** The canary in the source bucket, uploaded first when it is not there. */
export async function ensureCanary(
  s3: S3Client,
  bucket: string,
  key: string,
  readImage: () => Promise<Buffer>,
): Promise<CanaryObject & { readonly uploaded: boolean }> {
  const existing = await headCanary(s3, bucket, key);
  if (existing !== undefined && existing.size > 0) {
    return { ...existing, uploaded: false };
  }
  const body = await readImage();
  const put = await awsCall(
    {
      doing: `uploading the canary to s3://${bucket}/${key}`,
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${bucket}/${key}`,
    },
    () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'image/jpeg' })),
  );
  return { bucket, key, size: body.length, eTag: unquoteETag(put.ETag), uploaded: true };
}
