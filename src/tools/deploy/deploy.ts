import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import {
  GetFunctionConfigurationCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2,
  waitUntilPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import type { DeployArguments } from './deployArguments';
import { awsCall, DeployError } from './deployError';
import { describePlan, planDeploy } from './deployPlan';
import {
  type FunctionState,
  type FunctionVersion,
  isPublished,
  pointAlias,
  readFunctionState,
  readVersion,
} from './functionState';
import { type ImageUri, shortDigest } from './imageUri';
import { type SmokeTestDependencies, type SmokeTestPassed, smokeTest } from './smokeTest';
import { messageOf } from '../../common/errors';

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
  readonly imageUri: string;
  /** The version live serves afterwards (undefined for a plan). */
  readonly version: string | undefined;
  /** The version live served before (undefined when nothing moved). */
  readonly previousVersion: string | undefined;
  readonly smokeTest: SmokeTestPassed | 'skipped' | undefined;
}

/** Fails with a clear error, before anything changes, when the repository does not hold the image. */
async function checkImage(ecr: ECRClient, image: ImageUri): Promise<Date | undefined> {
  const output = await awsCall(
    {
      doing: `looking up ${image.uri}`,
      action: 'ecr:DescribeImages',
      resource: `arn:aws:ecr:${image.region}:${image.accountId}:repository/${image.repository}`,
      missingHint:
        'push it first: scripts/pushImage.sh builds and pushes the image and prints its URI by digest',
    },
    () =>
      ecr.send(
        new DescribeImagesCommand({
          registryId: image.accountId,
          repositoryName: image.repository,
          imageIds: [{ imageDigest: image.digest }],
        }),
      ),
  );
  return output.imageDetails?.[0]?.imagePushedAt;
}

/** Lambda's reason for a code update that did not succeed (a bad image, the wrong architecture). */
async function updateFailure(lambda: LambdaClient, functionName: string, error: unknown) {
  const configuration = await lambda
    .send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
    .catch(() => undefined);
  return new DeployError(
    `the code update of ${functionName} did not succeed (${configuration?.LastUpdateStatus ?? 'unknown status'}): ` +
      (configuration?.LastUpdateStatusReason ?? messageOf(error)),
    "check the image was built for the function's architecture (scripts/pushImage.sh --architecture) and that it starts",
  );
}

async function updateCode(deps: DeployDependencies, state: FunctionState, image: ImageUri): Promise<void> {
  const { lambda } = deps;
  const { functionName } = state;
  await awsCall(
    {
      doing: `updating the code of ${functionName}`,
      action: 'lambda:UpdateFunctionCode',
      resource: state.latest.functionArn,
    },
    () =>
      lambda.send(
        // RevisionId: fails rather than overwrites when someone else changed the function since it was read.
        new UpdateFunctionCodeCommand({
          FunctionName: functionName,
          ImageUri: image.uri,
          RevisionId: state.latest.revisionId,
        }),
      ),
  );
  const waiter = { client: lambda, maxWaitTime: deps.maxWaitSeconds ?? 600 };
  await waitUntilFunctionUpdatedV2(waiter, { FunctionName: functionName }).catch(async (error: unknown) => {
    throw await updateFailure(lambda, functionName, error);
  });
}

/** Publishes $LATEST and returns that version, checked to run `image` and nothing someone put there since. */
async function publish(
  deps: DeployDependencies,
  state: FunctionState,
  image: ImageUri,
): Promise<FunctionVersion> {
  const { lambda } = deps;
  const { functionName } = state;
  const output = await awsCall(
    {
      doing: `publishing a version of ${functionName}`,
      action: 'lambda:PublishVersion',
      resource: state.latest.functionArn,
    },
    () =>
      lambda.send(
        new PublishVersionCommand({
          FunctionName: functionName,
          Description: `image ${shortDigest(image.uri)}`,
        }),
      ),
  );
  if (output.Version === undefined) {
    throw new DeployError(`Lambda published a version of ${functionName} without a number`);
  }
  await waitUntilPublishedVersionActive(
    { client: lambda, maxWaitTime: deps.maxWaitSeconds ?? 600 },
    { FunctionName: functionName, Qualifier: output.Version },
  );
  const published = await readVersion(lambda, functionName, output.Version);
  if (published.imageUri !== image.uri) {
    throw new DeployError(
      `version ${published.version} runs ${String(published.imageUri)}, not ${image.uri}: someone changed the function's code while this deploy ran`,
      'let the other deploy finish, then run this again (the deploy workflow runs one deploy at a time)',
    );
  }
  return published;
}

type Step = (n: number, text: string) => void;

/** Step 1: where things stand. */
async function inspect(deps: DeployDependencies, args: DeployArguments, step: Step) {
  step(1, `checking ${args.image.uri} and function ${args.functionName}`);
  const pushedAt = await checkImage(deps.ecr, args.image);
  const state = await readFunctionState(deps.lambda, args.functionName);
  deps.report(
    `      image pushed ${pushedAt?.toISOString() ?? '(time unknown)'}; the function runs on ${state.latest.architecture}`,
  );
  deps.report(
    `      alias live: version ${state.live.version} (${shortDigest(state.liveVersion.imageUri)}); alias previous: version ${state.previous.version}`,
  );
  return state;
}

/** Step 4, unless skipped: the new version must make the canary's thumbnail. */
async function smokeTestStep(
  deps: DeployDependencies,
  args: DeployArguments,
  published: FunctionVersion,
  step: Step,
) {
  if (!args.smokeTest) {
    step(4, 'smoke test skipped (--skip-smoke-test)');
    return 'skipped';
  }
  step(4, `smoke test: invoking version ${published.version} with the canary`);
  const smoke = await smokeTest(deps, args.functionName, published);
  const { thumbnail, canary } = smoke;
  deps.report(
    `      made s3://${smoke.thumbnailBucket}/${thumbnail.outputKey} (${thumbnail.width}x${thumbnail.height}, ` +
      `${thumbnail.bytes} bytes) in ${thumbnail.durationMs} ms from s3://${canary.bucket}/${canary.key}` +
      (canary.uploaded ? ' (canary uploaded)' : ''),
  );
  return smoke;
}

/**
 * Deploys `args.image`: code update, version, smoke test of that version, and only then the aliases:
 * previous to the version live serves, then live to the new one. Throws a {@link DeployError}, live
 * untouched, when any step before the last fails.
 */
export async function deploy(deps: DeployDependencies, args: DeployArguments): Promise<DeployOutcome> {
  const step: Step = (n, text) => {
    deps.report(`[${n}/5] ${text}`);
  };
  const outcome = { functionName: args.functionName, imageUri: args.image.uri, smokeTest: undefined };
  const state = await inspect(deps, args, step);
  const plan = planDeploy(state, args.image);
  if (args.dryRun) {
    deps.report('dry run: would');
    for (const line of describePlan(plan, args.image, args.smokeTest)) {
      deps.report(`  - ${line}`);
    }
    return { ...outcome, status: 'planned', version: undefined, previousVersion: undefined };
  }
  if (plan.kind === 'up-to-date') {
    deps.report(`nothing to do: alias live already serves version ${plan.version} with this image`);
    return { ...outcome, status: 'up-to-date', version: plan.version, previousVersion: undefined };
  }
  step(2, plan.updateCode ? "updating the function's code" : '$LATEST already runs this image; keeping it');
  if (plan.updateCode) {
    await updateCode(deps, state, args.image);
  }
  step(3, 'publishing a version');
  const published = await publish(deps, state, args.image);
  const { version } = published;
  deps.report(`      version ${version}`);
  const smoke = await smokeTestStep(deps, args, published, step);
  step(5, `moving alias live from version ${plan.fromVersion} to version ${version}`);
  // previous first: if live cannot move, previous names the version live still serves, never a stranger.
  // Live on $LATEST (moved there by hand) is not recorded: previous keeps a version that was tested.
  const previous = isPublished(plan.fromVersion) ? plan.fromVersion : state.previous.version;
  await pointAlias(deps.lambda, state, state.previous, previous);
  await pointAlias(deps.lambda, state, state.live, version);
  deps.report(`      alias previous: version ${previous} (npm run deploy -- --rollback goes back to it)`);
  return { ...outcome, status: 'deployed', version, previousVersion: plan.fromVersion, smokeTest: smoke };
}
