import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getObject, listKeys, putObject } from '../support/bucketContents';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { brief, handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { solidImage } from '../support/images';
import { s3Event } from '../support/s3Events';
import { type RunningS3rver, startS3rver } from '../support/s3rverServer';

/**
 * What the handler says about each record must be true and in proportion: exact numbers, skips that
 * are by design logged as information and never counted as rejected images.
 */
describe('handler messages against s3rver', () => {
  let server: RunningS3rver;

  beforeAll(async () => {
    server = await startS3rver([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
  });
  afterAll(() => server.stop());
  const output = captureOutputOfEachTest();

  const logsFor = (key: string) => output.logs().filter((line) => line.key === key);

  it.each([
    ['photos/', false],
    ['a/b/c/', false],
    ['odd/folder-holding-an-image/', true],
  ])('a folder marker %j (holding an image: %s) is skipped quietly, not rejected', async (key, holding) => {
    const { handler, s3 } = handlerFor(server);
    const body = holding ? await solidImage(8, 8) : Buffer.alloc(0);
    await putObject(s3, SOURCE_BUCKET, key, body);
    const result = await handler(s3Event(SOURCE_BUCKET, [{ key, size: body.length }]));
    expect(brief(result.records)).toEqual([{ key, status: 'skipped', reason: 'folder-marker' }]);
    expect(logsFor(key)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'record skipped',
        detail: expect.stringMatching(/folder marker, not an image/),
      }),
    ]);
    const [metrics] = output.metrics();
    expect(metrics).toMatchObject({ RecordsSkipped: 1 });
    expect(metrics).not.toHaveProperty('ImagesRejected');
    expect(await listKeys(s3, THUMBNAIL_BUCKET, key)).toEqual([]);
  });

  it.each(['never/uploaded/', '/'])(
    '%j, with no size in the event, is skipped before any request',
    async (key) => {
      const { handler } = handlerFor(server);
      // Never uploaded: a download would have found nothing and said source-gone.
      const result = await handler(s3Event(SOURCE_BUCKET, [{ key }]));
      expect(brief(result.records)).toEqual([{ key, status: 'skipped', reason: 'folder-marker' }]);
    },
  );

  it('an object deleted before it is read is a warning, not a rejected image', async () => {
    const { handler } = handlerFor(server);
    const result = await handler(s3Event(SOURCE_BUCKET, [{ key: 'gone/photo.jpg', size: 10, eTag: 'e' }]));
    expect(brief(result.records)).toEqual([
      { key: 'gone/photo.jpg', status: 'skipped', reason: 'source-gone' },
    ]);
    expect(logsFor('gone/photo.jpg')).toEqual([
      expect.objectContaining({ level: 'WARN', reason: 'source-gone' }),
    ]);
    expect(output.metrics()[0]).not.toHaveProperty('ImagesRejected');
  });

  it('an already-current thumbnail is information, not a warning', async () => {
    const { handler, s3 } = handlerFor(server);
    const body = await solidImage(64, 48);
    const eTag = await putObject(s3, SOURCE_BUCKET, 'again/photo.jpg', body);
    const event = s3Event(SOURCE_BUCKET, [{ key: 'again/photo.jpg', size: body.length, eTag }]);
    await handler(event);
    await handler(event);
    expect(logsFor('again/photo.jpg').map(({ level, message }) => `${level} ${message}`)).toEqual([
      'INFO thumbnail made',
      'INFO record skipped',
    ]);
  });

  it.each([
    ['1', 'image is 100x100 = 10,000 pixels, above the 1-pixel limit'],
    ['9999', 'image is 100x100 = 10,000 pixels, above the 9,999-pixel limit'],
  ])('the pixel limit %s gives exact counts', async (limit, detail) => {
    const { handler, s3 } = handlerFor(server, { MAX_INPUT_PIXELS: limit });
    const body = await solidImage(100, 100, 'png');
    await putObject(s3, SOURCE_BUCKET, `pixels/${limit}.png`, body);
    const result = await handler(s3Event(SOURCE_BUCKET, [{ key: `pixels/${limit}.png`, size: body.length }]));
    expect(result.records).toEqual([
      expect.objectContaining({ status: 'rejected', reason: 'too-many-pixels', detail }),
    ]);
  });

  it('the byte limit gives exact counts, from the event and from the download', async () => {
    const { handler, s3 } = handlerFor(server, { MAX_INPUT_BYTES: '1000' });
    const body = await solidImage(400, 400, 'png');
    await putObject(s3, SOURCE_BUCKET, 'bytes/big.png', body);
    const fromEvent = await handler(s3Event(SOURCE_BUCKET, [{ key: 'bytes/x.png', size: 1_048_577 }]));
    const fromDownload = await handler(s3Event(SOURCE_BUCKET, [{ key: 'bytes/big.png' }]));
    expect([...fromEvent.records, ...fromDownload.records].map(({ detail }) => detail)).toEqual([
      'object is 1,048,577 bytes, above the 1,000-byte limit',
      `object is ${body.length.toLocaleString('en-US')} bytes, above the 1,000-byte limit`,
    ]);
    expect(await getObject(s3, THUMBNAIL_BUCKET, 'bytes/big.png.jpg')).toBeUndefined();
  });
});

describe('handler messages: a download that passes the limit without a declared length', () => {
  let server: Server;

  // No real S3 server streams a body without its length; this plain HTTP server does, as a proxy or a
  // misbehaving S3-compatible server might. The handler must neither read past the limit nor claim
  // the object is "0 bytes, above the limit".
  beforeAll(async () => {
    server = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'image/png', etag: '"abc"' });
      for (let chunk = 0; chunk < 8; chunk += 1) response.write(Buffer.alloc(1000, 0x41));
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('says the download passed the limit, with what S3 declared', async () => {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { handler } = handlerFor(
      { endpoint, accessKeyId: 'k', secretAccessKey: 's' },
      { MAX_INPUT_BYTES: '2000' },
    );
    const result = await handler(s3Event(SOURCE_BUCKET, [{ key: 'chunked.png' }]));
    expect(result.records).toEqual([
      expect.objectContaining({
        status: 'rejected',
        reason: 'too-large',
        detail: 'object passed the 2,000-byte limit while downloading (S3 declared 0 bytes)',
      }),
    ]);
  });
});
