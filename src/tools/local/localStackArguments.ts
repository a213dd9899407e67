import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { bucketNameSchema, CONFIG_VARIABLES } from '../../function/config';
import type { Credentials } from './s3server/localS3Server';
import { closest, type FlagSpec, readFlags } from '../../common/flags';
import { UsageError } from '../../common/errors';

export const LOCAL_STACK_USAGE = `Usage: npm start -- [options]     (the -- keeps npm from taking the options itself)

Runs the thumbnail pipeline on this machine: an S3-compatible server on 127.0.0.1, the Lambda's own
handler for every object created in the source bucket, and a gallery of the results.

Options (each also settable by the environment variable shown):
  --port <n>              S3 port, 0-65535; 0 picks a free one  LOCAL_S3_PORT       (4569)
  --gallery-port <n>      gallery port; 0 picks a free one      LOCAL_GALLERY_PORT  (S3 port + 1, or 0)
  --cdn-port <n>          local CDN port; 0 picks a free one    LOCAL_CDN_PORT      (S3 port + 2, or 0)
  --data-dir <path>       where objects are kept (relative to   LOCAL_S3_DATA_DIR   (.local-s3 in
                          the folder npm start was run in)                          the checkout)
  --fresh                 empty the data folder first (only one the stack created)
  --source-bucket <name>  bucket watched for uploads            SOURCE_BUCKET       (uploads)
  --thumbnail-bucket <n>  bucket thumbnails are written to      THUMBNAIL_BUCKET    (thumbnails)
  --concurrency <n>       thumbnails made at once, 1-256        LOCAL_CONCURRENCY   (CPU count)
  --drain-seconds <n>     how long a stop waits for uploads     LOCAL_DRAIN_SECONDS (30)
                          in progress, 0-3600
  -h, --help              show this help

The server accepts the access key test/test (and LOCAL_ACCESS_KEY_ID / LOCAL_SECRET_ACCESS_KEY when
set). Thumbnail settings come from the same variables as in Lambda: THUMBNAIL_WIDTH, THUMBNAIL_FORMAT, ...
`;

export interface LocalStackArguments {
  readonly port: number;
  readonly galleryPort: number;
  /** The local CDN's port: the delivery URL scheme over the thumbnail bucket. */
  readonly cdnPort: number;
  readonly dataDir: string;
  readonly fresh: boolean;
  readonly sourceBucket: string;
  readonly thumbnailBucket: string;
  readonly concurrency: number;
  /** How long Ctrl-C (SIGINT, SIGTERM, SIGHUP) waits for uploads and records in progress before exiting anyway. */
  readonly drainSeconds: number;
  /** Key pairs the S3 server accepts; the first is the one the stack itself uses. */
  readonly credentials: readonly [Credentials, ...Credentials[]];
}

const FLAGS = {
  port: { type: 'string' },
  'gallery-port': { type: 'string' },
  'cdn-port': { type: 'string' },
  'data-dir': { type: 'string' },
  fresh: { type: 'boolean' },
  'source-bucket': { type: 'string' },
  'thumbnail-bucket': { type: 'string' },
  concurrency: { type: 'string' },
  'drain-seconds': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

type ValueFlag = Exclude<keyof typeof FLAGS, 'fresh' | 'help'>;

/** Each flag that takes a value, and the environment variable that sets it when the flag is not given. */
const ENVIRONMENT: Record<ValueFlag, string> = {
  port: 'LOCAL_S3_PORT',
  'gallery-port': 'LOCAL_GALLERY_PORT',
  'cdn-port': 'LOCAL_CDN_PORT',
  'data-dir': 'LOCAL_S3_DATA_DIR',
  'source-bucket': 'SOURCE_BUCKET',
  'thumbnail-bucket': 'THUMBNAIL_BUCKET',
  concurrency: 'LOCAL_CONCURRENCY',
  'drain-seconds': 'LOCAL_DRAIN_SECONDS',
};

const CREDENTIAL_VARIABLES = ['LOCAL_ACCESS_KEY_ID', 'LOCAL_SECRET_ACCESS_KEY'] as const;

/** A setting as given, and where: `--port "x"` or `LOCAL_S3_PORT="x"`, so every message names its source. */
interface Given {
  readonly value: string;
  readonly source: string;
}

/**
 * Reads each value flag, else its environment variable (empty counts as unset, as in Lambda), and checks
 * it; every bad one is collected, so one run names them all, each in the same words.
 */
class SettingsReader {
  readonly problems: string[] = [];

  constructor(
    private readonly flags: ReadonlyMap<string, string | true>,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  wholeNumber(flag: ValueFlag, min: number, max: number): number | undefined {
    const given = this.given(flag);
    // Strictly digits: Number() would take "", " 8", "0x10" and "1e3" as numbers.
    const value = given && /^[0-9]+$/.test(given.value) ? Number(given.value) : Number.NaN;
    if (value >= min && value <= max) {
      return value;
    }
    this.refuse(given, `must be a whole number from ${min} to ${max}`);
    return undefined;
  }

  bucket(flag: ValueFlag): string | undefined {
    const given = this.given(flag);
    const parsed = given && bucketNameSchema.safeParse(given.value);
    if (given && parsed?.success) {
      return given.value;
    }
    const rule = parsed?.error?.issues
      .map((issue) => issue.message)
      .find((message) => message.includes(': it '));
    this.refuse(
      given,
      rule ?? 'must be a valid S3 bucket name (3-63 characters: a-z, 0-9, dots and hyphens)',
    );
    return undefined;
  }

  folder(flag: ValueFlag): string | undefined {
    const given = this.given(flag);
    if (given && given.value.trim() !== '' && !given.value.includes('\0')) {
      // npm runs scripts in the package's folder and names the one it was run in INIT_CWD: a relative
      // path means what it means in the user's shell (as for the thumbnailer command).
      return resolve(this.env.INIT_CWD || process.cwd(), given.value);
    }
    this.refuse(given, 'must name a folder');
    return undefined;
  }

  private given(flag: ValueFlag): Given | undefined {
    const value = this.flags.get(flag);
    if (typeof value === 'string') {
      return { value, source: `--${flag}` };
    }
    const variable = ENVIRONMENT[flag];
    const fromEnv = this.env[variable];
    return fromEnv ? { value: fromEnv, source: variable } : undefined;
  }

  /** Records what is wrong with a setting that was given; one not given is simply not set. */
  private refuse(given: Given | undefined, expected: string): void {
    if (given) {
      const { source, value } = given;
      const spelt = source.startsWith('-')
        ? `${source} ${JSON.stringify(value)}`
        : `${source}=${JSON.stringify(value)}`;
      this.problems.push(`${spelt}: ${expected}`);
    }
  }
}

function credentialsFrom(env: NodeJS.ProcessEnv): LocalStackArguments['credentials'] {
  const own: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const { LOCAL_ACCESS_KEY_ID: accessKeyId, LOCAL_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new UsageError('set both LOCAL_ACCESS_KEY_ID and LOCAL_SECRET_ACCESS_KEY, or neither');
  }
  return accessKeyId && secretAccessKey ? [own, { accessKeyId, secretAccessKey }] : [own];
}

/**
 * A stray argument. `npm start --port 0` (no `--`) hands `--port` to npm, which keeps it as its own
 * setting (npm_config_port) and passes only `0` on: say so, rather than "unexpected argument".
 */
function strayArgument(env: NodeJS.ProcessEnv) {
  return (value: string): string => {
    const eaten = Object.keys(FLAGS).filter(
      (flag) => env[`npm_config_${flag.replace(/-/g, '_')}`] !== undefined,
    );
    const hint =
      eaten.length > 0
        ? `npm kept ${eaten.map((flag) => `--${flag}`).join(', ')} for itself: put -- before the stack's options, as in \`npm start -- --port 0\``
        : 'npm start takes only options (see --help)';
    return `unexpected argument ${JSON.stringify(value)}: ${hint}`;
  };
}

/** Every value flag read and checked, then the pairs that must differ. */
function settings(read: SettingsReader) {
  const port = read.wholeNumber('port', 0, 65535) ?? 4569;
  // The gallery's and the CDN's follow the S3 port (0 for 0: each picks a free one).
  const after = (offset: number) => (port === 0 ? 0 : port + offset);
  const galleryPort = read.wholeNumber('gallery-port', 0, 65535) ?? after(1);
  const cdnPort = read.wholeNumber('cdn-port', 0, 65535) ?? after(2);
  const sourceBucket = read.bucket('source-bucket') ?? 'uploads';
  const thumbnailBucket = read.bucket('thumbnail-bucket') ?? 'thumbnails';
  const concurrency = read.wholeNumber('concurrency', 1, 256) ?? availableParallelism();
  const drainSeconds = read.wholeNumber('drain-seconds', 0, 3600) ?? 30;
  // The default stays in the checkout wherever npm start is run from, as the README says.
  const dataDir = read.folder('data-dir') ?? resolve('.local-s3');
  const values = {
    port,
    galleryPort,
    cdnPort,
    dataDir,
    sourceBucket,
    thumbnailBucket,
    concurrency,
    drainSeconds,
  };
  checkPairs(values, read.problems);
  return values;
}

/** Settings fine one by one that cannot go together. */
function checkPairs(values: ReturnType<typeof settings>, problems: string[]): void {
  const { port, galleryPort, cdnPort, sourceBucket, thumbnailBucket } = values;
  if (sourceBucket === thumbnailBucket) {
    problems.push(`the source and thumbnail buckets are both "${sourceBucket}": they must differ`);
  }
  const ports = [
    ['S3', port],
    ['gallery', galleryPort],
    ['CDN', cdnPort],
  ] as const;
  ports.forEach(([name, value], index) => {
    const same = ports.slice(0, index).find(([, other]) => other === value && value !== 0);
    if (same) {
      problems.push(
        `the ${same[0]} and ${name} ports are both ${value}: they must differ (0 picks a free one)`,
      );
    }
  });
  for (const [flag, value, offset] of [
    ['--gallery-port', galleryPort, 1],
    ['--cdn-port', cdnPort, 2],
  ] as const) {
    if (value > 65535) {
      problems.push(`${flag}: the default (S3 port + ${offset}) is ${value}, out of range; set it`);
    }
  }
}

/** Reads `npm start` flags over environment variables; `undefined` means help was asked for. */
export function parseLocalStackArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): LocalStackArguments | undefined {
  const { values: flags } = readFlags(argv, FLAGS, strayArgument(env));
  if (flags.has('help')) {
    return undefined;
  }
  const read = new SettingsReader(flags, env);
  const values = settings(read);
  if (read.problems.length > 0) {
    throw new UsageError(read.problems.join('; '));
  }
  return { ...values, fresh: flags.has('fresh'), credentials: credentialsFrom(env) };
}

/** Every environment variable `npm start` reads, its own and the handler's. */
const KNOWN_VARIABLES = [...Object.values(ENVIRONMENT), ...CREDENTIAL_VARIABLES, ...CONFIG_VARIABLES];

/**
 * Warnings for environment variables one typo away from a setting (`LOCAL_S3_PROT`, `THUMBNAIL_WIDHT`):
 * such a variable is ignored, so the run would quietly use the default instead.
 */
export function environmentWarnings(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => !KNOWN_VARIABLES.includes(name) && !name.startsWith('npm_'))
    .flatMap((name) => {
      const meant = closest(name, KNOWN_VARIABLES);
      return meant
        ? [`${name} is not a setting npm start reads (did you mean ${meant}?); it is ignored`]
        : [];
    });
}
