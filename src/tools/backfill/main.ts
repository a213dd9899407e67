/**
 * `npm run backfill`: thumbnails for the images already in a bucket, through the function's Batch
 * Operations entry point, here (--endpoint) or as an S3 Batch Operations job in AWS. Exit codes: 0 done,
 * 1 failed, 2 bad usage or refused before anything ran, 130 interrupted.
 */
import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { runAws, watchAws } from './aws/awsRun';
import { BACKFILL_USAGE, type BackfillArguments, parseBackfillArguments } from './backfillArguments';
import { BackfillError } from './backfillError';
import { runLocal } from './localRun';
import { ProgressDisplay } from './progress';
import { awsSetupProblem } from '../../aws/awsSetup';
import { ConfigError, describeError, exitWith, UsageError } from '../../common/errors';

const PROGRAM = 'backfill';
const CHECK_FLAGS = '--check-flags';
const print = (line: string) => process.stdout.write(`${line}\n`);

/** The first Ctrl-C lets running tasks finish; a second one exits at once. */
function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    process.stderr.write(`\n${PROGRAM}: stopping: the tasks running now finish, no new one starts\n`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

/** Asks on the terminal; with no terminal to ask on, the answer is no (pass --yes). */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write(`${PROGRAM}: no terminal to confirm on: pass --yes to create the job\n`);
    return false;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

function run(args: BackfillArguments): Promise<number> {
  const progress = new ProgressDisplay(process.stderr);
  const host = { env: process.env, print, progress, signal: abortOnSignals() };
  if (args.mode === 'local') {
    return runLocal(args, host);
  }
  const awsHost = {
    ...host,
    lambda: new LambdaClient({}),
    s3: new S3Client({}),
    s3control: new S3ControlClient({}),
    confirm,
    sleep: (ms: number) => sleep(ms, undefined, { signal: host.signal }).catch(() => undefined),
  };
  return args.mode === 'watch' ? watchAws(args, awsHost) : runAws(args, awsHost);
}

/** The terminal gets the progress line and the summary; JSON logs and EMF metrics are for CloudWatch. */
function quietFunctionOutput(): void {
  if (!process.env.POWERTOOLS_LOG_LEVEL && !process.env.LOG_LEVEL) {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  }
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

async function main(): Promise<void> {
  quietFunctionOutput();
  try {
    // --check-flags: the command line checked, nothing else (scripts/backfill.sh runs it first).
    const argv = process.argv.slice(2);
    const args = parseBackfillArguments(
      argv.filter((arg) => arg !== CHECK_FLAGS),
      process.env,
    );
    if (args === undefined || argv.includes(CHECK_FLAGS)) {
      process.stdout.write(args === undefined ? BACKFILL_USAGE : '');
      return;
    }
    process.exitCode = await run(args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      exitWith(PROGRAM, error.message, 2, 'npm run backfill -- --help');
    }
    if (error instanceof BackfillError) {
      exitWith(PROGRAM, error.message, error.exitCode, error.hint);
    }
    const setup = awsSetupProblem(error);
    if (setup !== undefined) {
      exitWith(PROGRAM, setup.message, 2, setup.hint);
    }
    exitWith(PROGRAM, describeError(error), 1);
  }
}

void main();
