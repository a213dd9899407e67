import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type S3ObjectEvent } from '../../src/aws/events/parseS3Event';
import { type LocalS3Server, startLocalS3Server } from '../../src/tools/local/s3server/localS3Server';
import { type S3Endpoint, s3ClientFor } from './s3Client';

export interface TestS3 {
  readonly server: LocalS3Server;
  readonly directory: string;
  readonly endpoint: S3Endpoint;
  readonly s3: S3Client;
  /** Every notice the server has sent so far. */
  readonly notices: S3ObjectEvent[];
  /** Every error reported instead of a notice (there should be none). */
  readonly noticeErrors: unknown[];
  stop(): Promise<void>;
}

/** The local S3 server in this process over a fresh folder, with `buckets`, key pair test/test. */
export async function startTestS3(buckets: readonly string[] = ['uploads', 'other']): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-test-s3-'));
  const notices: S3ObjectEvent[] = [];
  const noticeErrors: unknown[] = [];
  const server = await startLocalS3Server({
    port: 0,
    directory,
    buckets,
    credentials: [{ accessKeyId: 'test', secretAccessKey: 'test' }],
    onNotice: (notice) => notices.push(notice),
    onNoticeError: (error) => noticeErrors.push(error),
  });
  const endpoint = { endpoint: server.endpoint, accessKeyId: 'test', secretAccessKey: 'test' };
  const s3 = s3ClientFor(endpoint);
  return {
    server,
    directory,
    endpoint,
    s3,
    notices,
    noticeErrors,
    async stop() {
      s3.destroy();
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
