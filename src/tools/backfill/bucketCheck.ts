import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorName, httpStatusOf } from '../../common/errors';
import { BackfillError } from './backfillError';

/**
 * HEADs the thumbnail bucket before anything is listed or made: a missing or unreadable one would
 * otherwise fail every task (or the job's manifest upload) only after the count and the cost estimate.
 * Exits 2, as a setup problem: nothing ran.
 */
export async function requireThumbnailBucket(s3: S3Client, bucket: string, where: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const status = httpStatusOf(error);
    const missing = status === 404 || errorName(error) === 'NoSuchBucket' || errorName(error) === 'NotFound';
    if (!missing && status !== 403) {
      // No answer about the bucket (a server down, a network error): the caller's own failure says so.
      throw error;
    }
    const problem = missing
      ? `the thumbnail bucket ${bucket} does not exist at ${where}`
      : `the thumbnail bucket ${bucket} at ${where} is not accessible with these credentials (403)`;
    const hint = missing
      ? "check --thumbnail-bucket (or the function's THUMBNAIL_BUCKET), or create the bucket"
      : 'check the credentials, and that they may s3:ListBucket the thumbnail bucket';
    throw new BackfillError(`${problem}: nothing was run`, hint, 2);
  }
}
