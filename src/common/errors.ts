/**
 * The errors that cross the project's layers, in one module, and the helpers every layer needs to read an
 * error it did not make. Each class names itself in `name`, which logs and tests use to tell them apart.
 * (A tool's own errors, thrown and caught inside that tool, live with it.)
 */
/** The message of anything thrown, whatever it is. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** `Name: message`, for a log line or a failure that wraps another. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** The `name` of anything thrown that has one (SDK errors name S3's error code: `NoSuchBucket`). */
export const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined;

/**
 * The HTTP status an AWS service answered a failed call with, or undefined when no answer came
 * (connection reset, timeout, DNS). Callers treat only the statuses they name as final.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) {
    return undefined;
  }
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/** Bad command-line arguments: the commands print the message and a hint, and exit with 2. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** A bad configuration, naming every bad variable: the function fails at init, not per upload. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** An event that is not the notification the handler serves. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

/**
 * Why an input can never become a thumbnail. Each reason is permanent: retrying the same bytes gives the
 * same answer, so callers log it once and move on instead of retrying.
 */
export type RejectionReason =
  | 'empty'
  | 'too-large'
  | 'too-many-pixels'
  | 'too-much-metadata'
  | 'too-many-frames'
  | 'too-much-memory'
  | 'not-an-image'
  | 'unsupported-format'
  | 'corrupt';

/** The engine's refusal of an input, with its permanent reason. */
export class ImageRejectedError extends Error {
  override readonly name = 'ImageRejectedError';

  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}

export const isImageRejectedError = (error: unknown): error is ImageRejectedError =>
  error instanceof ImageRejectedError;

/**
 * The calls a record makes (S3, EventBridge, DynamoDB), each named in its failure. `check-source` is a
 * HEAD of the source: before a removal, and for an object no event described (a backfill task names a
 * key, not the version's ETag).
 */
export type Step =
  | 'check-thumbnail'
  | 'download-source'
  | 'write-thumbnail'
  | 'write-manifest'
  | 'check-source'
  | 'remove-thumbnails'
  | 'publish-event'
  | 'invalidate-cdn'
  | 'read-metadata'
  | 'write-metadata';

/**
 * A retryable failure of one S3 call, naming which one: "AccessDenied" alone does not say whether the
 * upload could not be read or the thumbnail not written, and the fix differs.
 */
export class StepFailedError extends Error {
  override readonly name = 'StepFailedError';

  constructor(
    readonly step: Step,
    override readonly cause: unknown,
  ) {
    super(`${step} failed: ${describeError(cause)}`);
  }
}

/** An entry EventBridge's PutEvents answered for but refused: retried like any other failure. */
export class EventRefusedError extends Error {
  override readonly name = 'EventRefusedError';
}

/**
 * Thrown after every record has been tried when some failed transiently, so Lambda retries the event
 * and, once retries run out, sends it to the dead-letter queue. Records that succeeded are skipped
 * cheaply on the retry because their thumbnails are already current.
 */
export class TransientFailureError extends Error {
  override readonly name = 'TransientFailureError';
  readonly keys: readonly string[];

  /** Each failed record's key and error message; the message names both (it is the invocation's error). */
  constructor(readonly failures: readonly { readonly key: string; readonly detail: string }[]) {
    // Not "will be retried": the handler cannot know whether this was the last attempt.
    super(
      `${failures.length} record(s) failed transiently: ${failures.map(({ key, detail }) => `${key} (${detail})`).join(', ')}`,
    );
    this.keys = failures.map((failure) => failure.key);
  }
}

/**
 * Ends a command-line program: `<program>: <message>` on stderr, what to do next when there is something,
 * and the exit code (1 failed, 2 bad usage). Callers escape what came from input (`printable`).
 */
export function exitWith(program: string, message: string, code: 1 | 2, next?: string): never {
  process.stderr.write(`${program}: ${message}\n${next ? `next: ${next}\n` : ''}`);
  process.exit(code);
}
