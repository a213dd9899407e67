import { join } from 'node:path';
import S3rver from 's3rver';
import { type S3ObjectEvent } from '../../../aws/events/parseS3Event';
import { unquoteETag } from '../../../aws/s3/client';
import { storeObjectsAtomically } from './atomicPut';
import { authenticate } from './authentication';
import { KeyLocks } from './keyLocks';
import { decodeKeyPath, encodeKeyPath } from './keyPath';
import { routeKeys } from './keyRouting';
import { refuseConnect } from '../refuseConnect';
import { answerStalledRequests } from '../stalledRequests';
import { pageListingsWithoutDes } from './listingPages';
import { refuseUnknownMethods, S3_METHODS } from './methodCheck';
import { listInKeyOrder } from './listingWalk';
import { handleMultipartUploads } from './multipartUploads';
import { copyObjectsWhole, normalizeCopySource } from './objectCopy';
import { handleDeleteObjects } from './objectDeletes';
import { readVersionsWhole, serveObjectReads } from './objectReads';
import { receiveBodies } from './requestBodies';
import { commitOf, currentRequest, nextSequencer, trackRequests } from './requestState';
import {
  acceptAccessKey,
  appOf,
  rejectListenErrors,
  type S3rverApp,
  type S3rverEventRecord,
  type S3rverMiddleware,
  s3Error,
  useKeyPaths,
} from './s3rverInternals';
import { hideSpoolFolder, SPOOL_FOLDER } from './spool';
import { type Recovery, recoverStore } from './storeRecovery';
import { noteWriteConditions } from './writeConditions';

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
  readonly onNotice: (notice: S3ObjectEvent) => void;
  /** Called when `onNotice` threw; nothing else reports it. */
  readonly onNoticeError: (error: unknown) => void;
}

export interface LocalS3Server {
  readonly endpoint: string;
  readonly port: number;
  /** What the start found left by a killed process and put in order. */
  readonly recovered: Recovery;
  /**
   * Refuses new uploads into `bucket` (503, as S3 does when it cannot take a request) while still
   * serving everything else, and resolves once the uploads already in flight are stored and announced.
   */
  stopTakingUploads(bucket: string): Promise<void>;
  /** Writes (PUT and POST requests) being received or stored now. */
  uploadsInFlight(): number;
  /** Closes the server and every connection to it. */
  stop(): Promise<void>;
}

export const LOCAL_HOST = '127.0.0.1';

/** Counts the writes in flight and, once asked to, refuses new uploads into one bucket. */
class UploadGate {
  inFlight = 0;
  private closedBucket: string | undefined;
  private idle: Array<() => void> = [];

  readonly middleware: S3rverMiddleware = async (context, next) => {
    if (context.method !== 'PUT' && context.method !== 'POST') {
      await next();
      return;
    }
    if (currentRequest()?.target?.bucket === this.closedBucket) {
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

function eventNameFor(s3rverName: string): S3ObjectEvent['eventName'] {
  if (s3rverName === 'ObjectCreated:Post' && currentRequest()?.completesMultipart) {
    return 'ObjectCreated:CompleteMultipartUpload';
  }
  return s3rverName;
}

/**
 * What S3 would send for one of s3rver's events. The size, ETag and sequencer are those of the version
 * this very request committed (s3rver's own event omits the ETag of copies and reports a plain MD5 for
 * multipart uploads; reading them back from the store, as before, gave a later writer's, or failed).
 */
function noticeOf(record: S3rverEventRecord): S3ObjectEvent {
  const bucket = record.s3.bucket.name;
  const { key } = record.s3.object;
  const eventName = eventNameFor(record.eventName);
  const commit = commitOf(bucket, key);
  const sourceIp = record.requestParameters.sourceIPAddress;
  const common = { bucket, key, eventName, sourceIp, sequencer: commit?.sequencer ?? nextSequencer() };
  if (eventName.startsWith('ObjectRemoved:')) {
    return common;
  }
  return {
    ...common,
    size: commit?.size ?? record.s3.object.size,
    eTag:
      commit?.md5 ?? (record.s3.object.eTag === undefined ? undefined : unquoteETag(record.s3.object.eTag)),
  };
}

/** Every mend of s3rver's store: whole versions, written, read, copied and listed consistently. */
function mendStore(app: S3rverApp, locks: KeyLocks): void {
  storeObjectsAtomically(app.store, locks);
  readVersionsWhole(app.store, locks);
  copyObjectsWhole(app.store, locks);
  listInKeyOrder(app.store);
  hideSpoolFolder(app.store);
}

/** The request mends, outermost first; all run before s3rver's own middleware. */
function mendRequests(app: S3rverApp, locks: KeyLocks, options: LocalS3ServerOptions, gate: UploadGate) {
  const spoolFolder = join(options.directory, SPOOL_FOLDER);
  const secrets = new Map(options.credentials.map((pair) => [pair.accessKeyId, pair.secretAccessKey]));
  app.middleware.unshift(
    trackRequests,
    routeKeys,
    refuseUnknownMethods,
    authenticate({ secrets, spoolFolder }),
    gate.middleware,
    receiveBodies(spoolFolder),
    noteWriteConditions,
    serveObjectReads(app.store, locks),
    handleDeleteObjects(app, locks),
    handleMultipartUploads(app, locks),
    normalizeCopySource,
    pageListingsWithoutDes(app),
  );
}

/**
 * s3rver in-process on 127.0.0.1: path-style S3 API for the configured key pairs only, objects kept in
 * `directory` across restarts (put in order at start), and an S3-shaped notice for every object created
 * or removed. Each mend says what of s3rver it replaces, and why.
 */
export async function startLocalS3Server(options: LocalS3ServerOptions): Promise<LocalS3Server> {
  for (const { accessKeyId, secretAccessKey } of options.credentials) {
    acceptAccessKey(accessKeyId, secretAccessKey);
  }
  const recovered = await recoverStore(options.directory);
  const server = new S3rver({
    address: LOCAL_HOST,
    port: options.port,
    silent: true,
    directory: options.directory,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
    // The mends verify signatures; s3rver's own check knows SigV2 only, and less well.
    allowMismatchedSignatures: true,
    // Path-style only: a Host header never picks the bucket (nor reaches it, being signed).
    vhostBuckets: false,
  });
  const app = appOf(server);
  const locks = new KeyLocks();
  const gate = new UploadGate();
  mendStore(app, locks);
  mendRequests(app, locks, options, gate);
  app.on('event', (event) => {
    for (const record of event.Records) {
      try {
        options.onNotice(noticeOf(record));
      } catch (error) {
        options.onNoticeError(error);
      }
    }
  });

  rejectListenErrors(server);
  const { port } = await server.run();
  if (app.httpServer) {
    refuseConnect(app.httpServer, S3_METHODS.join(', '));
    answerStalledRequests(app.httpServer);
  }
  return {
    endpoint: `http://${LOCAL_HOST}:${port}`,
    port,
    recovered,
    stopTakingUploads: (bucket) => gate.close(bucket),
    uploadsInFlight: () => gate.inFlight,
    async stop() {
      app.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
