import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { REPO_ROOT } from '../../support/dockerfile';
import { type RunningGallery, startGallery } from '../../support/galleryHarness';
import { httpGet, rawRequest } from '../../support/rawHttp';
import { solidImage } from '../../support/images';

/** The gallery never runs what was uploaded, and answers only at the address it printed. */
describe('the gallery server', () => {
  let gallery: RunningGallery;
  const get = (path: string, headers: Record<string, string> = {}) =>
    httpGet(`${gallery.url}${path}`, headers);
  const put = (key: string, body: Buffer | string, contentType: string, bucket = 'uploads') =>
    gallery.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body), ContentType: contentType }),
    );

  beforeAll(async () => {
    gallery = await startGallery();
  });
  afterAll(async () => {
    await gallery.stop();
  });
  afterEach(() => {
    expect(gallery.errors).toEqual([]);
  });

  it('serves an original as the image type its bytes are, whatever its uploader claimed', async () => {
    await put('claims-html.png', await solidImage(20, 20, 'png'), 'text/html');
    await put('a/../dots.webp', await solidImage(20, 20, 'webp'), 'application/javascript');
    await put('made.jpg', await solidImage(20, 20), 'text/html', 'thumbnails');
    const answers = await Promise.all([
      get('object/uploads/claims-html.png'),
      get(`object?${new URLSearchParams({ bucket: 'uploads', key: 'a/../dots.webp' }).toString()}`),
      get('object/thumbnails/made.jpg'),
    ]);
    expect(answers.map(({ status, headers }) => [status, headers['content-type']])).toEqual([
      [200, 'image/png'],
      [200, 'image/webp'],
      [200, 'image/jpeg'],
    ]);
    expect(answers.map(({ headers }) => headers['content-disposition'])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it.each([
    ['an HTML page', 'page.html', '<html><script>alert(document.domain)</script></html>', 'text/html'],
    [
      'an SVG with a script',
      'x.svg',
      '<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
      'image/svg+xml',
    ],
    ['a PDF', 'doc.pdf', '%PDF-1.4 ...', 'application/pdf'],
    ['bytes that claim to be JPEG', 'fake.jpg', 'not a jpeg at all', 'image/jpeg'],
    ['an empty object', 'empty.png', '', 'image/png'],
    ['a key with quotes and a newline', 'x/"quoted"\nname;.html', '<b>hi</b>', 'text/html'],
  ])('serves %s only as a download', async (_what, key, body, claimed) => {
    await put(key, body, claimed);
    const answer = await get(`object?${new URLSearchParams({ bucket: 'uploads', key }).toString()}`);
    expect([answer.status, answer.headers['content-type']]).toEqual([200, 'application/octet-stream']);
    expect(answer.headers['content-disposition']).toMatch(/^attachment; filename="[^"\n]*"/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toMatch(/sandbox/);
    expect(answer.body.toString()).toBe(body);
  });

  it('sends a strict policy with the page, whose script and styles are files of their own', async () => {
    const page = await get('');
    expect(page.headers['content-security-policy']).toMatch(
      /default-src 'none'; script-src 'self'; style-src 'self'/,
    );
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe/);
    const html = page.body.toString();
    expect(html).toBe(await readFile(join(REPO_ROOT, 'src/tools/local/gallery/static/index.html'), 'utf8'));
    // Inline code of any kind would be refused by that policy.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=|javascript:/i);
    const [script, styles] = await Promise.all([get('gallery.js'), get('gallery.css')]);
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect([styles.status, styles.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
  });

  it.each(['', 'api/items', 'api/buckets', 'api/events', 'object/uploads/made.jpg', 'gallery.js', 'nope'])(
    'refuses /%s when Host is not the address it printed (DNS rebinding)',
    async (path) => {
      for (const host of [
        'rebound.example.com',
        `localhost:${gallery.port}`,
        `127.0.0.1:${gallery.port + 1}`,
        '127.0.0.1',
      ]) {
        const answer = await get(path, { host });
        expect({ host, status: answer.status }).toEqual({ host, status: 421 });
        expect(answer.body.toString()).toContain(`answers only at ${gallery.url}`);
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
      }
      const noHost = await rawRequest(gallery.port, `GET /${path} HTTP/1.0\r\n\r\n`);
      expect(noHost.status).toBe(421);
    },
  );

  it('answers malformed escapes, other methods and odd targets with a 4xx, and goes on serving', async () => {
    const cases: Array<[string, number]> = [
      [`GET /object/uploads/%E0 HTTP/1.1\r\nHost: ${gallery.host}\r\n\r\n`, 400],
      [`GET /object/%zz/x HTTP/1.1\r\nHost: ${gallery.host}\r\n\r\n`, 400],
      [`GET /object?bucket=uploads&key=%E0%A4 HTTP/1.1\r\nHost: ${gallery.host}\r\n\r\n`, 404],
      [`GET /object/elsewhere/secret HTTP/1.1\r\nHost: ${gallery.host}\r\n\r\n`, 404],
      [`GET /object/uploads/ HTTP/1.1\r\nHost: ${gallery.host}\r\n\r\n`, 400],
      [`GET /object/uploads/${'k'.repeat(1025)} HTTP/1.1\r\nHost: ${gallery.host}\r\n\r\n`, 400],
      [`DELETE /object/uploads/made.jpg HTTP/1.1\r\nHost: ${gallery.host}\r\n\r\n`, 405],
      [`GET http://${gallery.host}/ HTTP/1.1\r\nHost: ${gallery.host}\r\n\r\n`, 400],
      ['BREW /pot HTTP/1.1\r\n\r\n', 400],
    ];
    for (const [request, status] of cases) {
      expect({ request, status: (await rawRequest(gallery.port, request)).status }).toEqual({
        request,
        status,
      });
    }
    expect((await get('')).status).toBe(200);
    const head = await httpGet(`${gallery.url}api/events`, {}, 'HEAD');
    expect([head.status, head.headers['content-type']]).toEqual([200, 'text/event-stream']);
  });
});
