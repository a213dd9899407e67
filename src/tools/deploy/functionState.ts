import {
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  type LambdaClient,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { awsCall, DeployError } from './deployError';

/** The alias S3 invokes (terraform/lambda creates it): only a version that passed its smoke test gets it. */
export const LIVE = 'live';
/** The version live served before its last move: where `--rollback` goes, and the state a rollback keeps. */
export const PREVIOUS = 'previous';

/** A published version, not $LATEST: code no smoke test has passed, which previous never records. */
export const isPublished = (version: string): boolean => /^\d+$/.test(version);

/** One version of the function ($LATEST or a published number), as far as a deploy cares. */
export interface FunctionVersion {
  readonly version: string;
  readonly functionArn: string;
  readonly imageUri: string | undefined;
  readonly architecture: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Everything but the code that a published version freezes, as one comparable string. */
  readonly settings: string;
  readonly revisionId: string | undefined;
}

export interface AliasState {
  readonly name: string;
  readonly version: string;
  /** Lambda refuses an update that names an older revision: the alias moves only from what was read. */
  readonly revisionId: string | undefined;
}

export interface FunctionState {
  readonly functionName: string;
  readonly latest: FunctionVersion;
  readonly live: AliasState;
  /** The version live points to. */
  readonly liveVersion: FunctionVersion;
  readonly previous: AliasState;
}

const BOOTSTRAP_HINT =
  'check --function and AWS_REGION; scripts/bootstrap.sh creates the function and its aliases (terraform/lambda)';

/** The settings a published version freezes: a terraform apply that changes one needs a new version. */
function settingsOf(configuration: FunctionConfiguration): string {
  const { Role, MemorySize, Timeout, Architectures, EphemeralStorage, ImageConfigResponse } = configuration;
  const { TracingConfig, LoggingConfig, VpcConfig, KMSKeyArn, Environment } = configuration;
  const variables = Object.entries(Environment?.Variables ?? {}).sort(([a], [b]) => a.localeCompare(b));
  // JSON leaves out what is undefined, so an absent setting and a missing one compare equal.
  return JSON.stringify({
    ...{ Role, MemorySize, Timeout, Architectures, EphemeralStorage, ImageConfigResponse, variables },
    ...{ TracingConfig, LoggingConfig, KMSKeyArn },
    ...{ subnets: VpcConfig?.SubnetIds, securityGroups: VpcConfig?.SecurityGroupIds },
  });
}

function versionFrom(output: GetFunctionCommandOutput, what: string): FunctionVersion {
  const configuration = output.Configuration ?? {};
  if (configuration.PackageType !== 'Image') {
    throw new DeployError(
      `function ${what} is not a container-image function (package type ${String(configuration.PackageType)})`,
      'deploy to the function terraform/lambda creates',
    );
  }
  return {
    version: configuration.Version ?? '$LATEST',
    functionArn: configuration.FunctionArn ?? what,
    imageUri: output.Code?.ImageUri,
    architecture: configuration.Architectures?.[0] ?? 'x86_64',
    environment: configuration.Environment?.Variables ?? {},
    settings: settingsOf(configuration),
    revisionId: configuration.RevisionId,
  };
}

/** One version of the function: $LATEST when `qualifier` is left out. */
export async function readVersion(
  lambda: LambdaClient,
  functionName: string,
  qualifier?: string,
): Promise<FunctionVersion> {
  const what = qualifier === undefined ? functionName : `${functionName}:${qualifier}`;
  const missingHint =
    qualifier === undefined
      ? BOOTSTRAP_HINT
      : `aws lambda list-versions-by-function --function-name ${functionName} lists them`;
  const output = await awsCall(
    { doing: `reading function ${what}`, action: 'lambda:GetFunction', resource: what, missingHint },
    () => lambda.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier })),
  );
  return versionFrom(output, what);
}

async function readAlias(lambda: LambdaClient, functionName: string, name: string): Promise<AliasState> {
  const output = await awsCall(
    {
      doing: `reading alias ${functionName}:${name}`,
      action: 'lambda:GetAlias',
      resource: `${functionName}:${name}`,
      missingHint: `apply terraform/lambda (scripts/bootstrap.sh does): it creates the ${LIVE} and ${PREVIOUS} aliases`,
    },
    () => lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: name })),
  );
  if (Object.keys(output.RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0) {
    throw new DeployError(
      `alias ${functionName}:${name} splits traffic between versions (a routing configuration)`,
      `point it at one version first: aws lambda update-alias --function-name ${functionName} --name ${name} --routing-config '{}'`,
    );
  }
  return { name, version: output.FunctionVersion ?? '$LATEST', revisionId: output.RevisionId };
}

/** $LATEST, both aliases, and the version live points to. */
export async function readFunctionState(lambda: LambdaClient, functionName: string): Promise<FunctionState> {
  const latest = await readVersion(lambda, functionName);
  const live = await readAlias(lambda, functionName, LIVE);
  const previous = await readAlias(lambda, functionName, PREVIOUS);
  const liveVersion = await readVersion(lambda, functionName, live.version);
  return { functionName, latest, live, liveVersion, previous };
}

/**
 * Points `alias` at `version` (nothing to do when it is there already), naming the revision that was read:
 * if anyone moved the alias since, Lambda refuses, and the caller stops rather than undo their move.
 */
export async function pointAlias(
  lambda: LambdaClient,
  state: FunctionState,
  alias: AliasState,
  version: string,
): Promise<void> {
  if (alias.version === version) {
    return;
  }
  const { functionName } = state;
  await awsCall(
    {
      doing: `moving alias ${functionName}:${alias.name} to version ${version}`,
      action: 'lambda:UpdateAlias',
      resource: `${state.latest.functionArn}:${alias.name}`,
    },
    () =>
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: functionName,
          Name: alias.name,
          FunctionVersion: version,
          RevisionId: alias.revisionId,
        }),
      ),
  );
}
