import { S3Client } from '@aws-sdk/client-s3';

export interface S3Endpoint {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * An SDK client for a local S3-compatible server. `maxAttempts` is lowered by fault tests so that an
 * injected fault outlasts the SDK's retries quickly.
 */
export function s3ClientFor(server: S3Endpoint, maxAttempts = 3): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    maxAttempts,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}
