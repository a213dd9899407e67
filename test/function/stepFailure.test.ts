import { duringStep, hintFor } from '../../src/function/processor/stepFailure';
import { type Step, StepFailedError } from '../../src/common/errors';

/** An error shaped as the SDK throws for an S3 error answer. */
const s3Error = (name: string, status: number) =>
  Object.assign(new Error(`${name} from S3`), { name, $metadata: { httpStatusCode: status } });

describe('step failures', () => {
  it('names the step and keeps the cause', async () => {
    const cause = s3Error('SlowDown', 503);
    const failure = await duringStep('write-thumbnail', () => Promise.reject(cause)).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StepFailedError);
    expect(failure).toMatchObject({
      step: 'write-thumbnail',
      cause,
      message: 'write-thumbnail failed: SlowDown: SlowDown from S3',
    });
  });

  it('passes results through', async () => {
    await expect(duringStep('check-thumbnail', () => Promise.resolve(42))).resolves.toBe(42);
  });

  it.each<[Step, unknown, RegExp]>([
    [
      'download-source',
      s3Error('AccessDenied', 403),
      /denied reading the upload.*s3:GetObject on the source prefix.*ListBucket/,
    ],
    ['write-thumbnail', s3Error('AccessDenied', 403), /denied the thumbnail.*s3:PutObject/],
    ['check-thumbnail', s3Error('Forbidden', 403), /denied the thumbnail/],
    [
      'write-thumbnail',
      s3Error('NoSuchBucket', 404),
      /thumbnail bucket does not exist: check THUMBNAIL_BUCKET/,
    ],
    ['download-source', s3Error('NoSuchBucket', 404), /source bucket does not exist/],
    [
      'download-source',
      s3Error('InternalError', 500),
      /Lambda retries the event, then sends it to the dead-letter queue/,
    ],
    ['write-thumbnail', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), /network failed/],
  ])('hints, for %s failing with %p, at %p', (step, error, hint) => {
    expect(hintFor(step, error)).toMatch(hint);
  });
});
