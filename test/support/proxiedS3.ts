import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Credentials,
  type LocalS3Server,
  startLocalS3Server,
} from '../../src/tools/local/s3server/localS3Server';
import { type FaultProxy, startFaultProxy } from './faultProxy';

export interface ProxiedS3 {
  /** The S3 server itself, for setting up and checking without faults. */
  readonly server: LocalS3Server;
  /** The fault-injecting proxy in front of it, for the code under test. */
  readonly proxy: FaultProxy;
  stop(): Promise<void>;
}

/**
 * The local stack's S3 server (objects appear whole, by rename) with `uploads` and `thumbnails` buckets,
 * over a fresh folder, behind a fault-injecting proxy; both on 127.0.0.1 and free ports.
 */
export async function startProxiedS3(credentials: Credentials): Promise<ProxiedS3> {
  const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-proxied-s3-'));
  const server = await startLocalS3Server({
    port: 0,
    directory,
    buckets: ['uploads', 'thumbnails'],
    credentials: [credentials],
    onNotice: () => undefined,
    onNoticeError: () => undefined,
  });
  const proxy = await startFaultProxy(server.endpoint);
  return {
    server,
    proxy,
    async stop() {
      await proxy.stop();
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
