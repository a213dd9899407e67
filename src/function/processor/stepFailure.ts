import { errorName, httpStatusOf, type Step, StepFailedError } from '../../common/errors';

/** Runs one S3 call of a record, so that its failure says which step it was. */
export async function duringStep<T>(step: Step, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StepFailedError(step, error);
  }
}

const OTHER_SERVICES: Partial<Record<Step, string>> = {
  'publish-event':
    'EventBridge refused or did not answer: check EVENT_BUS_NAME and that the role may events:PutEvents on it',
  'invalidate-cdn':
    "CloudFront refused or throttled the invalidation: check CDN_DISTRIBUTION_ID and the role's cloudfront:CreateInvalidation on it",
  'read-metadata': "DynamoDB failed: check METADATA_TABLE and the role's dynamodb:GetItem on it",
  'write-metadata':
    "DynamoDB failed: check METADATA_TABLE and the role's dynamodb:PutItem and DeleteItem on it",
};

/** What an operator should look at first for a failed step: the log line's `hint`. */
export function hintFor(step: Step, error: unknown): string {
  const other = OTHER_SERVICES[step];
  if (other !== undefined) {
    return other;
  }
  const onSource = step === 'download-source' || step === 'check-source';
  if (errorName(error) === 'NoSuchBucket') {
    return onSource
      ? 'the source bucket does not exist (any more)'
      : 'the thumbnail bucket does not exist: check THUMBNAIL_BUCKET';
  }
  if (httpStatusOf(error) === 403) {
    return deniedHint(step, onSource);
  }
  return 'S3 or the network failed; Lambda retries the event, then sends it to the dead-letter queue';
}

/** Which grant a 403 on this step points at. */
function deniedHint(step: Step, onSource: boolean): string {
  if (step === 'check-source') {
    return (
      'S3 denied reading the upload: the role needs s3:GetObject on the source prefix and s3:ListBucket ' +
      'on the source bucket (without it S3 answers 403 for a deleted object, which is never read as a delete)'
    );
  }
  if (step === 'remove-thumbnails') {
    return 'S3 denied removing a thumbnail: the role needs s3:DeleteObject on the thumbnail prefix';
  }
  return onSource
    ? 'S3 denied reading the upload: the execution role needs s3:GetObject on the source prefix ' +
        '(S3 also answers 403 for a deleted object when s3:ListBucket is not granted)'
    : 'S3 denied the thumbnail: the execution role needs s3:GetObject and s3:PutObject on the thumbnail prefix';
}
