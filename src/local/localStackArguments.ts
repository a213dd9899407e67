import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from '../validation/zod';
import { bucketNameSchema } from '../config';
import type { Credentials } from './localS3Server';
import { UsageError } from '../validation/usageError';

export const LOCAL_STACK_USAGE = `Usage: npm start -- [options]

Runs the thumbnail pipeline on this machine: an S3-compatible server on 127.0.0.1, the Lambda's own
handler for every object created in the source bucket, and a gallery of the results.

Options (each also settable by the environment variable shown):
  --port <n>              S3 port; 0 picks a free one          LOCAL_S3_PORT       (4569)
  --gallery-port <n>      gallery port; 0 picks a free one     LOCAL_GALLERY_PORT  (S3 port + 1, or 0)
  --data-dir <path>       where objects are kept               LOCAL_S3_DATA_DIR   (.local-s3)
  --fresh                 delete the data directory first
  --source-bucket <name>  bucket watched for uploads           SOURCE_BUCKET       (uploads)
  --thumbnail-bucket <n>  bucket thumbnails are written to     THUMBNAIL_BUCKET    (thumbnails)
  --concurrency <n>       thumbnails made at once              LOCAL_CONCURRENCY   (CPU count)
  -h, --help              show this help

The server accepts the access key test/test (and LOCAL_ACCESS_KEY_ID / LOCAL_SECRET_ACCESS_KEY when
set). Thumbnail settings come from the same variables as in Lambda: THUMBNAIL_WIDTH, THUMBNAIL_FORMAT, ...
`;

export interface LocalStackArguments {
  readonly port: number;
  readonly galleryPort: number;
  readonly dataDir: string;
  readonly fresh: boolean;
  readonly sourceBucket: string;
  readonly thumbnailBucket: string;
  readonly concurrency: number;
  /** Key pairs the S3 server accepts; the first is the one the stack itself uses. */
  readonly credentials: readonly [Credentials, ...Credentials[]];
}

const port = z.wholeNumber(0, 65535);

const schema = z
  .object({
    port: z._default(port, 4569),
    galleryPort: z.optional(port),
    dataDir: z._default(z.string().check(z.minLength(1)), '.local-s3'),
    fresh: z._default(z.boolean(), false),
    sourceBucket: z._default(bucketNameSchema, 'uploads'),
    thumbnailBucket: z._default(bucketNameSchema, 'thumbnails'),
    concurrency: z._default(z.wholeNumber(1, 256), availableParallelism()),
  })
  .check(
    z.refine((args) => args.sourceBucket !== args.thumbnailBucket, {
      message: 'must differ from the source bucket',
      path: ['thumbnailBucket'],
    }),
  );

const OPTIONS = {
  port: { type: 'string' },
  'gallery-port': { type: 'string' },
  'data-dir': { type: 'string' },
  fresh: { type: 'boolean' },
  'source-bucket': { type: 'string' },
  'thumbnail-bucket': { type: 'string' },
  concurrency: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FLAG_NAMES: Record<string, string> = {
  port: '--port',
  galleryPort: '--gallery-port',
  dataDir: '--data-dir',
  sourceBucket: '--source-bucket',
  thumbnailBucket: '--thumbnail-bucket',
  concurrency: '--concurrency',
};

const orEnv = (flag: string | undefined, value: string | undefined) =>
  flag ?? (value === '' ? undefined : value);

function credentialsFrom(env: NodeJS.ProcessEnv): LocalStackArguments['credentials'] {
  const own: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const { LOCAL_ACCESS_KEY_ID: accessKeyId, LOCAL_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new UsageError('set both LOCAL_ACCESS_KEY_ID and LOCAL_SECRET_ACCESS_KEY, or neither');
  }
  return accessKeyId && secretAccessKey ? [own, { accessKeyId, secretAccessKey }] : [own];
}

function readFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }).values;
  } catch (error) {
    // parseArgs names the unknown flag or the missing value.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Reads `npm start` flags over environment variables; `undefined` means help was asked for. */
export function parseLocalStackArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): LocalStackArguments | undefined {
  const values = readFlags(argv);
  if (values.help) {
    return undefined;
  }
  const parsed = schema.safeParse({
    port: orEnv(values.port, env.LOCAL_S3_PORT),
    galleryPort: orEnv(values['gallery-port'], env.LOCAL_GALLERY_PORT),
    dataDir: orEnv(values['data-dir'], env.LOCAL_S3_DATA_DIR),
    fresh: values.fresh,
    sourceBucket: orEnv(values['source-bucket'], env.SOURCE_BUCKET),
    thumbnailBucket: orEnv(values['thumbnail-bucket'], env.THUMBNAIL_BUCKET),
    concurrency: orEnv(values.concurrency, env.LOCAL_CONCURRENCY),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${FLAG_NAMES[String(issue.path[0])] ?? ''}: ${issue.message}`,
    );
    throw new UsageError(problems.join('; '));
  }
  const args = parsed.data;
  const galleryPort = args.galleryPort ?? (args.port === 0 ? 0 : args.port + 1);
  if (galleryPort > 65535) {
    throw new UsageError('--gallery-port: the default (S3 port + 1) is out of range; set it');
  }
  return { ...args, dataDir: resolve(args.dataDir), galleryPort, credentials: credentialsFrom(env) };
}
