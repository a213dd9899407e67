import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type S3ObjectEvent } from '../../src/aws/events/parseS3Event';
import { type LocalS3Server, startLocalS3Server } from '../../src/tools/local/s3server/localS3Server';
import { putObject } from '../support/bucketContents';
import { SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { s3ClientFor } from '../support/s3Client';

const CREDENTIALS = { accessKeyId: 'image-tier', secretAccessKey: 'image-tier-secret' };

/**
 * The project's local S3 server (what `npm start` runs) on 127.0.0.1, as the function in a container sees
 * S3: its environment points the SDK at it. Every upload yields the notice S3 would send for it.
 */
export interface FunctionS3 {
  readonly client: S3Client;
  /** The function's S3 settings and credentials, as environment variables. */
  readonly environment: Readonly<Record<string, string>>;
  /** Uploads `body` to the source bucket and resolves with the notice the server made for it. */
  upload(key: string, body: Buffer): Promise<S3ObjectEvent>;
  stop(): Promise<void>;
}

export async function startFunctionS3(): Promise<FunctionS3> {
  const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-image-tier-s3-'));
  const waiting = new Map<string, (notice: S3ObjectEvent) => void>();
  const server: LocalS3Server = await startLocalS3Server({
    port: 0,
    directory,
    buckets: [SOURCE_BUCKET, THUMBNAIL_BUCKET],
    credentials: [CREDENTIALS],
    onNotice: (notice) => waiting.get(`${notice.bucket}/${notice.key}`)?.(notice),
    onNoticeError: (error) => {
      throw error;
    },
  });
  const client = s3ClientFor({ endpoint: server.endpoint, ...CREDENTIALS });
  return {
    client,
    environment: {
      AWS_ENDPOINT_URL: server.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      // Lambda's credentials are always temporary ones; the local server ignores the token.
      AWS_SESSION_TOKEN: 'image-tier-session',
      SOURCE_BUCKET,
      THUMBNAIL_BUCKET,
    },
    async upload(key, body) {
      const noticed = new Promise<S3ObjectEvent>((resolve) =>
        waiting.set(`${SOURCE_BUCKET}/${key}`, resolve),
      );
      await putObject(client, SOURCE_BUCKET, key, body);
      return noticed;
    },
    async stop() {
      client.destroy();
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
