import { randomUUID } from 'node:crypto';
import type { CreateJobCommandInput, JobManifest, JobManifestGenerator } from '@aws-sdk/client-s3-control';
import { MANIFEST_PREFIX, REPORT_PREFIX } from '../locations';

/** The function version a job invokes: the one the `live` alias served when the job was created. */
export interface PinnedFunction {
  readonly accountId: string;
  /** The qualified ARN, `...:function:name:42`: a deploy that moves the alias mid-job changes nothing. */
  readonly versionArn: string;
  readonly version: string;
  readonly memoryMb: number;
  readonly sourceBucket: string;
  readonly sourcePrefix: string;
  readonly thumbnailBucket: string;
  readonly thumbnailPrefix: string;
}

/** Which objects a job runs over: chosen by S3's manifest generator, or a CSV manifest uploaded first. */
export type JobObjects =
  | {
      readonly kind: 'generator';
      readonly prefix: string;
      readonly createdAfter?: Date | undefined;
      readonly createdBefore?: Date | undefined;
    }
  | { readonly kind: 'csv'; readonly key: string; readonly eTag: string };

const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;

function generator(
  target: PinnedFunction,
  objects: JobObjects & { kind: 'generator' },
): JobManifestGenerator {
  return {
    S3JobManifestGenerator: {
      ExpectedBucketOwner: target.accountId,
      SourceBucket: bucketArn(target.sourceBucket),
      EnableManifestOutput: false,
      Filter: {
        ...(objects.prefix === '' ? {} : { KeyNameConstraint: { MatchAnyPrefix: [objects.prefix] } }),
        ...(objects.createdAfter ? { CreatedAfter: objects.createdAfter } : {}),
        ...(objects.createdBefore ? { CreatedBefore: objects.createdBefore } : {}),
      },
    },
  };
}

function csvManifest(target: PinnedFunction, objects: JobObjects & { kind: 'csv' }): JobManifest {
  return {
    Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
    Location: { ObjectArn: `${bucketArn(target.thumbnailBucket)}/${objects.key}`, ETag: objects.eTag },
  };
}

/**
 * The CreateJob request: invoke the pinned version (schema 2.0) once per object, without S3's own
 * confirmation step (the command asked already), a report of the failed tasks under the report prefix,
 * and a client token so that a retried request never makes a second job.
 */
export function jobRequest(
  target: PinnedFunction,
  objects: JobObjects,
  options: { readonly roleArn: string; readonly priority: number; readonly token?: string },
): CreateJobCommandInput {
  return {
    AccountId: target.accountId,
    ConfirmationRequired: false,
    Operation: { LambdaInvoke: { FunctionArn: target.versionArn, InvocationSchemaVersion: '2.0' } },
    ...(objects.kind === 'generator'
      ? { ManifestGenerator: generator(target, objects) }
      : { Manifest: csvManifest(target, objects) }),
    Report: {
      Enabled: true,
      Bucket: bucketArn(target.thumbnailBucket),
      Prefix: REPORT_PREFIX,
      Format: 'Report_CSV_20180820',
      ReportScope: 'FailedTasksOnly',
    },
    Priority: options.priority,
    RoleArn: options.roleArn,
    ClientRequestToken: options.token ?? randomUUID(),
    Description: `thumbnailer backfill of s3://${target.sourceBucket}/ with version ${target.version}`,
  };
}

/** Where a local CSV manifest is uploaded for a job: under the prefix the job role may read. */
export const manifestKeyFor = (token: string) => `${MANIFEST_PREFIX}/${token}.csv`;
