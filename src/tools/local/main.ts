/**
 * `npm start`: the local stack in the foreground, until Ctrl-C or SIGTERM. Exit codes: 0 after a clean
 * stop, 1 when it cannot start, 2 for bad arguments or configuration.
 */
import { type LocalStack, PortUnavailableError, startLocalStack } from './localStack';
import {
  environmentWarnings,
  LOCAL_STACK_USAGE,
  type LocalStackArguments,
  parseLocalStackArguments,
} from './localStackArguments';
import { ConfigError, describeError, exitWith, UsageError } from '../../common/errors';

const print = (line: string) => process.stdout.write(`${line}\n`);

function banner(stack: LocalStack, args: LocalStackArguments): string {
  const example = `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${stack.endpoint} s3 cp cat.jpg s3://${args.sourceBucket}/`;
  const { width, height, fit, format } = stack.config.thumbnail;
  return [
    'thumbnailer local stack is running',
    `  S3 endpoint   ${stack.endpoint}  (path-style; any region)`,
    '  credentials   AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test',
    `  buckets       ${args.sourceBucket} -> ${args.thumbnailBucket}  (${format}, ${fit} ${width}x${height})`,
    `  data          ${args.dataDir}  (kept across restarts; ${args.fresh ? 'emptied by --fresh' : '--fresh empties it'})`,
    `  gallery       ${stack.galleryUrl}`,
    `  events        ${stack.eventLog}  (JSON lines, as an EventBridge rule receives them)`,
    `  concurrency   ${args.concurrency}`,
    '',
    'Upload an image:',
    `  ${example}`,
    '',
    'Ctrl-C stops after finishing every upload already received.',
    '',
  ].join('\n');
}

/** A second signal this soon after the first is the same request: Ctrl-C under npm delivers SIGINT twice. */
const SAME_REQUEST_MS = 1000;

function stopOnSignals(stack: LocalStack): void {
  let firstSignalAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt > SAME_REQUEST_MS) {
        print(`${signal} again: exiting now, without waiting`);
        process.exit(130);
      }
      return;
    }
    firstSignalAt = Date.now();
    print(
      `\n${signal}: finishing uploads already received, then stopping (press Ctrl-C again to exit at once)...`,
    );
    stack.stop().then(
      () => {
        print('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function startupFailure(error: unknown): never {
  if (error instanceof ConfigError || error instanceof UsageError) {
    exitWith('npm start', error.message, 2, 'run `npm start -- --help` for the options');
  }
  exitWith(
    'npm start',
    error instanceof PortUnavailableError ? error.message : `could not start: ${describeError(error)}`,
    1,
  );
}

async function main(): Promise<void> {
  // Locally the terminal gets one readable line per upload; JSON logs and EMF metrics are for CloudWatch.
  if (!process.env.POWERTOOLS_LOG_LEVEL && !process.env.LOG_LEVEL) {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  }
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  let args: LocalStackArguments | undefined;
  try {
    args = parseLocalStackArguments(process.argv.slice(2), process.env);
  } catch (error) {
    return startupFailure(error);
  }
  for (const warning of environmentWarnings(process.env)) {
    console.error(`warning: ${warning}`);
  }
  if (!args) {
    print(LOCAL_STACK_USAGE);
    return;
  }
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ ...args, env: process.env, print });
  } catch (error) {
    return startupFailure(error);
  }
  print(banner(stack, args));
  stopOnSignals(stack);
}

void main();
