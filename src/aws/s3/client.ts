import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../function/config';

/**
 * The SDK finds region, credentials and any custom endpoint (AWS_ENDPOINT_URL) in the environment, as
 * everywhere else in AWS tooling; only path-style addressing needs saying, for S3-compatible servers.
 */
export function createS3Client(config: Pick<Config, 's3ForcePathStyle'>): S3Client {
  return new S3Client({ forcePathStyle: config.s3ForcePathStyle });
}

/** An ETag without the double quotes S3 wraps it in (headers, listings, events all differ on this). */
export const unquoteETag = (eTag: string | undefined): string => (eTag ?? '').replace(/^"|"$/g, '');
