import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3Endpoint } from './s3Client';

export interface RunningS3rver extends S3Endpoint {
  stop(): Promise<void>;
}

/**
 * An in-process S3 server on 127.0.0.1 and a free port, with `buckets` created, over a fresh folder that
 * is deleted on stop, or over `existing` (say, the local stack's data), which is left as it was.
 */
export async function startS3rver(buckets: readonly string[], existing?: string): Promise<RunningS3rver> {
  const directory = existing ?? (await mkdtemp(join(tmpdir(), 'thumbnailer-s3rver-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // s3rver's one built-in key pair.
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      await server.close();
      if (existing === undefined) {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
