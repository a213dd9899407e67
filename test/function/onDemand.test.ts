import type { LambdaFunctionURLResult } from 'aws-lambda';
import { readManifest } from '../../src/core/manifest';
import type { CompletionEvent } from '../../src/aws/events/completionEvents';
import { getObject, listKeys, putObject } from '../support/bucketContents';
import { PASS, SLOW_DOWN, startFaultProxy } from '../support/faultProxy';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { functionUrlEvent, viewerFor } from '../support/functionUrlEvents';
import { functionUrlHandlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { describeImage, photoJpeg, solidImage } from '../support/images';
import { startTestS3, type TestS3 } from '../support/localS3';
import { recordLogs } from '../support/recordLogs';

const RENDITIONS = JSON.stringify([
  { name: 'square', width: 64, height: 64, fit: 'cover', formats: ['avif', 'webp', 'jpeg'] },
  { name: 'card', width: 120, height: 80, formats: ['webp'] },
]);
const IMMUTABLE = 'public, max-age=31536000, immutable';
const ENV = {
  RENDITIONS,
  SOURCE_PREFIX: 'uploads/',
  THUMBNAIL_PREFIX: 'thumbs/',
  THUMBNAIL_CACHE_CONTROL: IMMUTABLE,
};

type Result = Exclude<LambdaFunctionURLResult, string>;
const bodyOf = (result: Result) => Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');

// The function URL entry point against the project's S3 server (real requests, signatures checked), fed
// the events CloudFront sends its on-demand origin: each URL is first run through the real
// viewer-request function, whose rewritten URI is the event's rawPath.
describe('the on-demand entry point (function URL)', () => {
  let s3: TestS3;
  const output = captureOutputOfEachTest();
  let counter = 0;
  /** A fresh source key per test, so that tests share the buckets but never each other's objects. */
  const fresh = (name: string) => `uploads/case-${(counter += 1)}/${name}`;

  beforeAll(async () => {
    s3 = await startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
  });
  afterAll(() => s3.stop());

  const url = (env: Record<string, string> = {}, options = {}) =>
    functionUrlHandlerFor(s3.endpoint, { ...ENV, ...env }, options);

  /** What CloudFront asks the origin for when a viewer asks for `viewerPath`. */
  async function originPath(viewerPath: string, accept?: string): Promise<string> {
    const viewer = await viewerFor(url().config);
    const uri = viewer(viewerPath, accept);
    if (typeof uri !== 'string')
      throw new Error(`the viewer function refused ${viewerPath}: ${uri.statusCode}`);
    return uri;
  }

  async function ask(path: string, method = 'GET', env = {}, options = {}): Promise<Result> {
    return (await url(env, options).handler(functionUrlEvent({ method, path }))) as Result;
  }

  const thumbnailKeys = () => listKeys(s3.s3, THUMBNAIL_BUCKET);

  it('makes a configured rendition on its first request, stores it as an upload would, and serves it', async () => {
    const source = fresh('café 100%+1.jpg');
    await putObject(s3.s3, SOURCE_BUCKET, source, await photoJpeg(800, 600));
    const path = await originPath(`/square/${encodeURIComponent(source)}`);
    expect(path).toBe('/thumbs/square/uploads/case-1/caf%C3%A9%20100%25%2B1.jpg.avif');

    const first = await ask(path);
    expect(first).toMatchObject({ statusCode: 200, isBase64Encoded: true });
    expect(first.headers).toMatchObject({ 'content-type': 'image/avif', 'cache-control': IMMUTABLE });
    const stored = await getObject(s3.s3, THUMBNAIL_BUCKET, `thumbs/square/${source}.avif`);
    expect(bodyOf(first)).toEqual(stored?.body);
    expect(first.headers?.etag).toBe(`"${stored?.eTag}"`);
    expect(await describeImage(bodyOf(first))).toMatchObject({ format: 'heif', width: 64, height: 64 });
    // Every rendition of the source in the one decode, and the manifest, as an upload makes them.
    expect((await thumbnailKeys()).filter((key) => key.includes('case-1/'))).toEqual([
      `thumbs/_manifests/${source}.json`,
      `thumbs/card/${source}.webp`,
      `thumbs/square/${source}.avif`,
      `thumbs/square/${source}.jpg`,
      `thumbs/square/${source}.webp`,
    ]);
    expect(recordLogs(output.raw)).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'thumbnail made', key: source }),
    ]);

    // Asked again (S3 answered 403 to CloudFront meanwhile, say): found current, nothing written again.
    const again = await ask(path);
    expect(bodyOf(again)).toEqual(stored?.body);
    expect((await getObject(s3.s3, THUMBNAIL_BUCKET, `thumbs/square/${source}.avif`))?.eTag).toBe(
      stored?.eTag,
    );
    expect(recordLogs(output.raw).at(-1)).toMatchObject({
      message: 'record skipped',
      reason: 'already-current',
    });
  });

  it('serves the format the path names: the JPEG for a browser that asks for no other', async () => {
    const source = fresh('cat.jpg');
    await putObject(s3.s3, SOURCE_BUCKET, source, await solidImage(300, 200));
    const result = await ask(await originPath(`/square/${source}`, '*/*'));
    expect(result.headers).toMatchObject({ 'content-type': 'image/jpeg' });
    expect(await describeImage(bodyOf(result))).toMatchObject({ format: 'jpeg', width: 64, height: 64 });
  });

  it.each([
    ['an unknown rendition name', '/thumbs/hero/uploads/x/cat.jpg.jpg'],
    ['a format the rendition is not configured with', '/thumbs/card/uploads/x/cat.jpg.avif'],
    ['an unknown format', '/thumbs/square/uploads/x/cat.jpg.png'],
    ['the manifest', '/thumbs/_manifests/uploads/x/cat.jpg.json'],
    ['a dot-dot segment out of the source prefix', '/thumbs/square/uploads/../secret/cat.jpg.jpg'],
    ['encoded dots', '/thumbs/square/uploads/%2e%2e/secret/cat.jpg.jpg'],
    ['encoded slashes', '/thumbs%2Fsquare%2Fuploads%2F..%2Fsecret%2Fcat.jpg.jpg'],
    ['a key outside SOURCE_PREFIX', '/thumbs/square/secret/cat.jpg.jpg'],
    ['a source prefix spelt in another case', '/thumbs/square/Uploads/secret/cat.jpg.jpg'],
    ['a folder', '/thumbs/square/uploads/secret/.jpg'],
    ['percent-encoding that is not UTF-8', '/thumbs/square/uploads/%E0%A4%A.jpg'],
    ['no leading slash', 'thumbs/square/uploads/x/cat.jpg.jpg'],
    ['an empty path', ''],
  ])('refuses %s with a plain 404, reading no original and writing nothing', async (_, path) => {
    await putObject(s3.s3, SOURCE_BUCKET, 'secret/cat.jpg', await solidImage(40, 40));
    const before = await thumbnailKeys();

    const result = await ask(path);
    expect(result).toMatchObject({ statusCode: 404, headers: { 'cache-control': 'public, max-age=60' } });
    expect(bodyOf(result).toString()).toBe('Not Found\n');
    expect(await thumbnailKeys()).toEqual(before);
    // Refused from the path alone: no record flow ran, so no original was even asked for.
    expect(recordLogs(output.raw)).toEqual([]);
    expect(output.logs()).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'on-demand request refused' }),
    ]);
  });

  it('decodes a path once: %252e%252e names the key text %2e%2e, never a way out of the prefix', async () => {
    await putObject(s3.s3, SOURCE_BUCKET, 'secret/cat.jpg', await solidImage(40, 40));
    const result = await ask('/thumbs/square/uploads/%252e%252e/secret/cat.jpg.jpg');

    expect(result.statusCode).toBe(404);
    expect(recordLogs(output.raw)).toEqual([
      expect.objectContaining({ reason: 'source-gone', key: 'uploads/%2e%2e/secret/cat.jpg' }),
    ]);
  });

  it('answers 404 for an original that does not exist, and makes it once it does', async () => {
    const source = fresh('later.jpg');
    const path = `/thumbs/card/${source}.webp`;
    expect(await ask(path)).toMatchObject({
      statusCode: 404,
      headers: { 'cache-control': 'public, max-age=60' },
    });
    expect((await thumbnailKeys()).filter((key) => key.includes(source))).toEqual([]);

    await putObject(s3.s3, SOURCE_BUCKET, source, await solidImage(240, 160));
    const result = await ask(path);
    expect(result.statusCode).toBe(200);
    expect(await describeImage(bodyOf(result))).toMatchObject({ format: 'webp', width: 120, height: 80 });
  });

  it.each([
    ['too many pixels', () => solidImage(300, 300), 'too-many-pixels'],
    ['not an image', () => Promise.resolve(Buffer.from('just some words, not a picture\n')), 'not-an-image'],
  ])(
    'refuses an original with %s (422, briefly cached), logged once with key and reason',
    async (_, body, reason) => {
      const source = fresh('refused.jpg');
      await putObject(s3.s3, SOURCE_BUCKET, source, await body());
      const result = await ask(`/thumbs/card/${source}.webp`, 'GET', { MAX_INPUT_PIXELS: '10000' });

      expect(result).toMatchObject({ statusCode: 422, headers: { 'cache-control': 'public, max-age=60' } });
      expect(bodyOf(result).toString()).not.toContain(reason);
      expect(recordLogs(output.raw)).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          message: 'image rejected, not retrying',
          key: source,
          reason,
        }),
      ]);
      expect((await thumbnailKeys()).filter((key) => key.includes(source))).toEqual([]);
    },
  );

  it('answers a rendition too large for the payload limit with a redirect to its stored object', async () => {
    const source = fresh('big photo.jpg');
    await putObject(s3.s3, SOURCE_BUCKET, source, await photoJpeg(800, 600));
    const path = await originPath(`/square/${source}`, 'image/webp');

    const result = await ask(path, 'GET', {}, { maxInlineBytes: 100 });
    expect(result).toMatchObject({
      statusCode: 307,
      headers: { location: `/square.webp/${source.replace(' ', '%20')}`, 'cache-control': 'no-store' },
    });
    expect(result.body).toBeUndefined();
    // The redirect's URL, through the viewer function, names the object now stored: S3 serves it.
    const followed = await originPath(result.headers?.location as string, '*/*');
    expect(followed).toBe(path);
    expect(await getObject(s3.s3, THUMBNAIL_BUCKET, `thumbs/square/${source}.webp`)).toBeDefined();
  });

  it('answers concurrent first requests from two environments alike, leaving consistent objects', async () => {
    const source = fresh('rush.jpg');
    await putObject(s3.s3, SOURCE_BUCKET, source, await photoJpeg(640, 480, 7));
    const path = `/thumbs/square/${source}.webp`;
    // Two handlers: two Lambda execution environments, each making the renditions on its own.
    const [one, two] = (await Promise.all(
      [url().handler, url().handler].map((handler) => handler(functionUrlEvent({ path }))),
    )) as Result[];

    expect([one?.statusCode, two?.statusCode]).toEqual([200, 200]);
    expect(bodyOf(one as Result)).toEqual(bodyOf(two as Result));
    const stored = await getObject(s3.s3, THUMBNAIL_BUCKET, `thumbs/square/${source}.webp`);
    expect(stored?.body).toEqual(bodyOf(one as Result));
    const manifest = await getObject(s3.s3, THUMBNAIL_BUCKET, `thumbs/_manifests/${source}.json`);
    const listed = readManifest(manifest?.body.toString() ?? '')?.renditions ?? [];
    expect(listed.map((entry) => entry.key).sort()).toEqual([
      `thumbs/card/${source}.webp`,
      `thumbs/square/${source}.avif`,
      `thumbs/square/${source}.jpg`,
      `thumbs/square/${source}.webp`,
    ]);
    // And a third environment finds everything current.
    await ask(path);
    expect(recordLogs(output.raw).at(-1)).toMatchObject({ reason: 'already-current' });
  });

  it('makes a source once for concurrent requests of its renditions in one environment', async () => {
    const source = fresh('page.jpg');
    await putObject(s3.s3, SOURCE_BUCKET, source, await photoJpeg(640, 480, 3));
    const { handler } = url();
    const paths = ['square/%s.avif', 'square/%s.jpg', 'card/%s.webp'].map(
      (path) => `/thumbs/${path.replace('%s', source)}`,
    );
    const results = (await Promise.all(paths.map((path) => handler(functionUrlEvent({ path }))))) as Result[];

    expect(results.map((result) => result.headers?.['content-type'])).toEqual([
      'image/avif',
      'image/jpeg',
      'image/webp',
    ]);
    expect(recordLogs(output.raw).map(({ message }) => message)).toEqual(['thumbnail made']);
  });

  it('answers HEAD with the headers of GET and no body; refuses other methods with 405', async () => {
    const source = fresh('head.jpg');
    await putObject(s3.s3, SOURCE_BUCKET, source, await solidImage(200, 100));
    const path = `/thumbs/card/${source}.webp`;
    const head = await ask(path, 'HEAD');
    const get = await ask(path);

    expect(head).toEqual({ statusCode: 200, headers: get.headers, isBase64Encoded: false });
    expect(head.headers?.['content-length']).toBe(String(bodyOf(get).length));
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      expect(await ask(path, method)).toMatchObject({
        statusCode: 405,
        headers: { allow: 'GET, HEAD', 'cache-control': 'no-store' },
      });
    }
    expect(await ask('/thumbs/card/uploads/none.jpg.webp', 'HEAD')).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=60' },
      isBase64Encoded: false,
    });
  });

  it('answers a failure of S3 with a 503 no cache keeps, logged with its step, and never throws', async () => {
    const source = fresh('broken.jpg');
    await putObject(s3.s3, SOURCE_BUCKET, source, await solidImage(200, 100));
    const result = await ask(`/thumbs/card/${source}.webp`, 'GET', { THUMBNAIL_BUCKET: 'no-such-bucket' });

    expect(result).toMatchObject({
      statusCode: 503,
      headers: { 'cache-control': 'no-store', 'retry-after': '1' },
    });
    expect(output.logs()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'on-demand request failed, answered 503',
        step: 'write-thumbnail',
      }),
    );
  });

  it('answers S3 throttling (503 SlowDown on the download) with a 503, and makes it on a later request', async () => {
    const proxy = await startFaultProxy(s3.endpoint.endpoint);
    try {
      const source = fresh('throttled.jpg');
      await putObject(s3.s3, SOURCE_BUCKET, source, await solidImage(200, 100));
      const path = `/thumbs/card/${source}.webp`;
      const throttled = `/${SOURCE_BUCKET}/${source}`;
      proxy.setPlan(({ method, path: target }) =>
        method === 'GET' && decodeURIComponent(target) === throttled ? SLOW_DOWN : PASS,
      );
      const { handler } = functionUrlHandlerFor({ ...s3.endpoint, endpoint: proxy.endpoint }, ENV, {
        maxAttempts: 2,
      });
      expect(await handler(functionUrlEvent({ path }))).toMatchObject({
        statusCode: 503,
        headers: { 'cache-control': 'no-store' },
      });
      expect(output.logs()).toContainEqual(expect.objectContaining({ step: 'download-source' }));

      proxy.setPlan(() => PASS);
      expect(await handler(functionUrlEvent({ path }))).toMatchObject({ statusCode: 200 });
    } finally {
      await proxy.stop();
    }
  });

  it('announces what it made as an upload does (Thumbnails Ready), and nothing when it made nothing', async () => {
    const source = fresh('announced.jpg');
    await putObject(s3.s3, SOURCE_BUCKET, source, await photoJpeg(200, 100));
    const events: CompletionEvent[] = [];
    const publisher = { publish: (event: CompletionEvent) => Promise.resolve(void events.push(event)) };
    const path = await originPath(`/card/${source}`);
    expect((await ask(path, 'GET', {}, { publisher })).statusCode).toBe(200);
    expect(events.map((event) => [event.detailType, event.detail.source.key])).toEqual([
      ['Thumbnails Ready', source],
    ]);
    expect((await ask(path, 'GET', {}, { publisher })).statusCode).toBe(200);
    expect(events).toHaveLength(1);
  });
});
