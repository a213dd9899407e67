import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, type JobDescriptor } from '@aws-sdk/client-s3-control';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { unquoteETag } from '../../../aws/s3/client';
import { exactCount } from '../../../common/text';
import { describeError, UsageError } from '../../../common/errors';
import type { AwsArguments, WatchArguments } from '../backfillArguments';
import { countObjects, listObjects, type ObjectFilter } from '../listObjects';
import { BACKFILL_PREFIX } from '../locations';
import { readCompletionReport, reportManifestKey } from './completionReport';
import { costLines, estimateCost, readPerformanceDoc, typicalCpuMs } from './costEstimate';
import { checkCsvManifest, manifestLine } from './csvManifest';
import { readInventory, readObject } from './inventoryManifest';
import { type JobObjects, jobRequest, manifestKeyFor, type PinnedFunction } from './jobRequest';
import { pinnedFunction } from './pinnedFunction';
import { jobCounts, type WatchHost, watchJob } from './watchJob';
import { requireThumbnailBucket } from '../bucketCheck';

export interface AwsHost extends WatchHost {
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  /** Asks the person at the terminal; false when nobody can answer. */
  readonly confirm: (question: string) => Promise<boolean>;
}

/** What the job will run over, counted; `upload` holds the CSV to store first when there is one. */
interface Planned {
  readonly count: number;
  readonly upload?: readonly string[];
  readonly objects: (upload?: { key: string; eTag: string }) => JobObjects;
}

function listingFilter(args: AwsArguments, target: PinnedFunction): ObjectFilter {
  if (!args.prefix.startsWith(target.sourcePrefix) && !target.sourcePrefix.startsWith(args.prefix)) {
    throw new UsageError(
      `--prefix ${JSON.stringify(args.prefix)} lies outside the function's SOURCE_PREFIX "${target.sourcePrefix}"`,
    );
  }
  const shared = target.sourceBucket === target.thumbnailBucket;
  return {
    bucket: target.sourceBucket,
    prefix: args.prefix.length > target.sourcePrefix.length ? args.prefix : target.sourcePrefix,
    createdAfter: args.createdAfter,
    createdBefore: args.createdBefore,
    excludedPrefixes: shared ? [target.thumbnailPrefix, BACKFILL_PREFIX].filter(Boolean) : [],
  };
}

/**
 * Objects chosen by filters: counted by listing. With thumbnails in another bucket S3's manifest
 * generator picks them at run time; sharing the bucket, the listing itself becomes the manifest, since
 * the generator cannot leave the thumbnail prefix out.
 */
async function planFromListing(args: AwsArguments, target: PinnedFunction, host: AwsHost): Promise<Planned> {
  const filter = listingFilter(args, target);
  if (target.sourceBucket === target.thumbnailBucket && target.thumbnailPrefix === '') {
    throw new UsageError(
      `${target.sourceBucket} holds originals and thumbnails with no THUMBNAIL_PREFIX: they cannot be told apart by key`,
    );
  }
  const count = await countObjects(host.s3, filter, args.maxObjects, (sofar) => {
    host.progress.show(`counting s3://${filter.bucket}/${filter.prefix}: ${exactCount(sofar.objects)}`);
  });
  host.progress.clear();
  refuseOverCeiling(count.exceeded ? Number.POSITIVE_INFINITY : count.objects, args);
  if (filter.excludedPrefixes.length === 0) {
    return { count: count.objects, objects: () => ({ kind: 'generator', ...filter }) };
  }
  const upload: string[] = [];
  for await (const object of listObjects(host.s3, filter)) {
    upload.push(manifestLine(filter.bucket, object.key));
  }
  return { count: upload.length, upload, objects: csvObjects };
}

const csvObjects = (upload?: { key: string; eTag: string }): JobObjects => ({
  kind: 'csv',
  key: upload?.key ?? '',
  eTag: upload?.eTag ?? '',
});

function refuseOverCeiling(count: number, args: AwsArguments): void {
  if (args.maxObjects !== undefined && count > args.maxObjects) {
    throw new UsageError(
      `the job would run over more than --max-objects ${exactCount(args.maxObjects)} objects: nothing was created`,
    );
  }
}

/** A user's CSV manifest, from a file here or from S3 (read with the caller's credentials). */
async function csvText(manifest: AwsArguments['manifest'], host: AwsHost): Promise<string> {
  switch (manifest.kind) {
    case 'csv':
      return (await readObject(host.s3, manifest.url)).toString('utf8');
    case 'csv-file':
      return readFile(manifest.path, 'utf8');
    default:
      return '';
  }
}

/** A manifest the user named, as the lines backfill uploads for the job. */
async function givenManifest(args: AwsArguments, target: PinnedFunction, host: AwsHost): Promise<Planned> {
  const { manifest } = args;
  let lines: string[];
  if (manifest.kind === 'inventory') {
    const inventory = await readInventory(host.s3, manifest.url, target);
    lines = inventory.lines;
    if (inventory.leftOut > 0) {
      host.print(
        `${exactCount(inventory.leftOut)} objects of the inventory left out: another bucket, outside SOURCE_PREFIX, or thumbnails`,
      );
    }
  } else {
    lines = checkCsvManifest(await csvText(manifest, host), target).lines;
  }
  refuseOverCeiling(lines.length, args);
  return { count: lines.length, upload: lines, objects: csvObjects };
}

function plan(args: AwsArguments, target: PinnedFunction, host: AwsHost): Promise<Planned> {
  return args.manifest.kind === 'generator'
    ? planFromListing(args, target, host)
    : givenManifest(args, target, host);
}

async function uploadManifest(
  lines: readonly string[],
  target: PinnedFunction,
  host: AwsHost,
  token: string,
) {
  const key = manifestKeyFor(token);
  const put = await host.s3.send(
    new PutObjectCommand({
      Bucket: target.thumbnailBucket,
      Key: key,
      Body: `${lines.join('\n')}\n`,
      ContentType: 'text/csv',
    }),
  );
  return { key, eTag: unquoteETag(put.ETag) };
}

/** Counts, estimates, asks, creates the job pinned to `live`'s version, then watches it to its end. */
export async function runAws(args: AwsArguments, host: AwsHost): Promise<number> {
  const target = await pinnedFunction(host.lambda, args.functionName);
  await requireThumbnailBucket(host.s3, target.thumbnailBucket, 'AWS');
  const planned = await plan(args, target, host);
  host.print(
    `backfill: ${exactCount(planned.count)} objects of s3://${target.sourceBucket}/, by ${args.functionName} version ${target.version} (pinned: the live alias now)`,
  );
  const estimate = estimateCost(planned.count, target.memoryMb, typicalCpuMs(await readPerformanceDoc()));
  costLines(estimate, target.memoryMb).forEach((line) => {
    host.print(line);
  });
  if (args.dryRun) {
    host.print('--dry-run: no job was created');
    return 0;
  }
  if (
    !args.yes &&
    !(await host.confirm(`Create the job over ${exactCount(planned.count)} objects? [y/N] `))
  ) {
    host.print('no job was created');
    return 1;
  }
  const token = randomUUID();
  const upload = planned.upload ? await uploadManifest(planned.upload, target, host, token) : undefined;
  const request = jobRequest(target, planned.objects(upload), {
    roleArn: args.roleArn,
    priority: args.priority,
    token,
  });
  const { JobId: jobId = '' } = await host.s3control.send(new CreateJobCommand(request));
  host.print(`job ${jobId} created; follow it again with: npm run backfill -- --watch ${jobId}`);
  return followJob(target, jobId, host);
}

function printFailureReasons(job: JobDescriptor, host: AwsHost): void {
  for (const reason of job.FailureReasons ?? []) {
    host.print(`  ${reason.FailureCode ?? ''}: ${reason.FailureReason ?? ''}`);
  }
}

/** The job's end, its own failure reasons, and the failed tasks of its report by outcome and reason. */
async function summarise(target: PinnedFunction, job: JobDescriptor, jobId: string, host: AwsHost) {
  host.print(`job ${jobId} ${(job.Status ?? '').toLowerCase()}: ${jobCounts(job)}`);
  printFailureReasons(job, host);
  if ((job.ProgressSummary?.NumberOfTasksFailed ?? 0) === 0) {
    return undefined;
  }
  const folder = reportManifestKey(jobId).replace(/manifest\.json$/, 'results/');
  const tally = await readCompletionReport(host.s3, target.thumbnailBucket, jobId).catch((error: unknown) => {
    host.print(
      `the completion report could not be read (${describeError(error)}): see s3://${target.thumbnailBucket}/${folder}`,
    );
    return undefined;
  });
  if (tally === undefined) {
    return { counts: { failed: 1 } }; // unread: not known to be clean
  }
  host.print(`failed tasks by outcome and reason; each key in s3://${target.thumbnailBucket}/${folder}:`);
  for (const line of tally.lines()) {
    host.print(line);
  }
  return tally;
}

/** Watches a job to its end and summarises it. */
async function followJob(target: PinnedFunction, jobId: string, host: AwsHost): Promise<number> {
  const { job, end } = await watchJob(target.accountId, jobId, host);
  if (end === undefined) {
    host.print(`stopped watching; the job runs on: npm run backfill -- --watch ${jobId}`);
    return 130;
  }
  const tally = await summarise(target, job, jobId, host);
  // Refusals (not an image, deleted since) are the bucket's content; only failures that outlasted the
  // job's retries, or a job that did not complete, make the run a failure.
  return end === 'Complete' && (tally?.counts.failed ?? 0) === 0 ? 0 : 1;
}

/** `--watch <job-id>`: a job created before, followed to its end. */
export async function watchAws(args: WatchArguments, host: AwsHost): Promise<number> {
  return followJob(await pinnedFunction(host.lambda, args.functionName), args.jobId, host);
}
