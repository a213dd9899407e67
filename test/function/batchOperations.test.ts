import { getObject, putObject } from '../support/bucketContents';
import { batchHandlerFor, outcomes, tasksFor } from '../support/batchHarness';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { describeImage, photoJpeg, solidImage } from '../support/images';
import { startTestS3, type TestS3 } from '../support/localS3';

// The Batch Operations entry point against the project's S3 server (real requests, signatures checked).
describe('the Batch Operations entry point', () => {
  let s3: TestS3;
  const output = captureOutputOfEachTest();

  beforeAll(async () => {
    s3 = await startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
  });
  afterAll(() => s3.stop());

  it.each(['1.0', '2.0'] as const)(
    'schema %s: makes the thumbnail, then finds it current',
    async (version) => {
      const key = `schema-${version}/cat.jpg`;
      await putObject(s3.s3, SOURCE_BUCKET, key, await photoJpeg(1200, 800));
      const { handler } = batchHandlerFor(s3.endpoint);

      const first = await handler(tasksFor([key], version));
      expect(first).toEqual({
        invocationSchemaVersion: version,
        treatMissingKeysAs: 'PermanentFailure',
        invocationId: 'invocation-1',
        results: [{ taskId: 'task-0', resultCode: 'Succeeded', resultString: `made ${key}.jpg` }],
      });
      const made = await getObject(s3.s3, THUMBNAIL_BUCKET, `${key}.jpg`);
      expect(await describeImage(made?.body ?? Buffer.alloc(0))).toMatchObject({ width: 256, height: 171 });

      const again = await handler(tasksFor([key], version));
      expect(outcomes(again)).toEqual([
        [
          'Succeeded',
          expect.stringMatching(/^skipped already-current: the thumbnail and the manifest were already made/),
        ],
      ]);
      expect((await getObject(s3.s3, THUMBNAIL_BUCKET, `${key}.jpg`))?.eTag).toBe(made?.eTag);
    },
  );

  it('remakes a thumbnail whose source changed since it was made', async () => {
    const key = 'changed/dog.png';
    const { handler } = batchHandlerFor(s3.endpoint);
    await putObject(s3.s3, SOURCE_BUCKET, key, await solidImage(100, 100, 'png', '#ff0000'));
    await handler(tasksFor([key]));
    await putObject(s3.s3, SOURCE_BUCKET, key, await solidImage(50, 100, 'png', '#0000ff'));

    expect(outcomes(await handler(tasksFor([key])))).toEqual([['Succeeded', `made ${key}.jpg`]]);
    const made = await getObject(s3.s3, THUMBNAIL_BUCKET, `${key}.jpg`);
    expect(await describeImage(made?.body ?? Buffer.alloc(0))).toMatchObject({ width: 50, height: 100 });
  });

  it('decodes keys as Batch Operations sends them: spaces, +, unicode, %, either encoding of a space', async () => {
    const keys = ['odd names/a b+c.jpg', 'odd names/café 100% ☕.jpg', 'odd names/%41 literal.jpg'];
    for (const key of keys) {
      await putObject(s3.s3, SOURCE_BUCKET, key, await solidImage(64, 48));
    }
    const { handler } = batchHandlerFor(s3.endpoint);
    expect(outcomes(await handler(tasksFor(keys)))).toEqual(
      keys.map((key) => ['Succeeded', `made ${key}.jpg`]),
    );

    // A manifest may encode a space as %20 and a slash as %2F: the same key either way.
    const percentEncoded = tasksFor(['placeholder']) as { tasks: Array<{ s3Key: string }> };
    (percentEncoded.tasks[0] as { s3Key: string }).s3Key = 'odd%20names%2Fa%20b%2Bc.jpg';
    expect(outcomes(await handler(percentEncoded))).toEqual([
      // Already current: the same object (a wrong decoding names no object, which is refused).
      ['Succeeded', expect.stringMatching(/^skipped already-current: /)],
    ]);
  });

  it('answers a transient failure with TemporaryFailure, so the job retries the task', async () => {
    await putObject(s3.s3, SOURCE_BUCKET, 'retry/cat.jpg', await solidImage(64, 48));
    const { handler } = batchHandlerFor(s3.endpoint, { THUMBNAIL_BUCKET: 'no-such-bucket' });

    expect(outcomes(await handler(tasksFor(['retry/cat.jpg'])))).toEqual([
      ['TemporaryFailure', expect.stringMatching(/^failed: write-thumbnail failed: NoSuchBucket/)],
    ]);
    expect(output.logs()).toContainEqual(
      expect.objectContaining({ level: 'ERROR', key: 'retry/cat.jpg', step: 'write-thumbnail' }),
    );
  });
});
