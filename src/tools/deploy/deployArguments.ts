import { type ImageUri, parseImageUri } from './imageUri';
import { UsageError } from '../../common/errors';
import { type FlagSpec, readFlagValues } from '../../common/flags';

export const DEPLOY_USAGE = `Usage: npm run deploy -- --function <name> --image-uri <uri@sha256:...> [--dry-run]
       npm run deploy -- --function <name> --rollback [--to-version <n>] [--dry-run]

Deploys an image to the thumbnail function without ever sending traffic to a broken build: updates the
code, publishes a version, smoke-tests that version by invoking it with an S3 event for a canary image,
and only then moves the alias S3 invokes (live). The alias previous keeps the version live left.

Options:
      --function <name>   the function (default: LAMBDA_FUNCTION_NAME)
      --image-uri <uri>   ECR image by digest: <registry>/<repository>@sha256:<digest>
      --rollback          move live back to the version alias previous holds (again: undo the rollback)
      --to-version <n>    with --rollback: move live to this published version instead
      --skip-smoke-test   move live without a smoke test (emulators that cannot run images)
      --dry-run           print what would be done, change nothing
  -h, --help              show this help

Honours AWS_REGION, AWS_PROFILE and AWS_ENDPOINT_URL; appends a summary to GITHUB_STEP_SUMMARY when set.
Exit codes: 0 done (or nothing to do), 1 failed (a failed deploy leaves live where it was), 2 bad usage.
`;

interface Common {
  readonly functionName: string;
  readonly dryRun: boolean;
}

export interface DeployArguments extends Common {
  readonly action: 'deploy';
  readonly image: ImageUri;
  readonly smokeTest: boolean;
}

export interface RollbackArguments extends Common {
  readonly action: 'rollback';
  readonly toVersion?: string | undefined;
}

const OPTIONS = {
  function: { type: 'string' },
  'image-uri': { type: 'string' },
  rollback: { type: 'boolean' },
  'to-version': { type: 'string' },
  'skip-smoke-test': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

// Lambda's own rules: a function name or its ARN; a published version is a positive number.
const FUNCTION_NAME = /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9_-]{1,64}$/;
const VERSION = /^[1-9]\d{0,9}$/;

/** The one wording of a bad flag: `--flag: what is wrong`. */
const badFlag = (flag: keyof typeof OPTIONS, problem: string) => new UsageError(`--${flag}: ${problem}`);

/** The flags given; deploy takes no other arguments. */
const readFlags = (argv: readonly string[]) =>
  readFlagValues(
    argv,
    OPTIONS,
    (value) => `unexpected argument ${JSON.stringify(value)}: deploy takes only options`,
  ).values;

type Flags = ReturnType<typeof readFlags>;

function functionNameOf(flags: Flags, env: NodeJS.ProcessEnv): string {
  const name = flags.function ?? (env.LAMBDA_FUNCTION_NAME || undefined);
  if (name === undefined) {
    throw badFlag('function', 'is required (or set LAMBDA_FUNCTION_NAME)');
  }
  if (!FUNCTION_NAME.test(name)) {
    throw badFlag('function', 'must be a function name (letters, digits, - and _, at most 64) or its ARN');
  }
  return name;
}

function rollbackArguments(flags: Flags, common: Common): RollbackArguments {
  const toVersion = flags['to-version'];
  if (flags['image-uri'] !== undefined || flags['skip-smoke-test'] === true) {
    throw new UsageError(
      '--rollback moves live to a published version: no --image-uri, no --skip-smoke-test',
    );
  }
  if (toVersion !== undefined && !VERSION.test(toVersion)) {
    throw badFlag('to-version', 'must be a published version number');
  }
  return { ...common, action: 'rollback', toVersion };
}

function deployArguments(flags: Flags, common: Common): DeployArguments {
  if (flags['to-version'] !== undefined) {
    throw new UsageError('--to-version goes with --rollback');
  }
  const uri = flags['image-uri'];
  if (uri === undefined) {
    throw new UsageError('--image-uri is required (or --rollback)');
  }
  const image = parseImageUri(uri);
  if (image === undefined) {
    throw badFlag(
      'image-uri',
      'must be an ECR image by digest: <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex digits>',
    );
  }
  return { ...common, action: 'deploy', image, smokeTest: flags['skip-smoke-test'] !== true };
}

/** Reads the command line; `undefined` means help was asked for. Throws a {@link UsageError}. */
export function parseDeployArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): DeployArguments | RollbackArguments | undefined {
  const flags = readFlags(argv);
  if (flags.help === true) {
    return undefined;
  }
  const common = { functionName: functionNameOf(flags, env), dryRun: flags['dry-run'] === true };
  return flags.rollback === true ? rollbackArguments(flags, common) : deployArguments(flags, common);
}
