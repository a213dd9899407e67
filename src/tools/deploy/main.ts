/**
 * `npm run deploy`: moves the thumbnail function to a new image safely, or rolls it back. Exit codes: 0
 * done (or nothing to do), 1 failed, 2 bad usage.
 */
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { awsSetupProblem } from '../../aws/awsSetup';
import { deploy } from './deploy';
import {
  DEPLOY_USAGE,
  type DeployArguments,
  parseDeployArguments,
  type RollbackArguments,
} from './deployArguments';
import { DeployError } from './deployError';
import { deploySummary } from './deploySummary';
import { lambdaInvoker } from './invoker';
import { rollback } from './rollback';
import { exitWith, messageOf, UsageError } from '../../common/errors';

// dist/deploy/main.js -> the repository's sample image, the canary every smoke test thumbnails.
const CANARY_IMAGE = join(__dirname, '..', '..', 'scripts', 'assets', 'smoke-test.jpg');

const report = (line: string) => process.stdout.write(`${line}\n`);

/** Appends to the job summary; a summary that cannot be written never turns a deploy into a failure. */
function summarise(result: Parameters<typeof deploySummary>[0]): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  try {
    if (file) {
      appendFileSync(file, deploySummary(result, process.env.GITHUB_SHA));
    }
  } catch (error) {
    process.stderr.write(
      `deploy: could not append the job summary to ${String(file)}: ${messageOf(error)}\n`,
    );
  }
}

function run(args: DeployArguments | RollbackArguments) {
  const lambda = new LambdaClient({});
  if (args.action === 'rollback') {
    return rollback({ lambda, report }, args);
  }
  const dependencies = {
    lambda,
    // The registry's region, which may differ from the function's.
    ecr: new ECRClient({ region: args.image.region }),
    s3: new S3Client({}),
    invoke: lambdaInvoker(lambda),
    readCanaryImage: () => readFile(CANARY_IMAGE),
    report,
  };
  return deploy(dependencies, args);
}

async function main(): Promise<void> {
  // As for npm start: the notice that future SDK releases need Node 22 is not this command's business.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let args;
  try {
    args = parseDeployArguments(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      exitWith('deploy', error.message, 2, 'npm run deploy -- --help');
    }
    throw error;
  }
  if (args === undefined) {
    process.stdout.write(DEPLOY_USAGE);
    return;
  }
  try {
    summarise(await run(args));
  } catch (error) {
    summarise({ error: error instanceof Error ? error : new Error(String(error)) });
    throw error;
  }
}

main().catch((error: unknown) => {
  const setup = awsSetupProblem(error);
  if (setup !== undefined) {
    exitWith('deploy', setup.message, 2, setup.hint);
  }
  exitWith('deploy failed', messageOf(error), 1, error instanceof DeployError ? error.hint : undefined);
});
