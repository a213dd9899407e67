import { errorName, httpStatusOf, type Step, StepFailedError } from '../../common/errors';

/** Runs one S3 call of a record, so that its failure says which step it was. */
export async function duringStep<T>(step: Step, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StepFailedError(step, error);
  }
}

/** What an operator should look at first for a failed step: the log line's `hint`. */
export function hintFor(step: Step, error: unknown): string {
  const onSource = step === 'download-source' || step === 'check-source';
  if (errorName(error) === 'NoSuchBucket') {
    return onSource
      ? 'the source bucket does not exist (any more)'
      : 'the thumbnail bucket does not exist: check THUMBNAIL_BUCKET';
  }
  if (httpStatusOf(error) === 403) {
    return onSource
      ? 'S3 denied reading the upload: the execution role needs s3:GetObject on the source prefix ' +
          '(S3 also answers 403 for a deleted object when s3:ListBucket is not granted)'
      : 'S3 denied the thumbnail: the execution role needs s3:GetObject and s3:PutObject on the thumbnail prefix';
  }
  return 'S3 or the network failed; Lambda retries the event, then sends it to the dead-letter queue';
}
