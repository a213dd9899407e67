import { S3Client } from '@aws-sdk/client-s3';
import { type Config, loadConfig } from '../../function/config';
import { createBatchOperationsHandler } from '../../function/handlers/batchOperations';
import { createObservability } from '../../aws/observability';
import type { LocalArguments } from './backfillArguments';
import { countObjects, type ObjectFilter } from './listObjects';
import { type FinishedTask, type LocalBackfillResult, runLocalBackfill } from './localBackfill';
import { BACKFILL_PREFIX } from './locations';
import { duration, type ProgressDisplay, progressLine } from './progress';
import { exactBytes, exactCount, printable } from '../../common/text';
import { BackfillError } from './backfillError';
import { requireThumbnailBucket } from './bucketCheck';
import { describeError, errorName, UsageError } from '../../common/errors';

/** What a local run needs from its host. */
export interface LocalRunHost {
  readonly env: NodeJS.ProcessEnv;
  readonly print: (line: string) => void;
  readonly progress: ProgressDisplay;
  /** Aborted on Ctrl-C: running tasks finish, no new one starts. */
  readonly signal: AbortSignal;
}

/** The function's configuration for this bucket pair, with the rest (sizes, limits) from the environment. */
function configFor(args: LocalArguments, env: NodeJS.ProcessEnv): Config {
  return loadConfig({
    ...env,
    SOURCE_BUCKET: args.bucket,
    THUMBNAIL_BUCKET: args.thumbnailBucket,
    S3_FORCE_PATH_STYLE: 'true',
  });
}

/**
 * What to list: the given prefix within the function's SOURCE_PREFIX (the narrower of the two), and never
 * the thumbnails nor backfill's own files when they share the bucket with the originals. Where the two
 * cannot be told apart by key, or the listing could only hold thumbnails, the run is refused.
 */
export function listingFilter(args: LocalArguments, config: Config): ObjectFilter {
  const { sourcePrefix, thumbnailPrefix } = config;
  if (!args.prefix.startsWith(sourcePrefix) && !sourcePrefix.startsWith(args.prefix)) {
    throw new UsageError(
      `--prefix ${JSON.stringify(args.prefix)} lies outside SOURCE_PREFIX ${JSON.stringify(sourcePrefix)}: the function would refuse every object`,
    );
  }
  const prefix = args.prefix.length > sourcePrefix.length ? args.prefix : sourcePrefix;
  const base = {
    bucket: args.bucket,
    prefix,
    createdAfter: args.createdAfter,
    createdBefore: args.createdBefore,
  };
  if (args.bucket !== config.thumbnailBucket) {
    return { ...base, excludedPrefixes: [] };
  }
  if (thumbnailPrefix === '') {
    throw new UsageError(
      `the originals' bucket ${args.bucket} is also the thumbnail bucket, with no THUMBNAIL_PREFIX: thumbnails could not be told from originals by key`,
    );
  }
  if (prefix.startsWith(thumbnailPrefix)) {
    throw new UsageError(
      `--prefix ${JSON.stringify(prefix)} is under THUMBNAIL_PREFIX ${JSON.stringify(thumbnailPrefix)}: backfill never thumbnails thumbnails`,
    );
  }
  return { ...base, excludedPrefixes: [thumbnailPrefix, BACKFILL_PREFIX] };
}

function clientFor(args: LocalArguments, env: NodeJS.ProcessEnv): S3Client {
  return new S3Client({
    endpoint: args.endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
  });
}

const where = (filter: ObjectFilter) => `s3://${filter.bucket}/${printable(filter.prefix)}`;

/** Counts first: the total the progress line needs, and the ceiling checked before anything is made. */
async function countOrRefuse(s3: S3Client, filter: ObjectFilter, args: LocalArguments, host: LocalRunHost) {
  const count = await countObjects(s3, filter, args.maxObjects, (sofar) => {
    host.progress.show(`counting ${where(filter)}: ${exactCount(sofar.objects)} objects`);
  });
  host.progress.clear();
  if (count.exceeded) {
    throw new UsageError(
      `${where(filter)} holds more than --max-objects ${exactCount(args.maxObjects ?? 0)} objects: nothing was run`,
    );
  }
  const leftOut = count.leftOut > 0 ? ` (${exactCount(count.leftOut)} left out by the filters)` : '';
  host.print(
    `backfill: ${exactCount(count.objects)} objects, ${exactBytes(count.bytes)}, in ${where(filter)}${leftOut}`,
  );
  return count.objects;
}

/** One line for a task that did not succeed: the tally has the counts, this line has the key. */
const taskLine = (bucket: string, task: FinishedTask) =>
  `${task.outcome.padEnd(8)} ${bucket}/${printable(task.key)}: ${printable(task.resultString.replace(/^\w+:? /, ''))}`;

function summary(result: LocalBackfillResult, filter: ObjectFilter): string[] {
  const { tally, elapsedMs } = result;
  const rate = elapsedMs > 0 ? ` (${((tally.total * 1000) / elapsedMs).toFixed(1)}/s)` : '';
  const head = result.interrupted
    ? `backfill interrupted after ${exactCount(tally.total)} objects in ${duration(elapsedMs)}: run it again to resume (what is current is skipped)`
    : `backfill done: ${exactCount(tally.total)} objects in ${where(filter)} in ${duration(elapsedMs)}${rate}`;
  return [head, ...tally.lines()];
}

/**
 * Backfill here: the bucket listed and each object run through the function's Batch Operations entry
 * point in this process. Resolves with the exit code: 0 done (refusals included: they are the bucket's
 * content, not a fault), 1 some tasks failed for now, 130 interrupted.
 */
export async function runLocal(args: LocalArguments, host: LocalRunHost): Promise<number> {
  const config = configFor(args, host.env);
  const filter = listingFilter(args, config);
  const s3 = clientFor(args, host.env);
  try {
    return await backfill(s3, filter, config, args, host);
  } catch (error) {
    throw error instanceof UsageError || error instanceof BackfillError
      ? error
      : failure(error, filter, args.endpoint);
  } finally {
    s3.destroy();
  }
}

/** A listing that failed, in words that say which bucket on which server, and what to check. */
function failure(error: unknown, filter: ObjectFilter, endpoint: string): BackfillError {
  const name = errorName(error);
  const hint =
    name === 'NoSuchBucket'
      ? `no bucket ${filter.bucket} at ${endpoint}: check --bucket`
      : name === 'CredentialsProviderError'
        ? 'no credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (npm start: test/test)'
        : name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied'
          ? 'the server refused the credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (npm start: test/test)'
          : `is an S3-compatible server listening at ${endpoint}?`;
  return new BackfillError(`could not list ${where(filter)} at ${endpoint}: ${describeError(error)}`, hint);
}

async function backfill(
  s3: S3Client,
  filter: ObjectFilter,
  config: Config,
  args: LocalArguments,
  host: LocalRunHost,
): Promise<number> {
  await requireThumbnailBucket(s3, config.thumbnailBucket, args.endpoint);
  const total = await countOrRefuse(s3, filter, args, host);
  if (args.dryRun) {
    host.print('--dry-run: nothing was made');
    return 0;
  }
  const entryPoint = createBatchOperationsHandler({ ...createObservability(host.env), s3, config });
  const counts = { succeeded: 0, refused: 0, failed: 0 };
  const started = performance.now();
  const result = await runLocalBackfill({
    s3,
    filter,
    entryPoint,
    concurrency: args.concurrency,
    signal: host.signal,
    onTask: (task) => {
      const ok = task.outcome === 'made' || task.outcome === 'skipped';
      counts[ok ? 'succeeded' : task.outcome === 'refused' ? 'refused' : 'failed'] += 1;
      if (!ok) {
        host.progress.clear();
        host.print(taskLine(filter.bucket, task));
      }
      host.progress.show(progressLine({ ...counts, total, elapsedMs: performance.now() - started }));
    },
  });
  host.progress.clear();
  for (const line of summary(result, filter)) {
    host.print(line);
  }
  return result.interrupted ? 130 : result.tally.counts.failed > 0 ? 1 : 0;
}
