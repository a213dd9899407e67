import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type Config, loadConfig } from '../../function/config';
import { WorkQueue } from '../../common/workQueue';
import { s3Notification } from '../../aws/events/s3Notification';
import { type S3ObjectEvent } from '../../aws/events/parseS3Event';
import { createS3EventHandler } from '../../function/handlers/s3Event';
import { createOnDemandRenderer } from '../../function/processor/onDemand';
import { isRemoval } from '../../function/processor/processRecord';
import type { RecordResult } from '../../function/processor/recordOutcome';
import { createObservability } from '../../aws/observability';
import { type GalleryServer, startGalleryServer } from './gallery/galleryServer';
import { type CdnServer, type OnDemandRenderer, startCdnServer } from './cdn/cdnServer';
import { loadViewerFunction } from './cdn/viewerFunction';
import { configuredDeliveryTable } from '../../core/delivery/deliveryTable';
import { GalleryState } from './gallery/galleryState';
import { type LocalS3Server, LOCAL_HOST, startLocalS3Server } from './s3server/localS3Server';
import { prepareDataDirectory } from './dataDirectory';
import type { LocalStackArguments } from './localStackArguments';
import { recordLine } from './recordLine';
import { createLocalEventLog } from './localEventLog';
import { printable } from '../../common/text';
import { unquoteETag } from '../../aws/s3/client';
import { messageOf, TransientFailureError } from '../../common/errors';
import type { DataLock } from './dataLock';
import { RejectionMemory } from './rejectionMemory';

/** What `npm start` parsed, and what the stack needs from its host. */
export interface LocalStackOptions extends LocalStackArguments {
  /** The handler's configuration variables (THUMBNAIL_*, MAX_INPUT_*, ...), as in Lambda. */
  readonly env: NodeJS.ProcessEnv;
  /** Where the stack reports, one line per thumbnail made, skipped or refused. */
  readonly print: (line: string) => void;
  /** Delays between retries of a failed event; Lambda retries an asynchronous event twice. */
  readonly retryDelaysMs?: readonly number[];
  /** What the local CDN fails over to when a rendition is missing; by default the on-demand entry point. */
  readonly renderer?: OnDemandRenderer;
}

/** Where the stack appends every event it publishes, one JSON line each: beside the data folder. */
export const eventLogPath = (dataDir: string): string => `${dataDir.replace(/\/+$/, '')}-events.jsonl`;

export interface LocalStack {
  readonly endpoint: string;
  readonly galleryUrl: string;
  /** The local CDN: the delivery stack's URL scheme over the thumbnail bucket (docs/delivery.md). */
  readonly cdnUrl: string;
  /** The JSON-lines log of every event published (what an EventBridge rule would receive). */
  readonly eventLog: string;
  readonly config: Config;
  /** Resolves when every upload seen so far has been handled. */
  idle(): Promise<void>;
  /** What a stop would wait for now: request bodies being received, and records not yet handled. */
  inProgress(): { readonly uploads: number; readonly records: number };
  /**
   * Stops taking uploads (new ones into the source bucket get a 503), finishes every one already taken,
   * then stops the servers.
   */
  stop(): Promise<void>;
}

type Handler = ReturnType<typeof createS3EventHandler>;
type Handle = (notice: S3ObjectEvent, catchingUp: boolean) => Promise<void>;

/** A port the stack could not listen on; `npm start` says which, and how to choose another, and exits 1. */
export class PortUnavailableError extends Error {
  override readonly name = 'PortUnavailableError';
}

const PORT_SETTINGS = {
  S3: { flag: '--port', env: 'LOCAL_S3_PORT' },
  gallery: { flag: '--gallery-port', env: 'LOCAL_GALLERY_PORT' },
  CDN: { flag: '--cdn-port', env: 'LOCAL_CDN_PORT' },
} as const;

/** Turns a listen error into which port, what is wrong with it, and the flag that picks another. */
async function listeningOn<T>(which: keyof typeof PORT_SETTINGS, port: number, start: () => Promise<T>) {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = {
      EADDRINUSE: `is taken (something is already listening on ${LOCAL_HOST}:${port}; another npm start?)`,
      EACCES: 'needs privileges this user lacks (ports below 1024 usually do)',
    }[String(code)];
    if (problem === undefined) {
      throw error;
    }
    const { flag, env } = PORT_SETTINGS[which];
    throw new PortUnavailableError(
      `the ${which} port ${port} ${problem}; pick another with ${flag} <port> or ${env}=<port> (0 picks a free one)`,
      { cause: error },
    );
  }
}

/** Where the gallery page's static files are: beside this module, in src/ under tests and in dist/ when built. */
const GALLERY_ASSETS = join(__dirname, 'gallery', 'static');

/** The delivery stack's viewer-request function, read from the checkout as Terraform reads it. */
const VIEWER_FUNCTION = join(
  __dirname,
  __dirname.endsWith(join('dist', 'local')) ? '../..' : '../../..',
  'terraform',
  'delivery',
  'viewer-request.js',
);

/**
 * The whole pipeline on this machine: an S3 server, the Lambda's own handler called for every object
 * created in the source bucket, with bounded concurrency, and a gallery of the results. Whatever fails on
 * the way up, nothing is left running.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const config = loadConfig({
    ...options.env,
    THUMBNAIL_BUCKET: options.thumbnailBucket,
    SOURCE_BUCKET: options.sourceBucket,
  });
  const lock = await prepareDataDirectory(options.dataDir, options.fresh);
  const uploads = new Uploads(options, await RejectionMemory.open(options.dataDir, config));
  const server = await listeningOn('S3', options.port, () => startS3Server(options, uploads)).catch(
    async (error: unknown) => {
      await lock.release();
      throw error;
    },
  );
  const [own] = options.credentials;
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: own,
  });
  let servers: Servers;
  try {
    servers = await startHandlerAndGallery(options, config, s3, uploads);
  } catch (error) {
    s3.destroy();
    await server.stop();
    await lock.release();
    throw error;
  }
  return running({ options, config, server, s3, ...servers, uploads, lock });
}

/** The servers started once the S3 server listens. */
interface Servers {
  readonly gallery: GalleryServer;
  readonly cdn: CdnServer;
}

interface Parts {
  readonly options: LocalStackOptions;
  readonly config: Config;
  readonly server: LocalS3Server;
  readonly s3: S3Client;
  readonly gallery: GalleryServer;
  readonly cdn: CdnServer;
  readonly uploads: Uploads;
  readonly lock: DataLock;
}

function running({ options, config, server, s3, gallery, cdn, uploads, lock }: Parts): LocalStack {
  return {
    endpoint: server.endpoint,
    galleryUrl: gallery.url,
    cdnUrl: cdn.url,
    eventLog: eventLogPath(options.dataDir),
    config,
    idle: () => uploads.queue.onIdle(),
    inProgress: () => ({
      uploads: server.uploadsInFlight(),
      records: uploads.queue.pending + uploads.queue.active,
    }),
    async stop() {
      // In this order: the handler still needs the S3 server to finish the uploads already taken.
      await server.stopTakingUploads(options.sourceBucket);
      await uploads.queue.onIdle();
      await gallery.stop();
      await cdn.stop();
      s3.destroy();
      await server.stop();
      await uploads.memory.flushed();
      await lock.release();
    },
  };
}

/** What runs once the S3 server listens: the handler, the CDN, the gallery, and catching up. */
async function startHandlerAndGallery(
  options: LocalStackOptions,
  config: Config,
  s3: S3Client,
  uploads: Uploads,
): Promise<Servers> {
  const publisher = createLocalEventLog(eventLogPath(options.dataDir), (event) => {
    uploads.gallery.published(event);
  });
  const dependencies = { ...createObservability(options.env), s3, config, publisher };
  const handler = createS3EventHandler(dependencies);
  uploads.handleWith((notice, catchingUp) => deliver(handler, notice, catchingUp, options, uploads));
  // A miss at the CDN goes to the function's own on-demand entry point, as CloudFront's origin group does.
  const renderer = options.renderer ?? createOnDemandRenderer(dependencies);
  const cdn = await listeningOn('CDN', options.cdnPort, () => startCdn(options, config, s3, renderer));
  const gallery = await listeningOn('gallery', options.galleryPort, () =>
    startGallery(options, config, s3, uploads, cdn.url),
  ).catch(async (error: unknown) => {
    await cdn.stop();
    throw error;
  });
  try {
    await catchUp(s3, options.sourceBucket, (notice) => {
      // Rejected before, as it is now: shown in the gallery as such, not decoded and reported again.
      const rejected = uploads.memory.recall(notice.key, notice.eTag);
      if (rejected) {
        uploads.gallery.settled(rejected, notice.size);
      } else {
        uploads.enqueue(notice, true);
      }
    });
    return { gallery, cdn };
  } catch (error) {
    await gallery.stop();
    await cdn.stop();
    throw error;
  }
}

/**
 * Uploads waiting for the handler, with bounded concurrency. They can arrive as soon as the S3 server
 * listens, before the handler (which needs the server's address) exists: queued work waits for it
 * rather than being dropped.
 */
class Uploads {
  readonly gallery = new GalleryState();
  readonly queue: WorkQueue;
  private ready: (handle: Handle) => void = () => undefined;
  private readonly handle = new Promise<Handle>((resolve) => {
    this.ready = resolve;
  });

  constructor(
    options: LocalStackOptions,
    readonly memory: RejectionMemory,
  ) {
    this.queue = new WorkQueue(options.concurrency, (error) => {
      options.print(`error    ${messageOf(error)}`);
    });
  }

  handleWith(handle: Handle): void {
    this.ready(handle);
  }

  enqueue(notice: S3ObjectEvent, catchingUp: boolean): void {
    // A removal shows nothing new until handled: then its card goes (or stays, when a newer upload stands).
    if (!isRemoval(notice.eventName)) {
      this.gallery.processing(notice.key, notice.size);
    }
    this.queue.add(async () => (await this.handle)(notice, catchingUp));
  }
}

function startS3Server(options: LocalStackOptions, uploads: Uploads): Promise<LocalS3Server> {
  return startLocalS3Server({
    port: options.port,
    directory: options.dataDir,
    buckets: [options.sourceBucket, options.thumbnailBucket],
    credentials: options.credentials,
    onNotice: (notice) => {
      if (notice.bucket !== options.sourceBucket) {
        return;
      }
      // Removals go to the handler too, as S3 sends them to Lambda: thumbnails follow their original.
      uploads.enqueue(notice, false);
    },
    onNoticeError: (error) => {
      options.print(`error    could not read an uploaded object back: ${String(error)}`);
    },
  });
}

/** The local CDN, running the delivery stack's own viewer function with this configuration's table. */
async function startCdn(
  options: LocalStackOptions,
  config: Config,
  s3: S3Client,
  renderer: OnDemandRenderer,
): Promise<CdnServer> {
  const viewer = await loadViewerFunction(VIEWER_FUNCTION, configuredDeliveryTable(config));
  return startCdnServer({
    port: options.cdnPort,
    viewer,
    s3,
    thumbnailBucket: options.thumbnailBucket,
    renderer,
    onError: (error) => {
      options.print(`error    cdn: ${printable(messageOf(error))}`);
    },
  });
}

function startGallery(
  options: LocalStackOptions,
  config: Config,
  s3: S3Client,
  uploads: Uploads,
  cdnUrl: string,
): Promise<GalleryServer> {
  return startGalleryServer({
    port: options.galleryPort,
    state: uploads.gallery,
    s3,
    sourceBucket: options.sourceBucket,
    thumbnailBucket: options.thumbnailBucket,
    thumbnailPrefix: config.thumbnailPrefix,
    cdnUrl,
    assetsDirectory: GALLERY_ASSETS,
    onError: (error) => {
      options.print(`error    gallery: ${printable(messageOf(error))}`);
    },
  });
}

/**
 * Uploads that arrived while the stack was down (or were still queued when it was killed) get their
 * thumbnails now; for the rest the handler finds the thumbnail current and skips it cheaply.
 */
async function catchUp(
  s3: S3Client,
  bucket: string,
  enqueue: (notice: S3ObjectEvent) => void,
): Promise<void> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) {
        const eTag = object.ETag === undefined ? undefined : unquoteETag(object.ETag);
        enqueue({ bucket, key: object.Key, size: object.Size, eTag, eventName: 'ObjectCreated:Put' });
      }
    }
    token = page.NextContinuationToken;
  } while (token);
}

/** Hands one notice to the handler as Lambda would, retrying a failed event as Lambda would. */
async function deliver(
  handler: Handler,
  notice: S3ObjectEvent,
  catchingUp: boolean,
  options: LocalStackOptions,
  uploads: Uploads,
): Promise<void> {
  const event = s3Notification([notice]);
  const delays = options.retryDelaysMs ?? [1000, 2000];
  const attempts = delays.length + 1;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const { records } = await handler(event);
      for (const record of records) {
        report(record, catchingUp, options);
        showInGallery(uploads.gallery, notice, record);
        uploads.memory.note(record, notice.eTag);
      }
      return;
    } catch (error) {
      const delay = delays[attempt];
      const cause = printable(causeOf(error));
      const where = `${options.sourceBucket}/${printable(notice.key)}`;
      const tried = `attempt ${attempt + 1} of ${attempts} failed: ${cause}`;
      if (delay === undefined) {
        const failed: RecordResult = { key: notice.key, status: 'failed', durationMs: 0, detail: cause };
        options.print(`failed   ${where}: ${tried}; gave up (Lambda would send it to the dead-letter queue)`);
        uploads.gallery.settled(failed, notice.size);
        return;
      }
      options.print(`retry    ${where}: ${tried}; trying again in ${delay} ms`);
      await sleep(delay);
    }
  }
}

/** A deleted original's card goes; a removal that changed nothing leaves the card as it was. */
function showInGallery(gallery: GalleryState, notice: S3ObjectEvent, record: RecordResult): void {
  if (record.status === 'deleted') {
    gallery.remove(record.key);
  } else if (!isRemoval(notice.eventName) || record.status !== 'skipped') {
    gallery.settled(record, notice.size);
  }
}

/** Why the handler failed: each failed record's own error, rather than the summary Lambda gets. */
function causeOf(error: unknown): string {
  if (error instanceof TransientFailureError && error.failures.length > 0) {
    return error.failures.map((failure) => failure.detail).join('; ');
  }
  return messageOf(error);
}

function report(record: RecordResult, catchingUp: boolean, options: LocalStackOptions): void {
  // Catching up after a restart finds most thumbnails current; listing each would drown the news.
  if (catchingUp && record.reason === 'already-current') {
    return;
  }
  options.print(recordLine(record, options.sourceBucket, options.thumbnailBucket));
}
