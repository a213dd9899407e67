import { GetAliasCommand, GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { BackfillError } from '../backfillError';
import type { PinnedFunction } from './jobRequest';

/** The alias deploys move (terraform/lambda, npm run deploy): the version it serves is what a job pins. */
export const LIVE_ALIAS = 'live';

/**
 * The version `live` serves now, with what the job needs to know of it: its qualified ARN, memory (for
 * the cost), and the buckets and prefixes its configuration names (the function knows its buckets).
 */
export async function pinnedFunction(lambda: LambdaClient, functionName: string): Promise<PinnedFunction> {
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: LIVE_ALIAS }));
  const version = alias.FunctionVersion;
  if (version === undefined || version === '$LATEST') {
    throw new BackfillError(
      `the ${LIVE_ALIAS} alias of ${functionName} serves ${version ?? 'nothing'}, not a published version`,
      'deploy the function (npm run deploy) so that the alias names a version a job can pin',
    );
  }
  const config = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
  );
  return described(functionName, version, config);
}

/** Lambda's default when a configuration does not say. */
const memoryOf = (memoryMb: number | undefined) => memoryMb ?? 128;
const qualified = (arn: string, version: string) => (arn.endsWith(`:${version}`) ? arn : `${arn}:${version}`);

function described(
  functionName: string,
  version: string,
  config: { FunctionArn?: string; MemorySize?: number; Environment?: { Variables?: Record<string, string> } },
): PinnedFunction {
  const { SOURCE_PREFIX = '', THUMBNAIL_PREFIX = '', ...variables } = config.Environment?.Variables ?? {};
  const arn = config.FunctionArn ?? '';
  const accountId = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):function:/.exec(arn)?.[1];
  const { THUMBNAIL_BUCKET: thumbnailBucket, SOURCE_BUCKET: sourceBucket } = variables;
  if (accountId === undefined || !thumbnailBucket || !sourceBucket) {
    throw new BackfillError(
      `${functionName}:${version} does not name its buckets (SOURCE_BUCKET, THUMBNAIL_BUCKET) or its ARN is unexpected (${arn})`,
    );
  }
  return {
    accountId,
    versionArn: qualified(arn, version),
    version,
    memoryMb: memoryOf(config.MemorySize),
    sourceBucket,
    sourcePrefix: SOURCE_PREFIX,
    thumbnailBucket,
    thumbnailPrefix: THUMBNAIL_PREFIX,
  };
}
