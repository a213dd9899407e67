import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../function/config';
import { createBatchOperationsHandler } from '../../function/handlers/batchOperations';
import { createObservability } from '../../aws/observability';
import { startLocalS3Server } from '../local/s3server/localS3Server';
import { runLocalBackfill } from '../backfill/localBackfill';

export interface BackfillThroughput {
  readonly objects: number;
  readonly concurrency: number;
  /** First run: every object a 1 MP JPEG without a thumbnail. */
  readonly madePerSecond: number;
  /** Second run: every thumbnail found current (a HEAD of the original and one of the thumbnail). */
  readonly skippedPerSecond: number;
}

const SOURCE = 'bench-originals';
const THUMBNAILS = 'bench-thumbnails';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function seed(s3: S3Client, image: Buffer, objects: number): Promise<void> {
  for (let start = 0; start < objects; start += 16) {
    const batch = Array.from({ length: Math.min(16, objects - start) }, (_, index) => start + index);
    await Promise.all(
      batch.map((index) =>
        s3.send(
          new PutObjectCommand({
            Bucket: SOURCE,
            Key: `photos/${String(index).padStart(5, '0')}.jpg`,
            Body: image,
          }),
        ),
      ),
    );
  }
}

/** The local stack's S3 server over a fresh folder, with the two buckets; nothing listens to its events. */
async function startServer() {
  const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-bench-backfill-'));
  const server = await startLocalS3Server({
    port: 0,
    directory,
    buckets: [SOURCE, THUMBNAILS],
    credentials: [credentials],
    onNotice: () => undefined,
    onNoticeError: () => undefined,
  });
  return { directory, server };
}

/**
 * `npm run backfill -- --endpoint`'s path, timed: the bucket listed and each object run through the
 * Batch Operations entry point in-process against the local stack's S3 server, `concurrency` at a time;
 * then again, when every thumbnail is current. Objects per second, each figure the run's own.
 */
export async function measureBackfill(
  image: string,
  objects: number,
  concurrency: number,
): Promise<BackfillThroughput> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { directory, server } = await startServer();
  const s3 = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
  });
  try {
    await seed(s3, await readFile(image), objects);
    const config = loadConfig({
      SOURCE_BUCKET: SOURCE,
      THUMBNAIL_BUCKET: THUMBNAILS,
      S3_FORCE_PATH_STYLE: 'true',
    });
    const entryPoint = createBatchOperationsHandler({ ...createObservability({}), s3, config });
    const options = {
      s3,
      entryPoint,
      concurrency,
      filter: { bucket: SOURCE, prefix: '', excludedPrefixes: [] },
    };
    const made = await runLocalBackfill(options);
    const skipped = await runLocalBackfill(options);
    const perSecond = (count: number, ms: number) => Number(((count * 1000) / ms).toFixed(1));
    return {
      objects,
      concurrency,
      madePerSecond: perSecond(made.tally.counts.made, made.elapsedMs),
      skippedPerSecond: perSecond(skipped.tally.counts.skipped, skipped.elapsedMs),
    };
  } finally {
    s3.destroy();
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  }
}
