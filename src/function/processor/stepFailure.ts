import { httpStatusOf } from '../../common/httpStatusOf';

/** The S3 calls a record makes, in order. */
export type Step = 'check-thumbnail' | 'download-source' | 'write-thumbnail';

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
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${step} failed: ${what}`);
  }
}

/** Runs one S3 call of a record, so that its failure says which step it was. */
export async function duringStep<T>(step: Step, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StepFailedError(step, error);
  }
}

const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined;

/** What an operator should look at first for a failed step: the log line's `hint`. */
export function hintFor(step: Step, error: unknown): string {
  if (errorName(error) === 'NoSuchBucket') {
    return step === 'download-source'
      ? 'the source bucket does not exist (any more)'
      : 'the thumbnail bucket does not exist: check THUMBNAIL_BUCKET';
  }
  if (httpStatusOf(error) === 403) {
    return step === 'download-source'
      ? 'S3 denied reading the upload: the execution role needs s3:GetObject on the source prefix ' +
          '(S3 also answers 403 for a deleted object when s3:ListBucket is not granted)'
      : 'S3 denied the thumbnail: the execution role needs s3:GetObject and s3:PutObject on the thumbnail prefix';
  }
  return 'S3 or the network failed; Lambda retries the event, then sends it to the dead-letter queue';
}
