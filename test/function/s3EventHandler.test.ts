import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { getObject, listKeys, putObject } from '../support/bucketContents';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { brief, handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { describeImage, photoJpeg, solidImage } from '../support/images';
import { s3Event } from '../support/s3Events';
import { type RunningS3rver, startS3rver } from '../support/s3rverServer';
import { InvalidEventError } from '../../src/common/errors';

// The handler against a real S3 server (s3rver, in-process): real uploads, real downloads, real metadata.
describe('handler against s3rver', () => {
  let server: RunningS3rver;

  beforeAll(async () => {
    server = await startS3rver([SOURCE_BUCKET, THUMBNAIL_BUCKET, 'shared']);
  });
  afterAll(() => server.stop());
  const output = captureOutputOfEachTest();

  /** Uploads `body` to the source bucket and returns the event S3 would send for it. */
  async function upload(key: string, body: Buffer, bucket = SOURCE_BUCKET) {
    const { s3 } = handlerFor(server);
    const eTag = await putObject(s3, bucket, key, body);
    return { key, size: body.length, eTag };
  }

  const logsFor = (key: string) => output.logs().filter((line) => line.key === key);

  it('makes a thumbnail for every record, at collision-free keys, with metadata and headers', async () => {
    const { handler, s3 } = handlerFor(server);
    const jpg = await upload('pets/cat.jpg', await photoJpeg(1600, 1200));
    const png = await upload('pets/cat.png', await solidImage(300, 600, 'png'));

    const result = await handler(s3Event(SOURCE_BUCKET, [jpg, png]));

    expect(brief(result.records)).toEqual([
      { key: 'pets/cat.jpg', status: 'made', outputKey: 'pets/cat.jpg.jpg' },
      { key: 'pets/cat.png', status: 'made', outputKey: 'pets/cat.png.jpg' },
    ]);
    const fromJpg = await getObject(s3, THUMBNAIL_BUCKET, 'pets/cat.jpg.jpg');
    const fromPng = await getObject(s3, THUMBNAIL_BUCKET, 'pets/cat.png.jpg');
    expect(fromJpg).toMatchObject({
      contentType: 'image/jpeg',
      cacheControl: 'public, max-age=86400',
      metadata: {
        'thumbnailer-source-key': 'pets%2Fcat.jpg',
        'thumbnailer-source-etag': jpg.eTag,
        'thumbnailer-settings': expect.stringMatching(/^v1-/),
      },
    });
    expect(await describeImage(fromJpg?.body ?? Buffer.alloc(0))).toMatchObject({
      format: 'jpeg',
      width: 256,
      height: 192,
    });
    expect(await describeImage(fromPng?.body ?? Buffer.alloc(0))).toMatchObject({
      format: 'jpeg',
      width: 128,
      height: 256,
    });
  });

  it('logs one structured line per record and publishes EMF metrics', async () => {
    const { handler } = handlerFor(server);
    const good = await upload('log/good.jpg', await solidImage(640, 480));
    const bad = await upload('log/bad.jpg', Buffer.from('not really a jpeg'));

    await handler(s3Event(SOURCE_BUCKET, [good, bad]));

    expect(logsFor('log/good.jpg')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'thumbnail made',
        service: 'thumbnailer',
        bucket: SOURCE_BUCKET,
        durationMs: expect.any(Number),
        input: { format: 'jpeg', width: 640, height: 480, bytes: good.size },
        outputKey: 'log/good.jpg.jpg',
        output: { format: 'jpeg', width: 256, height: 192, bytes: expect.any(Number) },
      }),
    ]);
    expect(logsFor('log/bad.jpg')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        reason: 'not-an-image',
        detail: expect.stringMatching(/not an image/),
      }),
    ]);
    const [metrics] = output.metrics();
    expect(metrics).toMatchObject({
      ThumbnailsMade: 1,
      ImagesRejected: 1,
      ThumbnailDuration: expect.any(Number),
    });
  });

  it('decodes keys as S3 encodes them: spaces, plus signs, unicode, percent signs', async () => {
    const { handler, s3 } = handlerFor(server);
    const keys = ['my photos/été + fun.png', 'a+b c.jpg', '日本/猫 😀.jpg', '100% real.jpg'];
    const objects = await Promise.all(keys.map(async (key) => upload(key, await solidImage(400, 300))));

    await handler(s3Event(SOURCE_BUCKET, objects));

    for (const key of keys) {
      const thumbnail = await getObject(s3, THUMBNAIL_BUCKET, `${key}.jpg`);
      expect({ key, made: thumbnail?.contentType }).toEqual({ key, made: 'image/jpeg' });
      expect(decodeURIComponent(thumbnail?.metadata['thumbnailer-source-key'] ?? '')).toBe(key);
    }
  });

  it('handles keys holding every ASCII control character, as S3 allows', async () => {
    const controls = String.fromCharCode(...Array.from({ length: 31 }, (_, index) => index + 1), 127);
    const key = `controls/${controls}.jpg`;
    const { handler, s3 } = handlerFor(server);
    const result = await handler(s3Event(SOURCE_BUCKET, [await upload(key, await solidImage(64, 48))]));

    expect(brief(result.records)).toEqual([{ key, status: 'made', outputKey: `${key}.jpg` }]);
    expect((await getObject(s3, THUMBNAIL_BUCKET, `${key}.jpg`))?.contentType).toBe('image/jpeg');
    expect(logsFor(key)).toEqual([expect.objectContaining({ message: 'thumbnail made', key })]);
  });

  it('refuses a non-image once, writes nothing for it, does not throw, and still serves the other records', async () => {
    const { handler, s3 } = handlerFor(server);
    const text = await upload('mixed/notes.jpg', Buffer.from('plain text pretending to be a JPEG'));
    const empty = await upload('mixed/empty.png', Buffer.alloc(0));
    const image = await upload('mixed/real.jpg', await solidImage(500, 500));

    const result = await handler(s3Event(SOURCE_BUCKET, [text, empty, image]));

    expect(brief(result.records)).toEqual([
      { key: 'mixed/notes.jpg', status: 'rejected', reason: 'not-an-image' },
      { key: 'mixed/empty.png', status: 'rejected', reason: 'empty' },
      { key: 'mixed/real.jpg', status: 'made', outputKey: 'mixed/real.jpg.jpg' },
    ]);
    expect((await listKeys(s3, THUMBNAIL_BUCKET)).filter((key) => key.startsWith('mixed/'))).toEqual([
      'mixed/real.jpg.jpg',
    ]);
    expect(logsFor('mixed/notes.jpg')).toHaveLength(1);
  });

  it('never modifies the original', async () => {
    const { handler, s3 } = handlerFor(server);
    const body = await photoJpeg(800, 600);
    const original = await upload('untouched/photo.jpg', body);

    await handler(s3Event(SOURCE_BUCKET, [original]));

    const after = await getObject(s3, SOURCE_BUCKET, 'untouched/photo.jpg');
    expect(after?.eTag).toBe(original.eTag);
    expect(after?.body.equals(body)).toBe(true);
    expect(after?.metadata).toEqual({});
  });

  describe('duplicate delivery', () => {
    it('skips work when the stored thumbnail already records this version and these settings', async () => {
      const { handler, s3 } = handlerFor(server);
      const object = await upload('dup/photo.jpg', await photoJpeg(800, 600));
      const event = s3Event(SOURCE_BUCKET, [object]);

      await handler(event);
      const first = await getObject(s3, THUMBNAIL_BUCKET, 'dup/photo.jpg.jpg');
      const again = await handler(event);

      expect(brief(again.records)).toEqual([
        {
          key: 'dup/photo.jpg',
          status: 'skipped',
          reason: 'already-current',
          outputKey: 'dup/photo.jpg.jpg',
        },
      ]);
      expect(
        (await getObject(s3, THUMBNAIL_BUCKET, 'dup/photo.jpg.jpg'))?.body.equals(
          first?.body ?? Buffer.alloc(0),
        ),
      ).toBe(true);
    });

    it('remakes the thumbnail, byte-identical, when the skip record is missing', async () => {
      const { handler, s3 } = handlerFor(server);
      const object = await upload('dup/same.jpg', await photoJpeg(800, 600));
      await handler(s3Event(SOURCE_BUCKET, [object]));
      const first = await getObject(s3, THUMBNAIL_BUCKET, 'dup/same.jpg.jpg');

      // An event without an ETag cannot be matched to a stored thumbnail, so the work is redone.
      const redone = await handler(s3Event(SOURCE_BUCKET, [{ key: object.key, size: object.size }]));

      expect(redone.records[0]?.status).toBe('made');
      expect(
        (await getObject(s3, THUMBNAIL_BUCKET, 'dup/same.jpg.jpg'))?.body.equals(
          first?.body ?? Buffer.alloc(0),
        ),
      ).toBe(true);
    });

    it('remakes the thumbnail when the source changed or the settings changed', async () => {
      const { handler } = handlerFor(server);
      const v1 = await upload('dup/changing.jpg', await solidImage(800, 600, 'jpeg', '#ff0000'));
      await handler(s3Event(SOURCE_BUCKET, [v1]));
      const v2 = await upload('dup/changing.jpg', await solidImage(800, 600, 'jpeg', '#0000ff'));

      const newVersion = await handler(s3Event(SOURCE_BUCKET, [v2]));
      const { handler: smaller } = handlerFor(server, { THUMBNAIL_QUALITY: '50' });
      const newSettings = await smaller(s3Event(SOURCE_BUCKET, [v2]));

      expect([newVersion.records[0]?.status, newSettings.records[0]?.status]).toEqual(['made', 'made']);
      const { s3 } = handlerFor(server);
      const thumbnail = await getObject(s3, THUMBNAIL_BUCKET, 'dup/changing.jpg.jpg');
      expect((await describeImage(thumbnail?.body ?? Buffer.alloc(0))).mean.b).toBeGreaterThan(200);
    });
  });

  describe('recursion guard, when thumbnails go to the bucket they come from', () => {
    it('skips keys under the thumbnail prefix without downloading them', async () => {
      const { handler, s3 } = handlerFor(server, { THUMBNAIL_BUCKET: 'shared', THUMBNAIL_PREFIX: 'thumbs/' });
      const photo = await upload('photo.jpg', await solidImage(600, 400), 'shared');

      const first = await handler(s3Event('shared', [photo]));
      const thumbnail = await getObject(s3, 'shared', 'thumbs/photo.jpg.jpg');
      const echo = await handler(
        s3Event('shared', [
          { key: 'thumbs/photo.jpg.jpg', size: thumbnail?.body.length ?? 0, eTag: thumbnail?.eTag ?? '' },
        ]),
      );

      expect(first.records[0]).toMatchObject({ status: 'made', outputKey: 'thumbs/photo.jpg.jpg' });
      expect(brief(echo.records)).toEqual([
        { key: 'thumbs/photo.jpg.jpg', status: 'skipped', reason: 'recursion-guard' },
      ]);
      expect(await listKeys(s3, 'shared')).toEqual([
        'photo.jpg',
        'thumbs/_manifests/photo.jpg.json',
        'thumbs/photo.jpg.jpg',
      ]);
    });

    it('recognises its own output by its stamp even with no prefix', async () => {
      const { handler, s3 } = handlerFor(server, { THUMBNAIL_BUCKET: 'shared' });
      const photo = await upload('noprefix.jpg', await solidImage(600, 400), 'shared');

      await handler(s3Event('shared', [photo]));
      const thumbnail = await getObject(s3, 'shared', 'noprefix.jpg.jpg');
      const echo = await handler(
        s3Event('shared', [
          { key: 'noprefix.jpg.jpg', size: thumbnail?.body.length ?? 0, eTag: thumbnail?.eTag ?? '' },
        ]),
      );

      expect(brief(echo.records)).toEqual([
        { key: 'noprefix.jpg.jpg', status: 'skipped', reason: 'source-is-thumbnail' },
      ]);
      expect((await listKeys(s3, 'shared')).filter((key) => key.startsWith('noprefix'))).toEqual([
        'noprefix.jpg',
        'noprefix.jpg.jpg',
      ]);
    });
  });

  describe('events the function was not configured for', () => {
    it('skips, without any request, records from another bucket or outside the source prefix', async () => {
      const { handler, s3 } = handlerFor(server, { SOURCE_BUCKET, SOURCE_PREFIX: 'in/' });
      const inside = await upload('in/photo.jpg', await solidImage(300, 200));
      const outside = await upload('out/photo.jpg', await solidImage(300, 200));

      const foreign = s3Event('someone-elses', [{ key: 'in/photo.jpg', size: 1, eTag: 'x' }]);
      const ours = s3Event(SOURCE_BUCKET, [inside, outside]);

      const result = await handler({ Records: [...ours.Records, ...foreign.Records] });

      expect(brief(result.records)).toEqual([
        { key: 'in/photo.jpg', status: 'made', outputKey: 'in/photo.jpg.jpg' },
        { key: 'out/photo.jpg', status: 'skipped', reason: 'outside-source-prefix' },
        { key: 'in/photo.jpg', status: 'skipped', reason: 'not-source-bucket' },
      ]);
      expect(await getObject(s3, THUMBNAIL_BUCKET, 'out/photo.jpg.jpg')).toBeUndefined();
    });
  });

  describe('permanent outcomes that need no retry', () => {
    it('refuses an object larger than the limit from the event alone, before any download', async () => {
      const { handler } = handlerFor(server, { MAX_INPUT_BYTES: '1000' });
      // The object does not even exist: had the handler tried to download it, the outcome would be source-gone.
      const result = await handler(
        s3Event(SOURCE_BUCKET, [{ key: 'huge/never-uploaded.jpg', size: 1001, eTag: 'x' }]),
      );
      expect(brief(result.records)).toEqual([
        { key: 'huge/never-uploaded.jpg', status: 'rejected', reason: 'too-large' },
      ]);
    });

    it('refuses an object whose download turns out larger than the limit', async () => {
      const { handler } = handlerFor(server, { MAX_INPUT_BYTES: '1000' });
      const big = await upload('huge/real.jpg', await photoJpeg(400, 400));
      const result = await handler(s3Event(SOURCE_BUCKET, [{ key: big.key, eTag: big.eTag }]));
      expect(brief(result.records)).toEqual([
        { key: 'huge/real.jpg', status: 'rejected', reason: 'too-large' },
      ]);
    });

    it('skips an object deleted before it could be read as gone, with a warning, without throwing', async () => {
      const { handler, s3 } = handlerFor(server);
      const object = await upload('gone/photo.jpg', await solidImage(100, 100));
      await s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: object.key }));

      const result = await handler(s3Event(SOURCE_BUCKET, [object]));

      expect(brief(result.records)).toEqual([
        { key: 'gone/photo.jpg', status: 'skipped', reason: 'source-gone' },
      ]);
      expect(logsFor('gone/photo.jpg')).toEqual([
        expect.objectContaining({ level: 'WARN', reason: 'source-gone' }),
      ]);
    });

    it('skips events that do not create objects', async () => {
      const { handler } = handlerFor(server);
      const result = await handler(
        s3Event(SOURCE_BUCKET, [{ key: 'x.jpg', eventName: 'ObjectRemoved:Delete' }]),
      );
      expect(brief(result.records)).toEqual([
        { key: 'x.jpg', status: 'skipped', reason: 'not-object-created' },
      ]);
    });
  });

  describe('events that are not object notifications', () => {
    it('acknowledges the s3:TestEvent and does nothing else', async () => {
      const { handler } = handlerFor(server);
      const result = await handler({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: SOURCE_BUCKET });
      expect(result).toEqual({ records: [] });
      expect(output.logs()).toEqual([
        expect.objectContaining({ level: 'INFO', message: 'S3 test event acknowledged' }),
      ]);
      expect(output.metrics()).toEqual([]);
    });

    it('throws a clear error for an event of unknown shape, and logs it', async () => {
      const { handler } = handlerFor(server);
      await expect(handler({ detail: { bucket: 'b' } })).rejects.toThrow(InvalidEventError);
      await expect(handler({ detail: { bucket: 'b' } })).rejects.toThrow(
        /not an S3 event notification: Records/,
      );
      expect(output.logs()[0]).toMatchObject({
        level: 'ERROR',
        message: 'invalid event, not an S3 notification',
      });
    });
  });

  it('adds the Lambda request id to its logs when given a context', async () => {
    const { handler } = handlerFor(server);
    const object = await upload('ctx/photo.jpg', await solidImage(50, 50));
    const context = { awsRequestId: 'req-123', functionName: 'thumbnailer', memoryLimitInMB: '1024' };
    await handler(s3Event(SOURCE_BUCKET, [object]), context as never);
    expect(logsFor('ctx/photo.jpg')[0]).toMatchObject({
      function_request_id: 'req-123',
      function_name: 'thumbnailer',
    });
  });
});
