import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import type { ObjectNotice } from '../events/s3Notification';
import { AwsChunkedDecoder } from './awsChunkedDecoder';
import { storeObjectsAtomically } from './atomicPut';
import { decodeKeyPath, encodeKeyPath } from './keyPath';
import { pageListingsWithoutDes } from './listingPages';
import {
  acceptAccessKey,
  appOf,
  rejectListenErrors,
  type S3rverEvent,
  type S3rverMiddleware,
  s3Error,
  useKeyPaths,
} from './s3rverInternals';
import { unquoteETag } from '../s3/unquoteETag';

useKeyPaths(encodeKeyPath, decodeKeyPath);

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface LocalS3ServerOptions {
  readonly port: number;
  readonly directory: string;
  readonly buckets: readonly string[];
  readonly credentials: readonly Credentials[];
  /** Called for every object stored or deleted, after it is stored, with what S3 would have sent. */
  readonly onNotice: (notice: ObjectNotice) => void;
  /** Called when a notice could not be built (the object vanished first); nothing else reports it. */
  readonly onNoticeError: (error: unknown) => void;
}

export interface LocalS3Server {
  readonly endpoint: string;
  readonly port: number;
  /**
   * Refuses new uploads into `bucket` (503, as S3 does when it cannot take a request) while still
   * serving everything else, and resolves once the uploads already in flight are stored and announced.
   */
  stopTakingUploads(bucket: string): Promise<void>;
  /** Closes the server and every connection to it. */
  stop(): Promise<void>;
}

export const LOCAL_HOST = '127.0.0.1';

/**
 * Makes s3rver understand `aws-chunked` bodies (what current SDKs and CLIs send for streamed uploads).
 * The body is decoded into a spool file and its trailing checksum checked before s3rver sees anything:
 * like S3, a refused upload stores nothing and leaves any earlier object under the key untouched.
 * (s3rver would store a decoding stream that failed half-way, and never notice the failure.)
 */
const decodeAwsChunked: S3rverMiddleware = async (context, next) => {
  const { headers } = context.req;
  const encodings = (headers['content-encoding'] ?? '').split(',').map((part) => part.trim());
  const streaming = String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (!encodings.includes('aws-chunked') && !streaming) {
    await next();
    return;
  }
  const trailer = headers['x-amz-trailer'];
  const spool = join(tmpdir(), `thumbnailer-upload-${randomBytes(8).toString('hex')}`);
  try {
    await pipeline(
      context.req,
      new AwsChunkedDecoder(typeof trailer === 'string' ? trailer : undefined, s3Error),
      createWriteStream(spool),
    );
    const rewritten: IncomingHttpHeaders = { ...headers, 'content-length': String((await stat(spool)).size) };
    delete rewritten['x-amz-decoded-content-length'];
    delete rewritten['content-encoding'];
    const remaining = encodings.filter((part) => part !== 'aws-chunked' && part !== '');
    if (remaining.length > 0) {
      rewritten['content-encoding'] = remaining.join(', ');
    }
    context.req.headers = rewritten;
    context.req = Object.assign(createReadStream(spool), { headers: rewritten });
    await next();
  } finally {
    await rm(spool, { force: true });
  }
};

/** Counts the writes in flight and, once asked to, refuses new uploads into one bucket. */
class UploadGate {
  private inFlight = 0;
  private closedBucket: string | undefined;
  private idle: Array<() => void> = [];

  readonly middleware: S3rverMiddleware = async (context, next) => {
    if (context.method !== 'PUT' && context.method !== 'POST') {
      await next();
      return;
    }
    const bucket = decodeURIComponent(context.path.split('/')[1] ?? '');
    if (bucket === this.closedBucket) {
      throw s3Error('ServiceUnavailable', 'The local stack is shutting down and takes no new uploads.');
    }
    this.inFlight += 1;
    try {
      await next();
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) {
        for (const resolve of this.idle.splice(0)) {
          resolve();
        }
      }
    }
  };

  close(bucket: string): Promise<void> {
    this.closedBucket = bucket;
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
}

/** S3 calls a finished multipart upload `CompleteMultipartUpload`; s3rver reports it as a `Post`. */
const requests = new AsyncLocalStorage<{ completesMultipart: boolean }>();
const tagRequest: S3rverMiddleware = (context, next) =>
  requests.run(
    { completesMultipart: context.method === 'POST' && context.query.uploadId !== undefined },
    next,
  );

let sequence = 0n;
/** S3's sequencer: a hex string that grows with each event for a key; time plus a counter serves. */
function nextSequencer(): string {
  sequence += 1n;
  return ((BigInt(Date.now()) << 20n) | (sequence & 0xfffffn)).toString(16).toUpperCase().padStart(16, '0');
}

function eventNameFor(s3rverName: string): ObjectNotice['eventName'] {
  if (s3rverName === 'ObjectCreated:Post' && requests.getStore()?.completesMultipart) {
    return 'ObjectCreated:CompleteMultipartUpload';
  }
  return s3rverName as ObjectNotice['eventName'];
}

/**
 * s3rver in-process on 127.0.0.1: path-style S3 API, objects kept in `directory` across restarts, and an
 * S3-shaped notice for every object created or removed.
 */
export async function startLocalS3Server(options: LocalS3ServerOptions): Promise<LocalS3Server> {
  for (const { accessKeyId, secretAccessKey } of options.credentials) {
    acceptAccessKey(accessKeyId, secretAccessKey);
  }
  const server = new S3rver({
    address: LOCAL_HOST,
    port: options.port,
    silent: true,
    directory: options.directory,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  const app = appOf(server);
  storeObjectsAtomically(app.store);
  const gate = new UploadGate();
  app.middleware.unshift(gate.middleware, tagRequest, decodeAwsChunked, pageListingsWithoutDes(app));

  async function notice(event: S3rverEvent['Records'][number], eventName: ObjectNotice['eventName']) {
    const bucket = event.s3.bucket.name;
    const { key } = event.s3.object;
    const sourceIp = event.requestParameters.sourceIPAddress;
    const common = { bucket, key, eventName, sourceIp, sequencer: nextSequencer() };
    if (eventName.startsWith('ObjectRemoved:')) {
      return common;
    }
    // s3rver's own event omits the ETag of copies and reports a plain MD5 for multipart uploads; the
    // stored metadata is what GetObject and HeadObject answer with, so the notice uses it.
    const metadata = await app.store.getMetadata(bucket, key);
    return {
      ...common,
      size: Number(metadata['content-length']),
      eTag: unquoteETag(metadata.etag),
    };
  }

  const building = new Set<Promise<void>>();
  app.on('event', (event) => {
    for (const record of event.Records) {
      const built = notice(record, eventNameFor(record.eventName)).then(
        options.onNotice,
        options.onNoticeError,
      );
      building.add(built);
      void built.finally(() => building.delete(built));
    }
  });

  rejectListenErrors(server);
  const { port } = await server.run();
  return {
    endpoint: `http://${LOCAL_HOST}:${port}`,
    port,
    async stopTakingUploads(bucket) {
      await gate.close(bucket);
      await Promise.all(building);
    },
    async stop() {
      app.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
