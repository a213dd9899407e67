import { DEFAULT_INPUT_LIMITS, type InputLimits, inputLimitsSchema } from '../core/engine/inputLimits';
import { type ThumbnailOptions, thumbnailOptionsSchema } from '../core/engine/thumbnailOptions';
import { implicitRendition, parseRenditions, type Rendition, type RenditionsParse } from '../core/renditions';
import * as z from '../common/zod';
import { ConfigError } from '../common/errors';

export interface Config {
  /** Where thumbnails are written. */
  readonly thumbnailBucket: string;
  /** Prepended to every thumbnail key; also the recursion guard when source and destination are one bucket. */
  readonly thumbnailPrefix: string;
  /** The bucket events must come from, when set; events from any other bucket are skipped. */
  readonly sourceBucket?: string | undefined;
  /** The prefix source keys must start with; others are skipped (the function may read only these). */
  readonly sourcePrefix: string;
  readonly cacheControl: string;
  /** Path-style S3 URLs, for S3-compatible servers (MinIO, s3rver) that lack virtual-host buckets. */
  readonly s3ForcePathStyle: boolean;
  /** THUMBNAIL_* (and the input limits beside them); with RENDITIONS unset, also the one rendition made. */
  readonly thumbnail: ThumbnailOptions;
  /** What each upload becomes: RENDITIONS, or else the one implicit rendition from THUMBNAIL_*. */
  readonly renditions: readonly Rendition[];
  /** What one input may cost in memory before it is decoded. */
  readonly inputLimits: InputLimits;
  /** The EventBridge bus completion events go to (a name or ARN); unset, none are published. */
  readonly eventBusName?: string | undefined;
  /** The DynamoDB metadata table (a name or ARN); unset, there is none. */
  readonly metadataTable?: string | undefined;
  /** The CloudFront distribution whose cached renditions are invalidated on overwrites and deletes; unset, none. */
  readonly cdnDistributionId?: string | undefined;
}

const option = thumbnailOptionsSchema.shape;
const limit = inputLimitsSchema.shape;

/** S3's bucket naming rules (the common subset: no uppercase, no underscores, 3 to 63 characters). */
/** S3's general purpose bucket naming rules, beyond the characters: no `..`, no IP address shape. */
const BUCKET_NAME_RULES: readonly [RegExp, string][] = [
  [/\.\./, 'must not hold two adjacent dots'],
  [/^\d{1,3}(\.\d{1,3}){3}$/, 'must not be shaped like an IP address'],
  [
    /^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/,
    'uses a prefix or suffix S3 reserves',
  ],
];

export const bucketNameSchema = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
    ...BUCKET_NAME_RULES.map(([pattern, rule]) =>
      z.refine<string>((name) => !pattern.test(name), `must be a valid S3 bucket name: it ${rule}`),
    ),
  );

const booleanString = z.pipe(
  z._default(z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }), 'false'),
  z.transform((value) => value === 'true' || value === '1'),
);

/**
 * Key prefixes: S3 allows any UTF-8 in a key, but control characters cannot travel in S3's XML
 * listings or in a log line intact, and `*` and `?` are wildcards in the IAM policy that scopes the
 * function to the prefix (Terraform refuses the same values: terraform/dependencies/variables.tf).
 */
const prefixSchema = z.string().check(
  z.refine((prefix) => Buffer.byteLength(prefix) <= 512, 'must be at most 512 bytes'),
  z.refine(
    (prefix) => !prefix.startsWith('/'),
    'must not start with "/": S3 keeps it as part of the key ("/a.jpg" is another key than "a.jpg"), which is rarely what is meant; leave it empty for the bucket\'s top',
  ),
  z.refine(
    // eslint-disable-next-line no-control-regex
    (prefix) => !/[\u0000-\u001f\u007f*?]/.test(prefix),
    'must not hold control characters (line breaks, tabs), "*" or "?"',
  ),
);

const eventBusSchema = z
  .string()
  .check(
    z.regex(
      /^(?:arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[A-Za-z0-9._\-/]{1,256}$/,
      'must be an EventBridge bus name (default for the default bus) or its ARN',
    ),
  );

const tableSchema = z
  .string()
  .check(
    z.regex(
      /^(?:arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/)?[A-Za-z0-9._-]{3,255}$/,
      'must be a DynamoDB table name (3 to 255 of A-Z, a-z, 0-9, "_", "-", ".") or its ARN',
    ),
  );

/**
 * An HTTP header value, as S3 stores and serves it: visible ASCII and spaces, nothing that could end
 * the header (a CR or LF would let the value forge others, and Node refuses it on every upload, which
 * made each event a transient failure bound for the dead-letter queue).
 */
const headerValueSchema = z.string().check(
  z.refine(
    (value) => /^[\x20-\x7e]+$/.test(value),
    'must be printable ASCII on one line (an HTTP header value)',
  ),
  z.refine((value) => value.trim() === value, 'must not start or end with a space'),
  z.refine((value) => value.length <= 1024, 'must be at most 1024 characters'),
);

/** Environment variable -> schema. docs/configuration.md documents these same names. */
const envSchema = z.object({
  THUMBNAIL_BUCKET: z.pipe(
    z.string({ message: 'is required: the bucket thumbnails are written to' }),
    bucketNameSchema,
  ),
  THUMBNAIL_PREFIX: z._default(prefixSchema, ''),
  SOURCE_BUCKET: z.optional(bucketNameSchema),
  SOURCE_PREFIX: z._default(prefixSchema, ''),
  THUMBNAIL_CACHE_CONTROL: z._default(headerValueSchema, 'public, max-age=86400'),
  S3_FORCE_PATH_STYLE: booleanString,
  THUMBNAIL_WIDTH: option.width,
  THUMBNAIL_HEIGHT: option.height,
  THUMBNAIL_FIT: option.fit,
  THUMBNAIL_FORMAT: option.format,
  THUMBNAIL_QUALITY: option.quality,
  THUMBNAIL_BACKGROUND: option.background,
  MAX_INPUT_BYTES: option.maxInputBytes,
  MAX_INPUT_PIXELS: option.maxInputPixels,
  DECODE_FAIL_ON: option.failOn,
  HEIC_INPUT: option.heic,
  /** A JSON list of renditions (src/core/renditions.ts), read separately so each bad entry is named. */
  RENDITIONS: z.optional(z.string()),
  MAX_METADATA_BYTES: limit.maxMetadataBytes,
  MAX_INPUT_FRAMES: limit.maxFrames,
  MAX_DECODE_BYTES: z.optional(z.wholeNumber(1)),
  EVENT_BUS_NAME: z.optional(eventBusSchema),
  METADATA_TABLE: z.optional(tableSchema),
  CDN_DISTRIBUTION_ID: z.optional(
    z
      .string()
      .check(z.regex(/^[A-Z0-9]{10,32}$/, 'must be a CloudFront distribution ID, such as E2QWRUHAPOMQZL')),
  ),
  /** Set by Lambda itself: the function's memory in MB. */
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: z.optional(z.wholeNumber(128)),
});

type EnvName = keyof typeof envSchema.shape;

/** Every variable the configuration reads, for tools that check names (the local stack warns of typos). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as readonly EnvName[];

const MEBIBYTE = 1024 * 1024;
/** What Node, the SDK, the downloaded input and sharp's own buffers take besides a decode (measured). */
const RESERVED_MB = 160;

/**
 * The decode memory limit: as set, or else what the function's memory leaves once the rest is
 * reserved (a 512 MB function: 352 MiB), or else the engine's default, which is that same figure.
 */
function decodeLimit(setting: number | undefined, functionMemoryMb: number | undefined): number {
  if (setting !== undefined) return setting;
  if (functionMemoryMb === undefined) return DEFAULT_INPUT_LIMITS.maxDecodeBytes;
  return Math.max(64, functionMemoryMb - RESERVED_MB) * MEBIBYTE;
}

/** Terraform and shells often set a variable to "" to mean "not set"; treat it that way. */
function withoutEmpty(env: NodeJS.ProcessEnv): Partial<Record<EnvName, string>> {
  const names = Object.keys(envSchema.shape) as EnvName[];
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}

/** The THUMBNAIL_* variables that describe the one implicit rendition: RENDITIONS replaces them all. */
const RENDITION_VARIABLES = [
  'THUMBNAIL_WIDTH',
  'THUMBNAIL_HEIGHT',
  'THUMBNAIL_FIT',
  'THUMBNAIL_FORMAT',
  'THUMBNAIL_QUALITY',
  'THUMBNAIL_BACKGROUND',
] as const satisfies readonly EnvName[];

/**
 * RENDITIONS as parsed (undefined when unset: the implicit rendition, from THUMBNAIL_*), or every problem
 * with it, each named, as `RENDITIONS[1].width: ...`. Read apart from the other variables, so that one
 * message names the problems of both.
 */
function renditionsFrom(raw: Partial<Record<EnvName, string>>): RenditionsParse | undefined {
  if (raw.RENDITIONS === undefined) {
    return undefined;
  }
  const clashing = RENDITION_VARIABLES.filter((name) => raw[name] !== undefined);
  const clash =
    clashing.length === 0
      ? []
      : [
          `RENDITIONS: replaces ${clashing.join(', ')}, which must then be unset (give each rendition its own width, height, fit, formats, quality and background)`,
        ];
  const parsed = parseRenditions(raw.RENDITIONS);
  const problems = [...clash, ...(parsed.ok ? [] : parsed.problems.map((problem) => `RENDITIONS${problem}`))];
  return problems.length === 0 ? parsed : { ok: false, problems };
}

/**
 * Reads the configuration from environment variables, once, at start-up. A bad configuration throws one
 * {@link ConfigError} that names every bad variable, so a deploy fails at init rather than per upload.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const raw = withoutEmpty(env);
  const parsed = envSchema.safeParse(raw);
  const renditions = renditionsFrom(raw);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => {
          const name = String(issue.path[0]) as EnvName;
          const got = raw[name] === undefined ? '' : ` (got ${JSON.stringify(raw[name])})`;
          return `${name}: ${issue.message}${got}`;
        })),
    ...(renditions?.ok === false ? renditions.problems : []),
  ];
  if (!parsed.success || renditions?.ok === false) {
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const vars = parsed.data;
  const thumbnail: ThumbnailOptions = {
    width: vars.THUMBNAIL_WIDTH,
    height: vars.THUMBNAIL_HEIGHT,
    fit: vars.THUMBNAIL_FIT,
    format: vars.THUMBNAIL_FORMAT,
    quality: vars.THUMBNAIL_QUALITY,
    background: vars.THUMBNAIL_BACKGROUND,
    maxInputBytes: vars.MAX_INPUT_BYTES,
    maxInputPixels: vars.MAX_INPUT_PIXELS,
    failOn: vars.DECODE_FAIL_ON,
    heic: vars.HEIC_INPUT,
  };
  return {
    thumbnailBucket: vars.THUMBNAIL_BUCKET,
    thumbnailPrefix: vars.THUMBNAIL_PREFIX,
    sourceBucket: vars.SOURCE_BUCKET,
    sourcePrefix: vars.SOURCE_PREFIX,
    cacheControl: vars.THUMBNAIL_CACHE_CONTROL,
    s3ForcePathStyle: vars.S3_FORCE_PATH_STYLE,
    thumbnail,
    renditions: renditions?.renditions ?? [implicitRendition(thumbnail)],
    inputLimits: {
      maxMetadataBytes: vars.MAX_METADATA_BYTES,
      maxFrames: vars.MAX_INPUT_FRAMES,
      maxDecodeBytes: decodeLimit(vars.MAX_DECODE_BYTES, vars.AWS_LAMBDA_FUNCTION_MEMORY_SIZE),
    },
    eventBusName: vars.EVENT_BUS_NAME,
    metadataTable: vars.METADATA_TABLE,
    cdnDistributionId: vars.CDN_DISTRIBUTION_ID,
  };
}
