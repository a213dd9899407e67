import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Config, loadConfig } from '../../function/config';
import { s3Notification } from '../../aws/events/s3Notification';
import { stampFromMetadata } from '../../aws/s3/thumbnailStamp';
import { unquoteETag } from '../../aws/s3/client';
import { awsCall, DeployError } from './deployError';
import type { FunctionVersion } from './functionState';
import type { Invoker } from './invoker';
import {
  checkSmokeResponse,
  checkStoredThumbnail,
  type MadeThumbnail,
  SmokeTestFailedError,
} from './smokeCheck';
import { ConfigError, httpStatusOf } from '../../common/errors';

export interface SmokeTestDependencies {
  readonly s3: S3Client;
  readonly invoke: Invoker;
  /** The canary image, read only when it has to be uploaded. */
  readonly readCanaryImage: () => Promise<Buffer>;
}

/** The image every smoke test thumbnails: it stays in the source bucket between deploys. */
export interface Canary {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Without quotes. */
  readonly eTag: string;
  readonly uploaded: boolean;
}

export interface SmokeTestPassed {
  readonly canary: Canary;
  readonly thumbnailBucket: string;
  readonly thumbnail: MadeThumbnail;
}

/** Under the source prefix, where the function may read, and apart from anything users upload. */
export const canaryKeyFor = (sourcePrefix: string): string => `${sourcePrefix}thumbnailer-canary/canary.jpg`;

/** The handler's configuration as the version will run it: a bad one fails the smoke test by itself. */
function configOf(version: FunctionVersion): Config & { readonly sourceBucket: string } {
  let config;
  try {
    config = loadConfig(version.environment);
  } catch (error) {
    throw error instanceof ConfigError
      ? new SmokeTestFailedError(`version ${version.version} would not start: ${error.message}`)
      : error;
  }
  const { sourceBucket } = config;
  if (sourceBucket === undefined) {
    throw new DeployError(
      `cannot tell where the canary image goes: version ${version.version} has no SOURCE_BUCKET variable`,
      'apply terraform/lambda: it sets SOURCE_BUCKET',
    );
  }
  return { ...config, sourceBucket };
}

async function headCanary(s3: S3Client, bucket: string, key: string) {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: head.ContentLength ?? 0, eTag: unquoteETag(head.ETag) };
  } catch (error) {
    // Without s3:ListBucket, S3 answers 403 for a missing key: either way, try to upload it.
    if (httpStatusOf(error) === 404 || httpStatusOf(error) === 403) {
      return undefined;
    }
    throw error;
  }
}

/** The canary in the source bucket, uploaded first when it is not there (or empty). */
async function ensureCanary(deps: SmokeTestDependencies, bucket: string, key: string): Promise<Canary> {
  const existing = await headCanary(deps.s3, bucket, key);
  if (existing !== undefined && existing.size > 0) {
    return { bucket, key, ...existing, uploaded: false };
  }
  const body = await deps.readCanaryImage();
  const put = await awsCall(
    {
      doing: `uploading the canary to s3://${bucket}/${key}`,
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${bucket}/${key}`,
    },
    () =>
      deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'image/jpeg' })),
  );
  return { bucket, key, size: body.length, eTag: unquoteETag(put.ETag), uploaded: true };
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
 * Invokes `version` directly (not through an alias, so no user sees it) with the S3 event for the canary
 * image, and checks the thumbnail it writes. The event carries no ETag, so the handler cannot skip the
 * canary as already done: the version has to make the thumbnail itself.
 */
export async function smokeTest(
  deps: SmokeTestDependencies,
  functionName: string,
  version: FunctionVersion,
): Promise<SmokeTestPassed> {
  const config = configOf(version);
  const canary = await ensureCanary(deps, config.sourceBucket, canaryKeyFor(config.sourcePrefix));
  const event = s3Notification([
    { bucket: canary.bucket, key: canary.key, eventName: 'ObjectCreated:Put', size: canary.size },
  ]);
  const made = checkSmokeResponse(version.version, await deps.invoke(functionName, version.version, event));
  const stored = await storedThumbnail(deps.s3, config.thumbnailBucket, made.outputKey);
  checkStoredThumbnail(version.version, made, stored, canary.eTag, config);
  return { canary, thumbnailBucket: config.thumbnailBucket, thumbnail: made };
}
