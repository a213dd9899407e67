import { availableParallelism } from 'node:os';
import { bucketNameSchema } from '../../function/config';
import { type FlagSpec, readFlagValues } from '../../common/flags';
import { UsageError } from '../../common/errors';

export const BACKFILL_USAGE = `Usage: npm run backfill -- [options]                      (AWS: an S3 Batch Operations job)
       npm run backfill -- --endpoint <url> --bucket <name> [options]   (here, on any S3-compatible server)

Makes the thumbnails of images already in a bucket, with the function's own Batch Operations entry point:
renditions already current are skipped after a HEAD, so running it again after a partial run is cheap.

In AWS (needs the stacks deployed; scripts/backfill.sh fills in --function and --role-arn from them):
      --function <name>        the function (default LAMBDA_FUNCTION_NAME); the version its live alias
                               serves now is pinned for the whole job
      --role-arn <arn>         the job role terraform/lambda creates (default BACKFILL_ROLE_ARN)
      --prefix <p>             only keys under this prefix (within the function's SOURCE_PREFIX)
      --created-after <date>   only objects created after this time (ISO 8601: 2024-01-31 or ...T12:00:00Z)
      --created-before <date>  only objects created before this time
      --inventory <s3-url>     the objects of an S3 Inventory report (s3://bucket/.../manifest.json, CSV)
      --csv <file|s3-url>      the objects listed in a CSV manifest (Bucket,Key[,VersionId]; keys URL-encoded)
      --max-objects <n>        refuse a job of more than n objects
      --priority <n>           the job's priority, 0-2147483647 (default 10)
      --yes                    create the job without asking (the count and cost are still printed)
      --dry-run                count and estimate, then stop: nothing is created
      --watch <job-id>         show the progress and summary of a job created before

Here (the same entry point, in this process):
      --endpoint <url>         the S3-compatible server (npm start's, MinIO, Ceph...); path-style requests
      --bucket <name>          the bucket of the images (or give s3://bucket/prefix instead of both)
      --prefix <p>             only keys under this prefix
      --thumbnail-bucket <n>   where thumbnails go (default THUMBNAIL_BUCKET, else npm start's thumbnails)
      --concurrency <n>        images at once, 1-256 (default: CPU count)
      --created-after, --created-before, --max-objects, --dry-run   as above
  -h, --help                   show this help
      --check-flags            check the command line, then stop (scripts/backfill.sh does so first)

Credentials, region and thumbnail settings come from the environment, as for the function (for npm
start's server: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test). Exit codes: 0 done, 1 some tasks failed
or the job did not complete, 2 bad usage or refused before anything ran, 130 interrupted.
`;

const OPTIONS = {
  function: { type: 'string' },
  'role-arn': { type: 'string' },
  prefix: { type: 'string' },
  'created-after': { type: 'string' },
  'created-before': { type: 'string' },
  inventory: { type: 'string' },
  csv: { type: 'string' },
  'max-objects': { type: 'string' },
  priority: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  watch: { type: 'string' },
  endpoint: { type: 'string' },
  bucket: { type: 'string' },
  'thumbnail-bucket': { type: 'string' },
  concurrency: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

type Flags = ReturnType<typeof readFlagValues<typeof OPTIONS>>['values'];

/** What to take from the bucket: the same filters on AWS and here. */
export interface Selection {
  readonly prefix: string;
  readonly createdAfter?: Date | undefined;
  readonly createdBefore?: Date | undefined;
  readonly maxObjects?: number | undefined;
  readonly dryRun: boolean;
}

export interface LocalArguments extends Selection {
  readonly mode: 'local';
  readonly endpoint: string;
  readonly bucket: string;
  readonly thumbnailBucket: string;
  readonly concurrency: number;
}

export type ManifestSource =
  | { readonly kind: 'generator' }
  | { readonly kind: 'inventory'; readonly url: S3Url }
  | { readonly kind: 'csv'; readonly url: S3Url }
  | { readonly kind: 'csv-file'; readonly path: string };

export interface AwsArguments extends Selection {
  readonly mode: 'aws';
  readonly functionName: string;
  readonly roleArn: string;
  readonly manifest: ManifestSource;
  readonly priority: number;
  readonly yes: boolean;
}

export interface WatchArguments {
  readonly mode: 'watch';
  readonly functionName: string;
  readonly jobId: string;
}

export type BackfillArguments = LocalArguments | AwsArguments | WatchArguments;

export interface S3Url {
  readonly bucket: string;
  readonly key: string;
}

const badFlag = (flag: keyof typeof OPTIONS, problem: string) => new UsageError(`--${flag}: ${problem}`);

/** `s3://bucket/key` -> its parts; the key may be empty (a whole bucket) when `keyRequired` is false. */
export function parseS3Url(text: string, keyRequired: boolean): S3Url | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text);
  const bucket = match?.[1];
  const key = match?.[2] ?? '';
  if (bucket === undefined || !bucketNameSchema.safeParse(bucket).success || (keyRequired && key === '')) {
    return undefined;
  }
  return { bucket, key };
}

const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function dateFlag(flags: Flags, flag: 'created-after' | 'created-before'): Date | undefined {
  const text = flags[flag];
  if (text === undefined) {
    return undefined;
  }
  const date = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (!DATE.test(text) || Number.isNaN(date.getTime())) {
    throw badFlag(
      flag,
      `must be an ISO 8601 date or time with its zone, like 2024-01-31 or 2024-01-31T12:00:00Z (got ${JSON.stringify(text)})`,
    );
  }
  return date;
}

function wholeNumberFlag(
  flags: Flags,
  flag: keyof typeof OPTIONS,
  min: number,
  max: number,
): number | undefined {
  const text = flags[flag];
  if (text === undefined) {
    return undefined;
  }
  if (typeof text !== 'string' || !/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw badFlag(flag, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

function selection(flags: Flags, prefix: string): Selection {
  const createdAfter = dateFlag(flags, 'created-after');
  const createdBefore = dateFlag(flags, 'created-before');
  if (createdAfter && createdBefore && createdAfter >= createdBefore) {
    throw new UsageError('--created-after must be earlier than --created-before: no object is both');
  }
  if (prefix.startsWith('/')) {
    throw badFlag('prefix', 'S3 keys have no leading "/"');
  }
  const maxObjects = wholeNumberFlag(flags, 'max-objects', 1, Number.MAX_SAFE_INTEGER);
  return { prefix, createdAfter, createdBefore, maxObjects, dryRun: flags['dry-run'] === true };
}

/** Flags that make sense in one mode only; naming one in the other is a mistake worth stopping for. */
const AWS_ONLY = ['function', 'role-arn', 'inventory', 'csv', 'priority', 'yes', 'watch'] as const;
const LOCAL_ONLY = ['bucket', 'thumbnail-bucket', 'concurrency'] as const;

function refuseOthers(flags: Flags, names: readonly (keyof typeof OPTIONS)[], why: string): void {
  const given = names.filter((name) => flags[name] !== undefined);
  if (given.length > 0) {
    throw new UsageError(`${given.map((name) => `--${name}`).join(', ')}: ${why}`);
  }
}

/** A bucket name given by `flag` (or its fallback), checked. */
function bucketOf(flag: 'bucket' | 'thumbnail-bucket', value: string | undefined, missing: string): string {
  if (value === undefined) {
    throw badFlag(flag, missing);
  }
  if (!bucketNameSchema.safeParse(value).success) {
    throw badFlag(flag, `${JSON.stringify(value)} is not a valid bucket name`);
  }
  return value;
}

function endpointOf(flags: Flags): string {
  const endpoint = flags.endpoint ?? '';
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(endpoint)) {
    throw badFlag('endpoint', `must be an http:// or https:// URL (got ${JSON.stringify(endpoint)})`);
  }
  return endpoint;
}

/** The originals' bucket, from s3://bucket/prefix or --bucket (never both). */
function sourceBucketOf(flags: Flags, positional: S3Url | undefined): string {
  if (positional && (flags.bucket !== undefined || flags.prefix !== undefined)) {
    throw new UsageError('give the bucket once: s3://bucket/prefix, or --bucket and --prefix');
  }
  return bucketOf('bucket', positional?.bucket ?? flags.bucket, 'is required with --endpoint');
}

function localArguments(flags: Flags, positional: S3Url | undefined, env: NodeJS.ProcessEnv): LocalArguments {
  refuseOthers(
    flags,
    AWS_ONLY,
    'only for a Batch Operations job in AWS; with --endpoint the backfill runs here',
  );
  const endpoint = endpointOf(flags);
  const bucket = sourceBucketOf(flags, positional);
  const thumbnailBucket = bucketOf(
    'thumbnail-bucket',
    flags['thumbnail-bucket'] ?? (env.THUMBNAIL_BUCKET || 'thumbnails'),
    'is required',
  );
  const concurrency = wholeNumberFlag(flags, 'concurrency', 1, 256) ?? availableParallelism();
  const prefix = positional ? positional.key : (flags.prefix ?? '');
  return { mode: 'local', ...selection(flags, prefix), endpoint, bucket, thumbnailBucket, concurrency };
}

// Lambda's own rules: a function name or its ARN; an IAM role ARN.
const FUNCTION_NAME = /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9_-]{1,64}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const JOB_ID = /^[a-zA-Z0-9_-]{5,36}$/;

function functionNameOf(flags: Flags, env: NodeJS.ProcessEnv): string {
  const name = flags.function ?? (env.LAMBDA_FUNCTION_NAME || undefined);
  if (name === undefined || !FUNCTION_NAME.test(name)) {
    throw badFlag(
      'function',
      name === undefined
        ? 'is required (or set LAMBDA_FUNCTION_NAME; scripts/backfill.sh reads it from the stacks)'
        : `must be a function name or ARN (got ${JSON.stringify(name)})`,
    );
  }
  return name;
}

/** A manifest given whole cannot be filtered: Batch Operations runs every line of it. */
function refuseFiltersOfAManifest(flags: Flags): void {
  const filters = (['prefix', 'created-after', 'created-before'] as const).filter(
    (name) => flags[name] !== undefined,
  );
  if (filters.length > 0) {
    throw new UsageError(
      `${filters.map((name) => `--${name}`).join(', ')}: filters of the bucket listing; a manifest given with --inventory or --csv is run whole`,
    );
  }
}

function inventorySource(text: string): ManifestSource {
  const url = parseS3Url(text, true);
  if (url === undefined || !url.key.endsWith('manifest.json')) {
    throw badFlag(
      'inventory',
      `must be the s3:// URL of an inventory report's manifest.json (got ${JSON.stringify(text)})`,
    );
  }
  return { kind: 'inventory', url };
}

function csvSource(text: string): ManifestSource {
  if (!text.startsWith('s3://')) {
    return { kind: 'csv-file', path: text };
  }
  const url = parseS3Url(text, true);
  if (url === undefined) {
    throw badFlag('csv', `must be a file or an s3://bucket/key URL (got ${JSON.stringify(text)})`);
  }
  return { kind: 'csv', url };
}

function manifestSource(flags: Flags): ManifestSource {
  if (flags.inventory === undefined && flags.csv === undefined) {
    return { kind: 'generator' };
  }
  if (flags.inventory !== undefined && flags.csv !== undefined) {
    throw new UsageError('--inventory and --csv each name the objects: give one of them');
  }
  refuseFiltersOfAManifest(flags);
  return flags.inventory !== undefined ? inventorySource(flags.inventory) : csvSource(flags.csv ?? '');
}

function watchArguments(flags: Flags, functionName: string, jobId: string): WatchArguments {
  const others = (Object.keys(flags) as (keyof typeof OPTIONS)[]).filter(
    (name) => !['watch', 'function'].includes(name),
  );
  if (others.length > 0) {
    throw new UsageError(
      `--watch follows a job created before: no ${others.map((name) => `--${name}`).join(', ')}`,
    );
  }
  if (!JOB_ID.test(jobId)) {
    throw badFlag('watch', `must be a Batch Operations job ID (got ${JSON.stringify(jobId)})`);
  }
  return { mode: 'watch', functionName, jobId };
}

function roleArnOf(flags: Flags, env: NodeJS.ProcessEnv): string {
  const roleArn = flags['role-arn'] ?? (env.BACKFILL_ROLE_ARN || undefined);
  if (roleArn === undefined) {
    throw badFlag(
      'role-arn',
      'is required (or set BACKFILL_ROLE_ARN): terraform -chdir=terraform/lambda output -raw backfill_role_arn',
    );
  }
  if (!ROLE_ARN.test(roleArn)) {
    throw badFlag('role-arn', `must be an IAM role ARN (got ${JSON.stringify(roleArn)})`);
  }
  return roleArn;
}

function awsArguments(flags: Flags, env: NodeJS.ProcessEnv): AwsArguments | WatchArguments {
  refuseOthers(
    flags,
    LOCAL_ONLY,
    'only with --endpoint (a backfill run here); in AWS the function knows its buckets',
  );
  const functionName = functionNameOf(flags, env);
  if (flags.watch !== undefined) {
    return watchArguments(flags, functionName, flags.watch);
  }
  return {
    mode: 'aws',
    ...selection(flags, flags.prefix ?? ''),
    functionName,
    roleArn: roleArnOf(flags, env),
    manifest: manifestSource(flags),
    priority: wholeNumberFlag(flags, 'priority', 0, 2147483647) ?? 10,
    yes: flags.yes === true,
  };
}

/** Reads the command line; `undefined` means help was asked for. Throws a {@link UsageError}. */
export function parseBackfillArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): BackfillArguments | undefined {
  const { values: flags, positionals } = readFlagValues(argv, OPTIONS);
  if (flags.help === true) {
    return undefined;
  }
  if (positionals.length > 1 || (positionals.length === 1 && flags.endpoint === undefined)) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(positionals.at(-1))}: an s3://bucket/prefix goes with --endpoint; in AWS the function names its bucket`,
    );
  }
  const [first] = positionals;
  const positional = first === undefined ? undefined : parseS3Url(first, false);
  if (first !== undefined && positional === undefined) {
    throw new UsageError(`${JSON.stringify(first)} is not an s3://bucket/prefix URL`);
  }
  return flags.endpoint !== undefined ? localArguments(flags, positional, env) : awsArguments(flags, env);
}
