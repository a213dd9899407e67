import type { ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateAliasCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2,
  waitUntilPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import { aliasDescription } from './aliasDescription';
import { checkImage } from './checkImage';
import type { DeployArguments } from './deployArguments';
import { awsCall, DeployError } from './deployError';
import { describePlan, planDeploy } from './deployPlan';
import { type FunctionState, readFunctionState, readVersion } from './functionState';
import { shortDigest } from './imageUri';
import { type SmokeTestDependencies, type SmokeTestPassed, smokeTest } from './smokeTest';

export interface DeployDependencies extends SmokeTestDependencies {
  readonly lambda: LambdaClient;
  readonly ecr: ECRClient;
  /** Progress, one line at a time. */
  readonly report: (line: string) => void;
  /** How long a code update, or a new version, may take to become ready (default 10 minutes). */
  readonly maxWaitSeconds?: number;
}

export interface DeployOutcome {
  readonly status: 'deployed' | 'up-to-date' | 'planned';
  readonly functionName: string;
  readonly alias: string;
  readonly imageUri: string;
  /** The version the alias serves afterwards (undefined for a plan). */
  readonly version: string | undefined;
  readonly previousVersion: string | undefined;
  readonly smokeTest: SmokeTestPassed | 'skipped' | undefined;
}

const STEPS = 5;

/** Reports the reason Lambda gives for a code update that did not succeed (a bad image, the wrong architecture). */
async function updateFailure(
  lambda: LambdaClient,
  functionName: string,
  error: unknown,
): Promise<DeployError> {
  const configuration = await lambda
    .send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
    .catch(() => undefined);
  const reason =
    configuration?.LastUpdateStatusReason ?? (error instanceof Error ? error.message : String(error));
  return new DeployError(
    `the code update of ${functionName} did not succeed (${configuration?.LastUpdateStatus ?? 'unknown status'}): ${reason}`,
    "check the image was built for the function's architecture (scripts/pushImage.sh --architecture) and that it starts",
  );
}

async function updateCode(
  deps: DeployDependencies,
  args: DeployArguments,
  state: FunctionState,
): Promise<void> {
  const { lambda } = deps;
  const functionName = args.functionName;
  await awsCall(
    {
      doing: `updating the code of ${functionName}`,
      action: 'lambda:UpdateFunctionCode',
      resource: state.latest.functionArn,
    },
    () =>
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: functionName,
          ImageUri: args.image.uri,
          // Fails rather than overwrites when someone else changed the function since it was read.
          RevisionId: state.latest.revisionId,
        }),
      ),
  );
  try {
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: deps.maxWaitSeconds ?? 600 },
      { FunctionName: functionName },
    );
  } catch (error) {
    throw await updateFailure(lambda, functionName, error);
  }
}

async function publish(
  deps: DeployDependencies,
  args: DeployArguments,
  state: FunctionState,
): Promise<string> {
  const { lambda } = deps;
  const output = await awsCall(
    {
      doing: `publishing a version of ${args.functionName}`,
      action: 'lambda:PublishVersion',
      resource: state.latest.functionArn,
    },
    () =>
      lambda.send(
        new PublishVersionCommand({
          FunctionName: args.functionName,
          Description: `image ${shortDigest(args.image.uri)}`,
        }),
      ),
  );
  const version = output.Version;
  if (version === undefined) {
    throw new DeployError(`Lambda published a version of ${args.functionName} without a number`);
  }
  await waitUntilPublishedVersionActive(
    { client: lambda, maxWaitTime: deps.maxWaitSeconds ?? 600 },
    { FunctionName: args.functionName, Qualifier: version },
  );
  return version;
}

async function moveAlias(
  deps: DeployDependencies,
  args: DeployArguments,
  state: FunctionState,
  version: string,
) {
  const description = aliasDescription(state.alias?.version, args.image.uri);
  const context = {
    doing: `moving alias ${args.functionName}:${args.alias} to version ${version}`,
    action: state.alias ? 'lambda:UpdateAlias' : 'lambda:CreateAlias',
    resource: `${state.latest.functionArn}:${args.alias}`,
  };
  const alias = {
    FunctionName: args.functionName,
    Name: args.alias,
    FunctionVersion: version,
    Description: description,
  };
  const existing = state.alias;
  await awsCall(context, () =>
    existing
      ? // Two deploys at once: the second to finish fails instead of silently undoing the first.
        deps.lambda.send(new UpdateAliasCommand({ ...alias, RevisionId: existing.revisionId }))
      : deps.lambda.send(new CreateAliasCommand(alias)),
  );
}

type Step = (n: number, text: string) => void;

/** Step 1: where things stand, and what to do about it. */
async function inspect(deps: DeployDependencies, args: DeployArguments, step: Step) {
  const { report } = deps;
  step(1, `checking ${args.image.uri} and function ${args.functionName}`);
  const pushedAt = await checkImage(deps.ecr, args.image);
  const state = await readFunctionState(deps.lambda, args.functionName, args.alias);
  const pushed = pushedAt === undefined ? '(time unknown)' : pushedAt.toISOString();
  report(`      image pushed ${pushed}; the function runs on ${state.latest.architecture}`);
  const live = state.alias
    ? `version ${state.alias.version} (${shortDigest(state.live?.imageUri ?? '?')})`
    : 'not created yet';
  report(`      alias ${args.alias}: ${live}`);
  return { state, plan: planDeploy(state, args.image) };
}

/** Step 4, unless skipped: the version must make the canary's thumbnail. */
async function smokeTestStep(deps: DeployDependencies, args: DeployArguments, version: string, step: Step) {
  if (!args.smokeTest) {
    step(4, 'smoke test skipped (--skip-smoke-test)');
    return 'skipped';
  }
  step(4, `smoke test: invoking version ${version} with the canary`);
  const smoke = await smokeTest(
    deps,
    args.functionName,
    await readVersion(deps.lambda, args.functionName, version),
    args,
  );
  const { thumbnail, canary } = smoke;
  const uploaded = canary.uploaded ? ' (canary uploaded)' : '';
  deps.report(
    `      made s3://${smoke.thumbnailBucket}/${thumbnail.outputKey} (${thumbnail.width}x${thumbnail.height}, ` +
      `${thumbnail.bytes} bytes) in ${thumbnail.durationMs} ms from s3://${canary.bucket}/${canary.key}${uploaded}`,
  );
  return smoke;
}

/**
 * Deploys `args.image`: code update, version, smoke test of that version, and only then the alias.
 * Throws a {@link DeployError} (the alias untouched) when any step fails.
 */
export async function deploy(deps: DeployDependencies, args: DeployArguments): Promise<DeployOutcome> {
  const { report } = deps;
  const step: Step = (n, text) => {
    report(`[${n}/${STEPS}] ${text}`);
  };
  const outcome = {
    functionName: args.functionName,
    alias: args.alias,
    imageUri: args.image.uri,
    smokeTest: undefined,
  };

  const { state, plan } = await inspect(deps, args, step);
  if (args.dryRun) {
    report('dry run: would');
    for (const line of describePlan(plan, args.image, args.alias, args.smokeTest)) {
      report(`  - ${line}`);
    }
    return { ...outcome, status: 'planned', version: undefined, previousVersion: state.alias?.version };
  }
  if (plan.kind === 'up-to-date') {
    report(`nothing to do: alias ${args.alias} already serves version ${plan.version} with this image`);
    return { ...outcome, status: 'up-to-date', version: plan.version, previousVersion: undefined };
  }

  step(2, plan.updateCode ? "updating the function's code" : '$LATEST already runs this image; keeping it');
  if (plan.updateCode) {
    await updateCode(deps, args, state);
  }
  step(3, 'publishing a version');
  const version = await publish(deps, args, state);
  report(`      version ${version}`);
  const smoke = await smokeTestStep(deps, args, version, step);
  const from = plan.fromVersion === undefined ? '' : `from version ${plan.fromVersion} `;
  step(5, `moving alias ${args.alias} ${from}to version ${version}`);
  await moveAlias(deps, args, state, version);
  return { ...outcome, status: 'deployed', version, previousVersion: plan.fromVersion, smokeTest: smoke };
}
