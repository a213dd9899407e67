import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Config, ConfigError, loadConfig } from '../config';
import { s3Notification } from '../events/s3Notification';
import { stampFromMetadata } from '../s3/thumbnailStamp';
import { type CanaryObject, canaryKeyFor, ensureCanary } from './canary';
import { awsCall, DeployError } from './deployError';
import type { FunctionVersion } from './functionState';
import type { Invoker } from './invoker';
import {
  checkSmokeResponse,
  checkStoredThumbnail,
  type MadeThumbnail,
  SmokeTestFailedError,
} from './smokeCheck';

export interface SmokeTestDependencies {
  readonly s3: S3Client;
  readonly invoke: Invoker;
  /** The canary image, read only when it has to be uploaded. */
  readonly readCanaryImage: () => Promise<Buffer>;
}

export interface SmokeTestOptions {
  /** Defaults to the version's SOURCE_BUCKET. */
  readonly sourceBucket?: string | undefined;
  /** Defaults to {@link canaryKeyFor} the version's SOURCE_PREFIX. */
  readonly canaryKey?: string | undefined;
}

export interface SmokeTestPassed {
  readonly canary: CanaryObject & { readonly uploaded: boolean };
  readonly thumbnailBucket: string;
  readonly thumbnail: MadeThumbnail;
}

/** The handler's configuration as the version will run it: a bad one fails the smoke test by itself. */
function configOf(version: FunctionVersion): Config {
  try {
    return loadConfig(version.environment);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new SmokeTestFailedError(`version ${version.version} would not start: ${error.message}`);
    }
    throw error;
  }
}

async function storedThumbnail(s3: S3Client, bucket: string, key: string) {
  const head = await awsCall(
    {
      doing: `reading the canary's thumbnail s3://${bucket}/${key}`,
      action: 's3:GetObject',
      resource: `arn:aws:s3:::${bucket}/${key}`,
      missingHint: 'the function reported a thumbnail that is not in the bucket',
    },
    () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
  );
  return {
    contentLength: head.ContentLength,
    contentType: head.ContentType,
    stamp: stampFromMetadata(head.Metadata),
  };
}

/**
 * Invokes `version` directly (not through the alias, so no user sees it) with the S3 event for the canary
 * image, and checks the thumbnail it writes. The event carries no ETag, so the handler cannot skip the
 * canary as already done: the version has to make the thumbnail itself.
 */
export async function smokeTest(
  deps: SmokeTestDependencies,
  functionName: string,
  version: FunctionVersion,
  options: SmokeTestOptions,
): Promise<SmokeTestPassed> {
  const config = configOf(version);
  const sourceBucket = options.sourceBucket ?? config.sourceBucket;
  if (sourceBucket === undefined) {
    throw new DeployError(
      `cannot tell where the canary image goes: function ${functionName} has no SOURCE_BUCKET variable`,
      'apply terraform/lambda (it sets SOURCE_BUCKET), or pass --source-bucket',
    );
  }
  const key = options.canaryKey ?? canaryKeyFor(config.sourcePrefix);
  const canary = await ensureCanary(deps.s3, sourceBucket, key, deps.readCanaryImage);
  const event = s3Notification([
    { bucket: sourceBucket, key, eventName: 'ObjectCreated:Put', size: canary.size },
  ]);

  const made = checkSmokeResponse(version.version, await deps.invoke(functionName, version.version, event));
  const stored = await storedThumbnail(deps.s3, config.thumbnailBucket, made.outputKey);
  checkStoredThumbnail(version.version, made, stored, canary.eTag, config);
  return { canary, thumbnailBucket: config.thumbnailBucket, thumbnail: made };
}
