import { DeleteObjectCommand, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { deliverEach, outcomes, stampedKeys } from '../support/derivativeChecks';
import { putObject } from '../support/bucketContents';
import { handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { solidImage } from '../support/images';
import { startTestS3, type TestS3 } from '../support/localS3';
import { TransientFailureError } from '../../src/common/errors';

/**
 * Derivatives follow their original, against the project's S3 server (s3rver with its mends): every
 * event handed to the handler is a notice the server itself sent for a real request, with its sequencer.
 */
describe('deletes and overwrites', () => {
  let s3: TestS3;
  const output = captureOutputOfEachTest();

  beforeAll(async () => {
    s3 = await startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
  });
  afterAll(() => s3.stop());
  beforeEach(() => {
    s3.notices.length = 0;
  });

  const harness = (env: Record<string, string> = {}) => handlerFor(s3.endpoint, env);
  const put = async (key: string, body: Buffer) => putObject(s3.s3, SOURCE_BUCKET, key, body);
  const remove = (key: string) => s3.s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: key }));
  /** The source bucket's notices sent since the last call, taken (the thumbnails' own are dropped). */
  const taken = () => s3.notices.splice(0).filter((notice) => notice.bucket === SOURCE_BUCKET);
  const thumbnails = async (prefix: string) =>
    Object.fromEntries(
      Object.entries(await stampedKeys(s3.s3, THUMBNAIL_BUCKET)).filter(([key]) => key.startsWith(prefix)),
    );

  it('a delete removes every derivative, in every format it was ever made in', async () => {
    const image = await solidImage(300, 200, 'png');
    await put('del/cat.png', image);
    await deliverEach(harness({ THUMBNAIL_FORMAT: 'webp' }), taken());
    // As a deployment from before manifests left it: a format change then finds no manifest naming the
    // WebP (with one, the change itself removes it: test/function/renditions.test.ts).
    await s3.s3.send(
      new DeleteObjectCommand({ Bucket: THUMBNAIL_BUCKET, Key: '_manifests/del/cat.png.json' }),
    );
    await put('del/cat.png', image);
    await deliverEach(harness(), taken());
    expect(Object.keys(await thumbnails('del/'))).toEqual(['del/cat.png.jpg', 'del/cat.png.webp']);

    await remove('del/cat.png');
    const records = await deliverEach(harness(), taken());

    expect(outcomes(records)).toEqual([
      {
        status: 'deleted',
        removedKeys: ['del/cat.png.jpg', 'del/cat.png.webp', '_manifests/del/cat.png.json'],
      },
    ]);
    expect(await thumbnails('del/')).toEqual({});
    expect(output.logs()).toContainEqual(
      expect.objectContaining({ message: 'thumbnails deleted with their source', key: 'del/cat.png' }),
    );
  });

  it('a duplicated delete is a no-op, and DeleteObjects is followed like DELETE', async () => {
    await put('dup/a.jpg', await solidImage(64, 64));
    await put('dup/b.jpg', await solidImage(64, 64));
    await deliverEach(harness(), taken());
    await s3.s3.send(
      new DeleteObjectsCommand({
        Bucket: SOURCE_BUCKET,
        Delete: { Objects: [{ Key: 'dup/a.jpg' }, { Key: 'dup/b.jpg' }] },
      }),
    );
    const deletes = taken();
    expect(deletes.map((notice) => notice.eventName)).toEqual([
      'ObjectRemoved:Delete',
      'ObjectRemoved:Delete',
    ]);

    const records = await deliverEach(harness(), [...deletes, ...deletes]);

    expect(outcomes(records)).toEqual([
      { status: 'deleted', removedKeys: ['dup/a.jpg.jpg', '_manifests/dup/a.jpg.json'] },
      { status: 'deleted', removedKeys: ['dup/b.jpg.jpg', '_manifests/dup/b.jpg.json'] },
      { status: 'deleted' },
      { status: 'deleted' },
    ]);
    expect(await thumbnails('dup/')).toEqual({});
  });

  it('an overwrite with an image replaces the thumbnail; with a non-image removes it and says so', async () => {
    await put('over/pic.jpg', await solidImage(64, 64));
    const second = await put('over/pic.jpg', await solidImage(80, 80, 'png'));
    const records = await deliverEach(harness(), taken());
    expect(outcomes(records)).toEqual([{ status: 'skipped', reason: 'superseded' }, { status: 'made' }]);
    expect(await thumbnails('over/')).toEqual({ 'over/pic.jpg.jpg': second });

    await put('over/pic.jpg', Buffer.from('now a text file'));
    const refusal = await deliverEach(harness(), taken());

    expect(outcomes(refusal)).toEqual([
      {
        status: 'rejected',
        reason: 'not-an-image',
        removedKeys: ['over/pic.jpg.jpg', '_manifests/over/pic.jpg.json'],
      },
    ]);
    expect(await thumbnails('over/')).toEqual({});
    expect(output.logs()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        reason: 'not-an-image',
        removedKeys: ['over/pic.jpg.jpg', '_manifests/over/pic.jpg.json'],
      }),
    );
  });

  it('an overwrite above the size limit removes the old thumbnail too', async () => {
    await put('big/pic.jpg', await solidImage(64, 64));
    await deliverEach(harness(), taken());
    await put('big/pic.jpg', await solidImage(900, 900, 'png'));
    const records = await deliverEach(harness({ MAX_INPUT_BYTES: '2000' }), taken());
    expect(outcomes(records)).toEqual([
      {
        status: 'rejected',
        reason: 'too-large',
        removedKeys: ['big/pic.jpg.jpg', '_manifests/big/pic.jpg.json'],
      },
    ]);
  });

  it('never deletes an object at a derivative key that is not a derivative', async () => {
    await putObject(s3.s3, THUMBNAIL_BUCKET, 'mine/own.jpg.jpg', Buffer.from('not ours'));
    await put('mine/own.jpg', await solidImage(64, 64));
    await remove('mine/own.jpg');
    expect(outcomes(await deliverEach(harness(), taken()))).toEqual([
      { status: 'skipped', reason: 'source-gone' },
      { status: 'deleted' },
    ]);
    expect(await thumbnails('mine/')).toEqual({ 'mine/own.jpg.jpg': '(no stamp)' });
  });

  it('throws a transient failure when S3 cannot be reached, so Lambda retries the delete', async () => {
    const unreachable = handlerFor({ ...s3.endpoint, endpoint: 'http://127.0.0.1:9' }, {}, 1);
    const notice = { eventName: 'ObjectRemoved:Delete', bucket: SOURCE_BUCKET, key: 'any.jpg' };
    await expect(deliverEach(unreachable, [notice])).rejects.toThrow(TransientFailureError);
    expect(output.logs()).toContainEqual(
      expect.objectContaining({ level: 'ERROR', step: 'check-source', key: 'any.jpg' }),
    );
  });
});
