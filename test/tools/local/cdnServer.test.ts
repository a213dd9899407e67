/**
 * The local CDN against a real S3 server (s3rver), running the delivery stack's own viewer-request file:
 * the URL matrix, a miss with and without an on-demand renderer, HEAD, 304, ranges, bad paths and methods.
 */
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { configuredDeliveryTable } from '../../../src/core/delivery/deliveryTable';
import {
  type CdnServer,
  type OnDemandRenderer,
  startCdnServer,
} from '../../../src/tools/local/cdn/cdnServer';
import { loadViewerFunction } from '../../../src/tools/local/cdn/viewerFunction';
import { REPO_ROOT } from '../../support/dockerfile';
import { httpGet, rawRequest } from '../../support/rawHttp';
import { s3ClientFor } from '../../support/s3Client';
import { type RunningS3rver, startS3rver } from '../../support/s3rverServer';

const VIEWER_FILE = join(REPO_ROOT, 'terraform', 'delivery', 'viewer-request.js');
const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const TABLE = configuredDeliveryTable({
  renditions: [
    { name: 'square', formats: ['avif', 'webp', 'jpeg'] },
    { name: 'card', formats: ['webp'] },
  ],
  thumbnailPrefix: 'thumbs/',
  sourcePrefix: 'photos/',
});

/** Stand-in bytes: the CDN serves what is stored, whatever it is; the type comes from the object. */
const STORED = {
  'thumbs/square/photos/my cat.jpg.avif': 'image/avif',
  'thumbs/square/photos/my cat.jpg.webp': 'image/webp',
  'thumbs/square/photos/my cat.jpg.jpg': 'image/jpeg',
  'thumbs/card/photos/my cat.jpg.webp': 'image/webp',
} as const;

let s3rver: RunningS3rver;
let s3: S3Client;
let errors: unknown[];

beforeAll(async () => {
  s3rver = await startS3rver(['thumbnails']);
  s3 = s3ClientFor(s3rver);
  for (const [key, contentType] of Object.entries(STORED)) {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'thumbnails',
        Key: key,
        Body: `bytes of ${key}`,
        ContentType: contentType,
        CacheControl: 'public, max-age=86400',
      }),
    );
  }
});
afterAll(async () => {
  s3.destroy();
  await s3rver.stop();
});

async function startCdn(renderer?: OnDemandRenderer): Promise<CdnServer> {
  errors = [];
  const viewer = await loadViewerFunction(VIEWER_FILE, TABLE);
  return startCdnServer({
    port: 0,
    viewer,
    s3,
    thumbnailBucket: 'thumbnails',
    renderer,
    onError: (error) => errors.push(error),
  });
}

describe('the local CDN serves the delivery URLs from the thumbnail bucket', () => {
  let cdn: CdnServer;
  beforeAll(async () => {
    cdn = await startCdn();
  });
  afterAll(() => cdn.stop());

  it.each([
    ['square/photos/my%20cat.jpg', CHROME, 'thumbs/square/photos/my cat.jpg.avif'],
    ['square/photos/my%20cat.jpg', 'image/webp,*/*', 'thumbs/square/photos/my cat.jpg.webp'],
    ['square/photos/my%20cat.jpg', '*/*', 'thumbs/square/photos/my cat.jpg.jpg'],
    ['square.webp/photos/my%20cat.jpg', CHROME, 'thumbs/square/photos/my cat.jpg.webp'],
    ['square.jpg/photos/my%20cat.jpg?v=123', CHROME, 'thumbs/square/photos/my cat.jpg.jpg'],
    ['card/photos%2Fmy%20cat.jpg', '*/*', 'thumbs/card/photos/my cat.jpg.webp'],
  ])('GET /%s (Accept %s) is %s', async (path, accept, key) => {
    const answer = await httpGet(`${cdn.url}${path}`, { accept });
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(`bytes of ${key}`);
    expect(answer.headers['content-type']).toBe(STORED[key as keyof typeof STORED]);
    expect(answer.headers['cache-control']).toBe('public, max-age=86400');
    expect(answer.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    // The format is in the path: no answer depends on Accept, so nothing says Vary.
    expect(answer.headers.vary).toBeUndefined();
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('answers HEAD with the head alone, a matching validator with 304, and a range with 206', async () => {
    const url = `${cdn.url}square/photos/my%20cat.jpg`;
    const full = await httpGet(url, { accept: CHROME });
    const head = await httpGet(url, { accept: CHROME }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(full.body.length));
    expect(head.headers.etag).toBe(full.headers.etag);
    const etag = String(full.headers.etag);
    for (const method of ['GET', 'HEAD']) {
      const again = await httpGet(url, { accept: CHROME, 'if-none-match': `"other", ${etag}` }, method);
      expect({ method, status: again.status, body: again.body.length }).toEqual({
        method,
        status: 304,
        body: 0,
      });
      expect(again.headers.etag).toBe(etag);
    }
    const since = String(full.headers['last-modified']);
    expect((await httpGet(url, { accept: CHROME, 'if-modified-since': since })).status).toBe(304);
    expect((await httpGet(url, { accept: CHROME, 'if-none-match': '"other"' })).status).toBe(200);
    const part = await httpGet(url, { accept: CHROME, range: 'bytes=0-4' });
    expect({ status: part.status, body: part.body.toString() }).toEqual({ status: 206, body: 'bytes' });
    expect((await httpGet(url, { range: 'bytes=9999-' })).status).toBe(416);
    // If-Range: the part while the viewer's copy is current, else the whole object (never a splice).
    const rangeIf = (ifRange: string) =>
      httpGet(url, { accept: CHROME, range: 'bytes=0-4', 'if-range': ifRange });
    expect((await rangeIf(etag)).status).toBe(206);
    expect((await rangeIf(since)).status).toBe(206);
    for (const stale of ['"nope"', `W/${etag}`, 'Mon, 01 Jan 2001 00:00:00 GMT', 'not a date']) {
      const whole = await rangeIf(stale);
      expect({ stale, status: whole.status, bytes: whole.body.length }).toEqual({
        stale,
        status: 200,
        bytes: full.body.length,
      });
    }
  });

  it('sends CORS for a CORS request, as the managed policy does', async () => {
    const url = `${cdn.url}card/photos/my%20cat.jpg`;
    const cors = await httpGet(url, { origin: 'https://app.example' });
    expect(cors.headers['access-control-allow-origin']).toBe('*');
    expect((await httpGet(url)).headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    ['/nope/photos/my%20cat.jpg', 404],
    ['/square.gif/photos/my%20cat.jpg', 404],
    ['/card.avif/photos/my%20cat.jpg', 404],
    ['/square/other/my%20cat.jpg', 404],
    ['/square/photos/../secret.jpg', 404],
    ['/square/photos/%E0%A4', 400],
    [`/square/photos/${'a'.repeat(1100)}`, 414],
    ['/square/photos/missing.jpg', 404],
    ['/_manifests/photos/my%20cat.jpg', 404],
    ['/', 404],
  ])('refuses %s with %i and goes on serving', async (path, status) => {
    const answer = await httpGet(`${cdn.url.slice(0, -1)}${path}`);
    expect(answer.status).toBe(status);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect((await httpGet(`${cdn.url}card/photos/my%20cat.jpg`)).status).toBe(200);
    expect(errors).toEqual([]);
  });

  it('refuses other methods, CONNECT and non-path targets, and outlives a client that goes away', async () => {
    const port = Number(new URL(cdn.url).port);
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      expect({ method, status: (await httpGet(`${cdn.url}card/x`, {}, method)).status }).toEqual({
        method,
        status: 403,
      });
    }
    const connect = await rawRequest(port, 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n');
    expect(connect.status).toBe(405);
    const absolute = await rawRequest(port, 'GET http://x/card/a HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(absolute.status).toBe(400);
    const huge = await rawRequest(port, `GET /card/photos/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(huge.status).toBe(431);
    await rawRequest(port, 'GET /square/photos/my%20cat.jpg HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await httpGet(`${cdn.url}card/photos/my%20cat.jpg`)).status).toBe(200);
  });
});

describe('on a miss, the local CDN fails over to the on-demand renderer', () => {
  it('calls it with the rewritten URI and answers as it does', async () => {
    const calls: { method: string; path: string }[] = [];
    const cdn = await startCdn((request) => {
      calls.push(request);
      return Promise.resolve({
        statusCode: 200,
        headers: { 'content-type': 'image/webp', 'cache-control': 'public, max-age=31536000' },
        body: Buffer.from('made now'),
      });
    });
    try {
      const made = await httpGet(`${cdn.url}card/photos/new%20one.png`, { accept: CHROME });
      expect({ status: made.status, body: made.body.toString() }).toEqual({ status: 200, body: 'made now' });
      expect(made.headers['content-type']).toBe('image/webp');
      expect(made.headers['x-content-type-options']).toBe('nosniff');
      const head = await httpGet(`${cdn.url}card/photos/new%20one.png`, {}, 'HEAD');
      expect({ status: head.status, body: head.body.length }).toEqual({ status: 200, body: 0 });
      // What is stored never reaches the renderer; what the function refuses neither.
      await httpGet(`${cdn.url}card/photos/my%20cat.jpg`);
      await httpGet(`${cdn.url}nope/photos/x.png`);
      expect(calls).toEqual([
        { method: 'GET', path: '/thumbs/card/photos/new%20one.png.webp' },
        { method: 'HEAD', path: '/thumbs/card/photos/new%20one.png.webp' },
      ]);
    } finally {
      await cdn.stop();
    }
  });

  it('answers a failing renderer with a 502, and says why once', async () => {
    const cdn = await startCdn(() => Promise.reject(new Error('renderer broke')));
    try {
      expect((await httpGet(`${cdn.url}card/photos/new.png`)).status).toBe(502);
      expect(errors).toEqual([new Error('renderer broke')]);
      expect((await httpGet(`${cdn.url}card/photos/my%20cat.jpg`)).status).toBe(200);
    } finally {
      await cdn.stop();
    }
  });
});
