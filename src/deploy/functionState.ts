import {
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { awsCall, DeployError } from './deployError';

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
  readonly description: string;
  readonly revisionId: string | undefined;
}

export interface FunctionState {
  readonly latest: FunctionVersion;
  /** Undefined before the first deploy has created the alias. */
  readonly alias: AliasState | undefined;
  /** The version the alias points to. */
  readonly live: FunctionVersion | undefined;
}

const BOOTSTRAP_HINT =
  'check --function and AWS_REGION; scripts/bootstrap.sh creates the function (terraform/lambda)';

/** The settings a published version freezes: a terraform apply that changes one needs a new version. */
function settingsOf(configuration: FunctionConfiguration): string {
  const { Role, MemorySize, Timeout, Architectures, EphemeralStorage, ImageConfigResponse } = configuration;
  const { TracingConfig, LoggingConfig, VpcConfig, KMSKeyArn, Environment } = configuration;
  const variables = Object.entries(Environment?.Variables ?? {}).sort(([a], [b]) => a.localeCompare(b));
  // JSON leaves out what is undefined, so an absent setting and a missing one compare equal.
  return JSON.stringify({
    Role,
    MemorySize,
    Timeout,
    Architectures,
    EphemeralStorage,
    ImageConfigResponse,
    variables,
    TracingConfig,
    LoggingConfig,
    subnets: VpcConfig?.SubnetIds,
    securityGroups: VpcConfig?.SecurityGroupIds,
    KMSKeyArn,
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
  const output = await awsCall(
    {
      doing: `reading function ${what}`,
      action: 'lambda:GetFunction',
      resource: what,
      missingHint:
        qualifier === undefined ? BOOTSTRAP_HINT : 'list them: aws lambda list-versions-by-function',
    },
    () => lambda.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier })),
  );
  return versionFrom(output, what);
}

async function readAlias(lambda: LambdaClient, functionName: string, alias: string) {
  try {
    return await awsCall(
      {
        doing: `reading alias ${functionName}:${alias}`,
        action: 'lambda:GetAlias',
        resource: `${functionName}:${alias}`,
      },
      () => lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias })),
    );
  } catch (error) {
    if (error instanceof DeployError && error.failure === 'not-found') {
      return undefined;
    }
    throw error;
  }
}

/** $LATEST, the alias, and the version the alias points to. */
export async function readFunctionState(
  lambda: LambdaClient,
  functionName: string,
  aliasName: string,
): Promise<FunctionState> {
  const latest = await readVersion(lambda, functionName);
  const output = await readAlias(lambda, functionName, aliasName);
  if (output?.FunctionVersion === undefined) {
    return { latest, alias: undefined, live: undefined };
  }
  const alias = {
    name: aliasName,
    version: output.FunctionVersion,
    description: output.Description ?? '',
    revisionId: output.RevisionId,
  };
  const live = await readVersion(lambda, functionName, alias.version);
  return { latest, alias, live };
}
