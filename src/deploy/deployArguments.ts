import { parseArgs } from 'node:util';
import { bucketNameSchema } from '../config';
import { UsageError } from '../validation/usageError';
import * as z from '../validation/zod';
import { type ImageUri, imageUriSchema } from './imageUri';

export const DEPLOY_USAGE = `Usage: npm run deploy -- --function <name> --image-uri <uri@sha256:...> [options]
       npm run deploy -- --function <name> --rollback [--to-version <n>]

Deploys an image to the thumbnail function without ever sending traffic to a broken build: updates the
code, waits for the update, publishes a version, smoke-tests that version by invoking it with an S3 event
for a canary image, and only then moves the alias that the S3 notification invokes.

Options:
      --function <name>      the function (default: LAMBDA_FUNCTION_NAME)
      --image-uri <uri>      ECR image by digest: <registry>/<repository>@sha256:<digest>
      --alias <name>         the alias S3 invokes (default: live)
      --rollback             move the alias back to the version it pointed to before the last move
      --to-version <n>       with --rollback: the version to move it to instead
      --canary-key <key>     source key of the canary image (default: <SOURCE_PREFIX>thumbnailer-canary/canary.jpg)
      --canary-file <path>   the canary image, uploaded when missing (default: scripts/assets/smoke-test.jpg)
      --source-bucket <name> bucket of the canary (default: the function's SOURCE_BUCKET)
      --skip-smoke-test      move the alias without a smoke test (emulators that cannot run images)
      --dry-run              print what would be done, change nothing
      --summary <file>       append a Markdown summary (default: GITHUB_STEP_SUMMARY, when set)
  -h, --help                 show this help

Honours AWS_REGION, AWS_PROFILE and AWS_ENDPOINT_URL. Exit codes: 0 deployed (or nothing to do),
1 failed (the alias was left where it was), 2 bad usage.
`;

interface Common {
  readonly functionName: string;
  readonly alias: string;
  readonly dryRun: boolean;
  readonly summaryFile?: string | undefined;
}

export interface DeployArguments extends Common {
  readonly action: 'deploy';
  readonly image: ImageUri;
  readonly smokeTest: boolean;
  readonly canaryKey?: string | undefined;
  readonly canaryFile: string;
  readonly sourceBucket?: string | undefined;
}

export interface RollbackArguments extends Common {
  readonly action: 'rollback';
  readonly toVersion?: string | undefined;
}

const OPTIONS = {
  function: { type: 'string' },
  'image-uri': { type: 'string' },
  alias: { type: 'string' },
  rollback: { type: 'boolean' },
  'to-version': { type: 'string' },
  'canary-key': { type: 'string' },
  'canary-file': { type: 'string' },
  'source-bucket': { type: 'string' },
  'skip-smoke-test': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  summary: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

// Lambda's own rules: a name or an ARN; an alias name that is not all digits (those are versions).
const functionSchema = z
  .string()
  .check(
    z.regex(
      /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9_-]{1,64}$/,
      'must be a function name (letters, digits, - and _, at most 64) or its ARN',
    ),
  );
const aliasSchema = z._default(
  z.string().check(z.regex(/^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/, 'must be an alias name, not a version number')),
  'live',
);
const versionSchema = z.string().check(z.regex(/^[1-9]\d*$/, 'must be a published version number'));
const keySchema = z
  .string()
  .check(z.refine((key) => key.length > 0 && Buffer.byteLength(key) <= 1024, 'must be 1 to 1,024 bytes'));

const argumentsSchema = z.object({
  function: z.pipe(z.string({ message: 'is required (or set LAMBDA_FUNCTION_NAME)' }), functionSchema),
  'image-uri': z.optional(imageUriSchema),
  alias: aliasSchema,
  'to-version': z.optional(versionSchema),
  'canary-key': z.optional(keySchema),
  'source-bucket': z.optional(bucketNameSchema),
});

function readFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function validated(values: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const parsed = argumentsSchema.safeParse({
    ...values,
    function: values.function ?? (env.LAMBDA_FUNCTION_NAME || undefined),
  });
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues.map((issue) => `--${String(issue.path[0])}: ${issue.message}`).join('; '),
    );
  }
  return parsed.data;
}

type Values = ReturnType<typeof readFlags>['values'];
type Validated = ReturnType<typeof validated>;

function rollbackArguments(args: Validated, common: Common): RollbackArguments {
  if (args['image-uri'] !== undefined) {
    throw new UsageError('--rollback moves the alias to a published version: do not pass --image-uri');
  }
  return { ...common, action: 'rollback', toVersion: args['to-version'] };
}

function deployArguments(
  args: Validated,
  values: Values,
  common: Common,
  defaultCanaryFile: string,
): DeployArguments {
  if (args['to-version'] !== undefined) {
    throw new UsageError('--to-version goes with --rollback');
  }
  if (args['image-uri'] === undefined) {
    throw new UsageError('--image-uri is required (or --rollback)');
  }
  return {
    ...common,
    action: 'deploy',
    image: args['image-uri'],
    smokeTest: values['skip-smoke-test'] !== true,
    canaryKey: args['canary-key'],
    canaryFile: values['canary-file'] ?? defaultCanaryFile,
    sourceBucket: args['source-bucket'],
  };
}

/** Reads the command line; `undefined` means help was asked for. */
export function parseDeployArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  defaultCanaryFile: string,
): DeployArguments | RollbackArguments | undefined {
  const { values } = readFlags(argv);
  if (values.help) {
    return undefined;
  }
  const args = validated(values, env);
  const common: Common = {
    functionName: args.function,
    alias: args.alias,
    dryRun: values['dry-run'] === true,
    summaryFile: values.summary ?? (env.GITHUB_STEP_SUMMARY || undefined),
  };
  return values.rollback
    ? rollbackArguments(args, common)
    : deployArguments(args, values, common, defaultCanaryFile);
}
