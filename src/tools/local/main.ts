/**
 * `npm start`: the local stack in the foreground, until Ctrl-C, SIGTERM or SIGHUP (the terminal closed).
 * Exit codes: 0 after a clean stop, 1 when it cannot start or a stop ran out of drain time, 2 for bad
 * arguments or configuration (a data folder another stack uses included), 130 on a second Ctrl-C.
 */
import { type LocalStack, PortUnavailableError, startLocalStack } from './localStack';
import {
  environmentWarnings,
  LOCAL_STACK_USAGE,
  type LocalStackArguments,
  parseLocalStackArguments,
} from './localStackArguments';
import { ConfigError, describeError, exitWith, UsageError } from '../../common/errors';
import { describeRendition } from '../../core/renditions';

const print = (line: string) => process.stdout.write(`${line}\n`);

// Once the terminal has closed (SIGHUP), writing to it fails with EIO: the drain must go on regardless.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

/** What each upload becomes: the THUMBNAIL_* thumbnail, or else every rendition RENDITIONS lists. */
function madeInto(stack: LocalStack): string {
  const { renditions, thumbnail } = stack.config;
  if (renditions.every((rendition) => rendition.implicit)) {
    const { width, height, fit, format } = thumbnail;
    return `${format}, ${fit} ${width}x${height}`;
  }
  return renditions.map(describeRendition).join('; ');
}

function banner(stack: LocalStack, args: LocalStackArguments): string {
  const example = `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${stack.endpoint} s3 cp cat.jpg s3://${args.sourceBucket}/`;
  return [
    'thumbnailer local stack is running',
    `  S3 endpoint   ${stack.endpoint}  (path-style; any region)`,
    '  credentials   AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test',
    `  buckets       ${args.sourceBucket} -> ${args.thumbnailBucket}  (${madeInto(stack)})`,
    `  data          ${args.dataDir}  (kept across restarts; ${args.fresh ? 'emptied by --fresh' : '--fresh empties it'})`,
    `  gallery       ${stack.galleryUrl}`,
    `  cdn           ${stack.cdnUrl}`,
    `  events        ${stack.eventLog}  (JSON lines, as an EventBridge rule receives them)`,
    `  concurrency   ${args.concurrency}`,
    '',
    'Upload an image:',
    `  ${example}`,
    '',
    `Ctrl-C stops after finishing every upload already received (waiting at most ${args.drainSeconds} s; Ctrl-C again exits at once).`,
    '',
  ].join('\n');
}

/** A second signal this soon after the first is the same request: Ctrl-C under npm delivers SIGINT twice. */
const SAME_REQUEST_MS = 1000;

/** How often a stop that is still waiting says what for. */
const PROGRESS_EVERY_MS = 5000;

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function waitingFor(stack: LocalStack): string {
  const { uploads, records } = stack.inProgress();
  return uploads + records === 0
    ? 'nothing in progress'
    : `${plural(uploads, 'upload')} being received, ${plural(records, 'record')} being made or queued`;
}

/**
 * Stops the stack, saying what it waits for, and exits; after `drainSeconds` it exits anyway. Nothing
 * acknowledged is lost by that: an upload cut off was never acknowledged (its client sees the connection
 * close), and an object stored but not yet thumbnailed is caught up at the next start.
 */
function drainAndExit(stack: LocalStack, drainSeconds: number): void {
  const progress = setInterval(() => print(`still waiting for ${waitingFor(stack)}...`), PROGRESS_EVERY_MS);
  const deadline = setTimeout(() => {
    print(
      `gave up waiting after ${drainSeconds} s for ${waitingFor(stack)}: uploads cut off were never acknowledged; stored ones are thumbnailed at the next start`,
    );
    process.exit(1);
  }, drainSeconds * 1000);
  stack.stop().then(
    () => {
      clearInterval(progress);
      clearTimeout(deadline);
      print('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      console.error('error while stopping:', error);
      process.exit(1);
    },
  );
}

function stopOnSignals(stack: LocalStack, drainSeconds: number): void {
  let firstSignalAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt > SAME_REQUEST_MS) {
        print(`${signal} again: exiting now, without waiting for ${waitingFor(stack)}`);
        process.exit(130);
      }
      return;
    }
    firstSignalAt = Date.now();
    const what = waitingFor(stack);
    const now = what === 'nothing in progress' ? what : `in progress: ${what}`;
    print(
      `\n${signal}: finishing uploads already received, then stopping (${now}; waiting at most ${drainSeconds} s; Ctrl-C again exits at once)...`,
    );
    drainAndExit(stack, drainSeconds);
  };
  // SIGHUP too: closing the terminal is a request to stop, and must not cut uploads off.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, stop);
  }
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
  // Signals first: whoever reads the banner may stop the stack at once.
  stopOnSignals(stack, args.drainSeconds);
  print(banner(stack, args));
}

void main();
