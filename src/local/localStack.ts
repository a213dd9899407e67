import { mkdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type Config, loadConfig } from '../config';
import { WorkQueue } from '../concurrency/workQueue';
import { type ObjectNotice, s3Notification } from '../events/s3Notification';
import { createHandler, type RecordSummary } from '../handler/createHandler';
import { createObservability } from '../observability';
import { type GalleryServer, startGalleryServer } from './gallery/galleryServer';
import { GalleryState } from './gallery/galleryState';
import { type LocalS3Server, startLocalS3Server } from './localS3Server';
import type { LocalStackArguments } from './localStackArguments';
import { printable, recordLine } from './recordLine';
import { unquoteETag } from '../s3/unquoteETag';

/** What `npm start` parsed, and what the stack needs from its host. */
export interface LocalStackOptions extends LocalStackArguments {
  /** The handler's configuration variables (THUMBNAIL_*, MAX_INPUT_*, ...), as in Lambda. */
  readonly env: NodeJS.ProcessEnv;
  /** Where the stack reports, one line per thumbnail made, skipped or refused. */
  readonly print: (line: string) => void;
  /** Delays between retries of a failed event; Lambda retries an asynchronous event twice. */
  readonly retryDelaysMs?: readonly number[];
}

export interface LocalStack {
  readonly endpoint: string;
  readonly galleryUrl: string;
  readonly config: Config;
  /** Resolves when every upload seen so far has been handled. */
  idle(): Promise<void>;
  /**
   * Stops taking uploads (new ones into the source bucket get a 503), finishes every one already taken,
   * then stops the servers.
   */
  stop(): Promise<void>;
}

type Handler = ReturnType<typeof createHandler>;
type Handle = (notice: ObjectNotice, catchingUp: boolean) => Promise<void>;

/**
 * The whole pipeline on this machine: an S3 server, the Lambda's own handler called for every object
 * created in the source bucket, with bounded concurrency, and a gallery of the results.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const config = loadConfig({
    ...options.env,
    THUMBNAIL_BUCKET: options.thumbnailBucket,
    SOURCE_BUCKET: options.sourceBucket,
  });
  if (options.fresh) {
    await rm(options.dataDir, { recursive: true, force: true });
  }
  await mkdir(options.dataDir, { recursive: true });

  const gallery = new GalleryState();
  const queue = new WorkQueue(options.concurrency, (error) => {
    options.print(`error    ${error instanceof Error ? error.message : String(error)}`);
  });
  // Uploads can arrive as soon as the server listens, before the handler (which needs the server's
  // address) exists: queued work waits for it rather than being dropped.
  let handlerReady: (handle: Handle) => void = () => undefined;
  const handle = new Promise<Handle>((resolve) => {
    handlerReady = resolve;
  });
  const enqueue = (notice: ObjectNotice, catchingUp: boolean) => {
    gallery.processing(notice.key, notice.size);
    queue.add(async () => (await handle)(notice, catchingUp));
  };

  const server: LocalS3Server = await startLocalS3Server({
    port: options.port,
    directory: options.dataDir,
    buckets: [options.sourceBucket, options.thumbnailBucket],
    credentials: options.credentials,
    onNotice: (notice) => {
      if (notice.bucket !== options.sourceBucket) {
        return;
      }
      if (notice.eventName.startsWith('ObjectRemoved:')) {
        gallery.remove(notice.key);
        return;
      }
      enqueue(notice, false);
    },
    onNoticeError: (error) => {
      options.print(`error    could not read an uploaded object back: ${String(error)}`);
    },
  });

  const [own] = options.credentials;
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: own,
  });
  const handler = createHandler({ ...createObservability(options.env), s3, config });
  handlerReady((notice, catchingUp) => deliver(handler, notice, catchingUp, options, gallery));

  const galleryServer: GalleryServer = await startGalleryServer({
    port: options.galleryPort,
    state: gallery,
    s3,
    sourceBucket: options.sourceBucket,
    thumbnailBucket: options.thumbnailBucket,
  });

  await catchUp(s3, options.sourceBucket, (notice) => {
    enqueue(notice, true);
  });

  return {
    endpoint: server.endpoint,
    galleryUrl: galleryServer.url,
    config,
    idle: () => queue.onIdle(),
    async stop() {
      // In this order: the handler still needs the S3 server to finish the uploads already taken.
      await server.stopTakingUploads(options.sourceBucket);
      await queue.onIdle();
      await galleryServer.stop();
      s3.destroy();
      await server.stop();
    },
  };
}

/**
 * Uploads that arrived while the stack was down (or were still queued when it was killed) get their
 * thumbnails now; for the rest the handler finds the thumbnail current and skips it cheaply.
 */
async function catchUp(s3: S3Client, bucket: string, enqueue: (notice: ObjectNotice) => void): Promise<void> {
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
  notice: ObjectNotice,
  catchingUp: boolean,
  options: LocalStackOptions,
  gallery: GalleryState,
): Promise<void> {
  const event = s3Notification([notice]);
  const delays = options.retryDelaysMs ?? [1000, 2000];
  for (let attempt = 0; ; attempt += 1) {
    try {
      const { records } = await handler(event);
      for (const record of records) {
        report(record, catchingUp, options);
        gallery.settled(record, notice.size);
      }
      return;
    } catch (error) {
      const delay = delays[attempt];
      const message = error instanceof Error ? error.message : String(error);
      const where = `${options.sourceBucket}/${printable(notice.key)}`;
      if (delay === undefined) {
        const failed: RecordSummary = { key: notice.key, status: 'failed', durationMs: 0, detail: message };
        options.print(`failed   ${where}: ${printable(message)} (gave up; Lambda would dead-letter it)`);
        gallery.settled(failed, notice.size);
        return;
      }
      options.print(`retry    ${where}: ${printable(message)} (again in ${delay} ms)`);
      await sleep(delay);
    }
  }
}

function report(record: RecordSummary, catchingUp: boolean, options: LocalStackOptions): void {
  // Catching up after a restart finds most thumbnails current; listing each would drown the news.
  if (catchingUp && record.reason === 'already-current') {
    return;
  }
  options.print(recordLine(record, options.sourceBucket, options.thumbnailBucket));
}
