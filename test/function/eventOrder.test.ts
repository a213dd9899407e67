import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { type CapturedOutput, captureOutput } from '../support/captureOutput';
import { deliverEach, inOrder, outcomes, stampedKeys } from '../support/derivativeChecks';
import { putObject } from '../support/bucketContents';
import { handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { solidImage } from '../support/images';
import { type FaultProxy, PASS, startFaultProxy } from '../support/faultProxy';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestS3, type TestS3 } from '../support/localS3';

/**
 * S3 delivers events at least once and in any order. Each test makes real changes, takes the notices the
 * S3 server sent for them, and hands them to the handler late, reversed and twice.
 */
describe('events out of order and twice', () => {
  let s3: TestS3;
  let output: CapturedOutput;

  beforeAll(async () => {
    s3 = await startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
  });
  afterAll(() => s3.stop());
  beforeEach(() => {
    output = captureOutput();
    s3.notices.length = 0;
  });
  afterEach(() => {
    output.restore();
  });

  const harness = () => handlerFor(s3.endpoint);
  const put = async (key: string, body: Buffer) => putObject(s3.s3, SOURCE_BUCKET, key, body);
  const remove = (key: string) => s3.s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: key }));
  const taken = () => s3.notices.splice(0).filter((notice) => notice.bucket === SOURCE_BUCKET);
  const thumbnails = async (prefix: string) =>
    Object.fromEntries(
      Object.entries(await stampedKeys(s3.s3, THUMBNAIL_BUCKET)).filter(([key]) => key.startsWith(prefix)),
    );

  it('a late delete never removes the thumbnail of a newer upload', async () => {
    await put('late/a.jpg', await solidImage(64, 64, 'jpeg', '#ff0000'));
    await deliverEach(harness(), taken());
    await remove('late/a.jpg');
    const newer = await put('late/a.jpg', await solidImage(64, 64, 'jpeg', '#00ff00'));
    // The new upload's create first, then its predecessor's delete, twice.
    const records = await deliverEach(harness(), inOrder(taken(), [1, 0, 0]));

    expect(outcomes(records)).toEqual([
      { status: 'made' },
      { status: 'skipped', reason: 'source-exists' },
      { status: 'skipped', reason: 'source-exists' },
    ]);
    expect(await thumbnails('late/')).toEqual({ 'late/a.jpg.jpg': newer });
  });

  it('a late create never resurrects the thumbnail of a deleted object', async () => {
    await put('gone/a.jpg', await solidImage(64, 64));
    await remove('gone/a.jpg');
    // The delete first, then the create it followed, twice, then the delete again.
    const records = await deliverEach(harness(), inOrder(taken(), [1, 0, 0, 1]));

    expect(outcomes(records)).toEqual([
      { status: 'deleted' },
      { status: 'skipped', reason: 'source-gone' },
      { status: 'skipped', reason: 'source-gone' },
      { status: 'deleted' },
    ]);
    expect(await thumbnails('gone/')).toEqual({});
  });

  it('delete then re-upload, every event reversed and twice: the re-upload stands', async () => {
    await put('again/a.jpg', await solidImage(64, 64, 'jpeg', '#ff0000'));
    await deliverEach(harness(), taken());
    await remove('again/a.jpg');
    const last = await put('again/a.jpg', await solidImage(64, 64, 'png', '#0000ff'));
    const notices = taken();
    expect(notices.map((notice) => notice.eventName)).toEqual(['ObjectRemoved:Delete', 'ObjectCreated:Put']);

    await deliverEach(harness(), [...notices].reverse().concat(notices));

    expect(await thumbnails('again/')).toEqual({ 'again/a.jpg.jpg': last });
  });

  it('overwrites and a final delete, every event reversed and twice: nothing stands', async () => {
    for (const colour of ['#ff0000', '#00ff00', '#0000ff']) {
      await put('many/a.jpg', await solidImage(64, 64, 'jpeg', colour));
    }
    await put('many/a.jpg', Buffer.from('not an image'));
    await remove('many/a.jpg');
    const notices = taken();
    // The first create, handled before the rest arrive, makes a thumbnail the later events must remove.
    await deliverEach(harness(), [...notices.slice(0, 1)]);

    await deliverEach(harness(), [...notices].reverse().concat(notices));

    expect(await thumbnails('many/')).toEqual({});
  });
});

/**
 * Two records of one key at once: one's thumbnail write is held back by a proxy (as a slow network
 * might) until another record has handled a newer change. The held record must notice and follow.
 */
describe('records of one key at the same time', () => {
  let s3: TestS3;
  let proxy: FaultProxy;
  let output: CapturedOutput;

  beforeAll(async () => {
    s3 = await startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
    proxy = await startFaultProxy(s3.endpoint.endpoint);
  });
  afterAll(async () => {
    await proxy.stop();
    await s3.stop();
  });
  beforeEach(() => {
    output = captureOutput();
    s3.notices.length = 0;
    // Thumbnail writes through the proxy wait long enough for the test to act meanwhile.
    proxy.setPlan(({ method, path }) =>
      method === 'PUT' && path.startsWith(`/${THUMBNAIL_BUCKET}/`) ? { kind: 'delay', ms: 400 } : PASS,
    );
  });
  afterEach(() => {
    output.restore();
  });

  const put = async (key: string, body: Buffer) => putObject(s3.s3, SOURCE_BUCKET, key, body);
  const taken = () => s3.notices.splice(0).filter((notice) => notice.bucket === SOURCE_BUCKET);
  /** Starts handling the last upload through the proxy; resolves once its thumbnail write is held there. */
  async function heldBack(key: string) {
    const slow = handlerFor({ ...s3.endpoint, endpoint: proxy.endpoint });
    const records = deliverEach(slow, inOrder(taken(), [0]));
    while (!proxy.log.some(({ method, path }) => method === 'PUT' && path.endsWith(`${key}.jpg`))) {
      await sleep(5);
    }
    // Wrapped, so that awaiting this does not also await the records.
    return { records };
  }

  it('a write that lands after its source was deleted and the delete handled is removed', async () => {
    await put('held/a.jpg', await solidImage(64, 64));
    const slow = await heldBack('held/a.jpg');
    await s3.s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'held/a.jpg' }));
    expect(outcomes(await deliverEach(handlerFor(s3.endpoint), taken()))).toEqual([{ status: 'deleted' }]);

    expect(outcomes(await slow.records)).toEqual([
      { status: 'deleted', removedKeys: ['held/a.jpg.jpg', '_manifests/held/a.jpg.json'] },
    ]);
    expect(await stampedKeys(s3.s3, THUMBNAIL_BUCKET)).toEqual({});
  });

  it('a stale write that lands over a newer thumbnail is made again from the newer upload', async () => {
    await put('held/b.jpg', await solidImage(64, 64, 'jpeg', '#ff0000'));
    const slow = await heldBack('held/b.jpg');
    const newer = await put('held/b.jpg', await solidImage(64, 64, 'png', '#0000ff'));
    expect(outcomes(await deliverEach(handlerFor(s3.endpoint), taken()))).toEqual([{ status: 'made' }]);

    expect(outcomes(await slow.records)).toEqual([{ status: 'made' }]);
    expect(await stampedKeys(s3.s3, THUMBNAIL_BUCKET)).toEqual({
      '_manifests/held/b.jpg.json': newer,
      'held/b.jpg.jpg': newer,
    });
  });
});
