import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../function/config';

/**
 * The SDK finds region, credentials and any custom endpoint (AWS_ENDPOINT_URL) in the environment, as
 * everywhere else in AWS tooling; only path-style addressing needs saying, for S3-compatible servers.
 */
export function createS3Client(config: Pick<Config, 's3ForcePathStyle'>): S3Client {
  return new S3Client({ forcePathStyle: config.s3ForcePathStyle });
}
