import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { putObject } from '../support/bucketContents';
import { batchHandlerFor, outcomes, tasksFor } from '../support/batchHarness';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { solidImage } from '../support/images';
import { startTestS3, type TestS3 } from '../support/localS3';
import { batchInvocation } from '../../src/aws/events/batchInvocation';
import { InvalidEventError } from '../../src/common/errors';

describe('the Batch Operations entry point refuses what it must not thumbnail', () => {
  let s3: TestS3;
  const output = captureOutputOfEachTest();

  beforeAll(async () => {
    s3 = await startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
  });
  afterAll(() => s3.stop());

  it('answers each task for what it is: missing, not an image, outside the prefix, a folder', async () => {
    await putObject(s3.s3, SOURCE_BUCKET, 'in/notes.jpg', Buffer.from('not an image at all'));
    await putObject(s3.s3, SOURCE_BUCKET, 'in/folder/', Buffer.alloc(0));
    await putObject(s3.s3, SOURCE_BUCKET, 'elsewhere/cat.jpg', await solidImage(64, 48));
    const { handler } = batchHandlerFor(s3.endpoint, { SOURCE_PREFIX: 'in/' });

    const keys = ['in/deleted.jpg', 'in/notes.jpg', 'elsewhere/cat.jpg', 'in/folder/'];
    expect(outcomes(await handler(tasksFor(keys)))).toEqual([
      ['PermanentFailure', expect.stringMatching(/^refused source-gone: no object has this key/)],
      ['PermanentFailure', expect.stringMatching(/^refused not-an-image: /)],
      ['PermanentFailure', expect.stringMatching(/^refused outside-source-prefix: /)],
      ['Succeeded', expect.stringMatching(/^skipped folder-marker: /)],
    ]);
    expect(output.logs().filter(({ level }) => level === 'ERROR')).toEqual([
      expect.objectContaining({ message: 'image rejected, not retrying', key: 'in/notes.jpg' }),
    ]);
  });

  it('refuses thumbnails as input, in the thumbnail bucket or carrying the stamp', async () => {
    const { handler } = batchHandlerFor(s3.endpoint, { SOURCE_BUCKET: '', THUMBNAIL_PREFIX: 'thumbs/' });
    await putObject(s3.s3, SOURCE_BUCKET, 'loop.jpg', await solidImage(64, 48));
    await handler(batchInvocation([{ bucket: SOURCE_BUCKET, key: 'loop.jpg' }]));
    const tasks = [
      { bucket: THUMBNAIL_BUCKET, key: 'thumbs/loop.jpg.jpg' },
      { bucket: SOURCE_BUCKET, key: 'copied.jpg' },
    ];
    const stamped = await s3.s3.send(
      new CopyObjectCommand({
        Bucket: SOURCE_BUCKET,
        Key: 'copied.jpg',
        CopySource: `${THUMBNAIL_BUCKET}/thumbs/loop.jpg.jpg`,
      }),
    );
    expect(stamped.CopyObjectResult).toBeDefined();
    expect(outcomes(await handler(batchInvocation(tasks)))).toEqual([
      ['PermanentFailure', expect.stringMatching(/^refused recursion-guard: /)],
      ['PermanentFailure', expect.stringMatching(/^refused source-is-thumbnail: /)],
    ]);
  });

  it('refuses a key that is not valid URL encoding, and answers the other tasks', async () => {
    await putObject(s3.s3, SOURCE_BUCKET, 'fine.jpg', await solidImage(64, 48));
    const invocation = tasksFor(['broken', 'fine.jpg']) as { tasks: Array<{ s3Key: string }> };
    (invocation.tasks[0] as { s3Key: string }).s3Key = 'broken%E0%A4%A.jpg';
    const { handler } = batchHandlerFor(s3.endpoint);

    expect(outcomes(await handler(invocation))).toEqual([
      ['PermanentFailure', 'refused bad-key: the key is not valid URL encoding: "broken%E0%A4%A.jpg"'],
      ['Succeeded', 'made fine.jpg.jpg'],
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['no event at all', null, /invocationSchemaVersion undefined is not one of 1.0, 2.0/],
    ['an unknown schema', { invocationSchemaVersion: '3.0' }, /"3.0" is not one of 1.0, 2.0/],
    ['no tasks', { ...(tasksFor(['a']) as object), tasks: [] }, /tasks: Too small/],
    ['no invocation id', { ...(tasksFor(['a']) as object), invocationId: undefined }, /invocationId: /],
    [
      'a 2.0 task naming the bucket by ARN',
      { ...(tasksFor(['a'], '1.0') as object), invocationSchemaVersion: '2.0' },
      /tasks.0.s3Bucket: /,
    ],
    [
      'a 1.0 task with a bad bucket ARN',
      { ...(tasksFor(['a'], '1.0') as object), tasks: [{ taskId: 't', s3Key: 'a', s3BucketArn: 'uploads' }] },
      /tasks.0.s3BucketArn: not an S3 bucket ARN: "uploads"/,
    ],
  ])('throws an InvalidEventError for %s', async (_name, event, message) => {
    const { handler } = batchHandlerFor(s3.endpoint);
    const failure = handler(event);
    await expect(failure).rejects.toThrow(InvalidEventError);
    await expect(failure).rejects.toThrow(message);
  });
});
