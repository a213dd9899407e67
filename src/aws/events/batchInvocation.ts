import * as z from '../../common/zod';
import { decodeS3Key, encodeS3EventKey } from './parseS3Event';
import { InvalidEventError } from '../../common/errors';

/**
 * S3 Batch Operations invoking Lambda (a LambdaInvoke job): one invocation per task in practice, keys
 * URL-encoded as the manifest holds them. Schema 1.0 names the bucket by ARN, 2.0 by name (and may carry
 * the job's user arguments).
 */
export const BATCH_SCHEMA_VERSIONS = ['1.0', '2.0'] as const;
export type BatchSchemaVersion = (typeof BATCH_SCHEMA_VERSIONS)[number];

/** One task, its key decoded, or the reason it cannot be (a task the function must refuse). */
export interface BatchTask {
  readonly taskId: string;
  readonly bucket: string;
  /** The key as the manifest sent it, URL-encoded. */
  readonly encodedKey: string;
  readonly key: string | undefined;
  readonly keyProblem?: string;
  readonly versionId?: string | undefined;
}

export interface BatchInvocation {
  readonly schemaVersion: BatchSchemaVersion;
  readonly invocationId: string;
  readonly jobId: string;
  readonly userArguments: Readonly<Record<string, string>>;
  readonly tasks: readonly BatchTask[];
}

/** `arn:aws:s3:::bucket` (any partition) -> `bucket`; anything else is not a bucket ARN. */
const bucketFromArn = z.pipe(
  z.string(),
  z.transform((arn: string, context) => {
    const match = /^arn:aws[a-z-]*:s3:[a-z0-9-]*:\d*:([^/:]+)$/.exec(arn);
    if (match?.[1] === undefined) {
      context.issues.push({
        code: 'custom',
        message: `not an S3 bucket ARN: ${JSON.stringify(arn)}`,
        input: arn,
      });
      return z.NEVER;
    }
    return match[1];
  }),
);

const nonEmpty = () => z.string().check(z.minLength(1));
const versionId = z.optional(z.nullable(z.string()));
const task = { taskId: nonEmpty(), s3Key: nonEmpty(), s3VersionId: versionId };
// Schema 1.0's bucket ARN becomes the bucket name 2.0 gives, so that both read the same from here on.
const taskV1 = z.pipe(
  z.object({ ...task, s3BucketArn: bucketFromArn }),
  z.transform(({ s3BucketArn, ...rest }) => ({ ...rest, s3Bucket: s3BucketArn })),
);
const taskV2 = z.object({ ...task, s3Bucket: nonEmpty() });
const invocation = <Task extends typeof taskV2 | typeof taskV1>(version: BatchSchemaVersion, task: Task) =>
  z.object({
    invocationSchemaVersion: z.literal(version),
    invocationId: nonEmpty(),
    job: z.object({
      id: nonEmpty(),
      userArguments: z.optional(z.nullable(z.record(z.string(), z.string()))),
    }),
    tasks: z.array(task).check(z.minLength(1)),
  });
const SCHEMAS = { '1.0': invocation('1.0', taskV1), '2.0': invocation('2.0', taskV2) };

/** True when `event` says it is a Batch Operations invocation (whether or not it is a well-formed one). */
export const isBatchInvocation = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'invocationSchemaVersion' in event;

function decodedTask(taskId: string, bucket: string, encodedKey: string, version?: string | null): BatchTask {
  const versionId = version ?? undefined;
  try {
    const key = decodeS3Key(encodedKey);
    return key === ''
      ? { taskId, bucket, encodedKey, key: undefined, keyProblem: 'the key is empty', versionId }
      : { taskId, bucket, encodedKey, key, versionId };
  } catch {
    const keyProblem = `the key is not valid URL encoding: ${JSON.stringify(encodedKey)}`;
    return { taskId, bucket, encodedKey, key: undefined, keyProblem, versionId };
  }
}

const describe = (error: z.core.$ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(invocation)'}: ${issue.message}`).join('; ');

/** Parses a Batch Operations invocation (schema 1.0 or 2.0), or throws an {@link InvalidEventError}. */
export function parseBatchInvocation(event: unknown): BatchInvocation {
  const version = (event as { invocationSchemaVersion?: unknown } | null)?.invocationSchemaVersion;
  const schema = BATCH_SCHEMA_VERSIONS.includes(version as BatchSchemaVersion)
    ? SCHEMAS[version as BatchSchemaVersion]
    : undefined;
  if (schema === undefined) {
    throw new InvalidEventError(
      `not a Batch Operations invocation: invocationSchemaVersion ${JSON.stringify(version)} is not one of ${BATCH_SCHEMA_VERSIONS.join(', ')}`,
    );
  }
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEventError(`not a Batch Operations invocation: ${describe(parsed.error)}`);
  }
  const { data } = parsed;
  return {
    schemaVersion: data.invocationSchemaVersion,
    invocationId: data.invocationId,
    jobId: data.job.id,
    userArguments: data.job.userArguments ?? {},
    tasks: data.tasks.map((task) => decodedTask(task.taskId, task.s3Bucket, task.s3Key, task.s3VersionId)),
  };
}

/** One object for a task: what a manifest line gives Batch Operations. */
export interface TaskObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string | undefined;
}

/**
 * The invocation Batch Operations sends for `objects` (one task each): what the local backfill hands the
 * entry point in-process, and what the tests build invocations from. Keys are URL-encoded as in a manifest.
 */
export function batchInvocation(
  objects: readonly TaskObject[],
  options: {
    readonly schemaVersion?: BatchSchemaVersion;
    readonly jobId?: string;
    readonly invocationId?: string;
  } = {},
): unknown {
  const schemaVersion = options.schemaVersion ?? '2.0';
  const tasks = objects.map((object, index) => ({
    taskId: `task-${index}`,
    s3Key: encodeS3EventKey(object.key),
    s3VersionId: object.versionId ?? null,
    ...(schemaVersion === '1.0'
      ? { s3BucketArn: `arn:aws:s3:::${object.bucket}` }
      : { s3Bucket: object.bucket }),
  }));
  const job =
    schemaVersion === '1.0'
      ? { id: options.jobId ?? 'local' }
      : { id: options.jobId ?? 'local', userArguments: {} };
  return {
    invocationSchemaVersion: schemaVersion,
    invocationId: options.invocationId ?? 'local',
    job,
    tasks,
  };
}
