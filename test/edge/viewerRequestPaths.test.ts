import { join } from 'node:path';
import { deliveryTable } from '../../src/core/delivery/deliveryTable';
import { thumbnailKey } from '../../src/core/thumbnailKey';
import {
  isViewerResponse,
  loadViewerFunction,
  type ViewerFunction,
} from '../../src/tools/local/cdn/viewerFunction';
import { REPO_ROOT } from '../support/dockerfile';

const FUNCTION_FILE = join(REPO_ROOT, 'terraform', 'delivery', 'viewer-request.js');
const CHROME = 'image/avif,image/webp,*/*;q=0.8';

async function viewerFor(sourcePrefix: string, keyPrefix = 'card/'): Promise<ViewerFunction> {
  const table = deliveryTable([{ name: 'card', keyPrefix, formats: ['jpeg', 'webp'] }], sourcePrefix);
  return loadViewerFunction(FUNCTION_FILE, table);
}

function outcome(viewer: ViewerFunction, uri: string): string | number {
  const result = viewer({ method: 'GET', uri, querystring: {}, headers: { accept: { value: CHROME } } });
  return isViewerResponse(result) ? result.statusCode : result.uri;
}

describe('the viewer-request function with odd paths', () => {
  it.each([
    '/',
    '/card',
    '/card/',
    '//card/a.jpg',
    '/Card/a.jpg',
    '/unknown/a.jpg',
    '/__proto__/a.jpg',
    '/constructor/a.jpg',
    '/hasOwnProperty/a.jpg',
    '/card/./a.jpg',
    '/card/../a.jpg',
    '/card/a/../../b.jpg',
    '/card/%2e%2e/a.jpg',
    '/card/..',
  ])('answers 404 for %s, without forwarding it', async (uri) => {
    expect(outcome(await viewerFor(''), uri)).toBe(404);
  });

  it('answers 400 for percent-encoding that is not UTF-8, 404 for keys outside the source prefix', async () => {
    const viewer = await viewerFor('uploads/');
    expect(outcome(viewer, '/card/uploads/%E0%A4%A')).toBe(400);
    expect(outcome(viewer, '/card/uploads/%ZZ')).toBe(400);
    expect(outcome(viewer, '/card/other/cat.jpg')).toBe(404);
    expect(outcome(viewer, '/card/uploadsX/cat.jpg')).toBe(404);
    expect(outcome(viewer, '/card/uploads/cat.jpg')).toBe('/card/uploads/cat.jpg.webp');
  });

  it('forwards one canonical encoding, so differently encoded URLs of a key share a cache entry', async () => {
    const viewer = await viewerFor('');
    for (const uri of ['/card/my%20cat/%C3%A9t%C3%A9.jpg', '/card/my%20cat%2F%c3%a9t%c3%a9.jpg']) {
      expect(outcome(viewer, uri)).toBe('/card/my%20cat/%C3%A9t%C3%A9.jpg.webp');
    }
    expect(outcome(viewer, '/card/a+b%2Bc%3Fd%23e%25f')).toBe('/card/a%2Bb%2Bc%3Fd%23e%25f.webp');
    expect(outcome(viewer, '/card/a//b')).toBe('/card/a//b.webp');
  });

  it('encodes the key prefix too, and drops the query string', async () => {
    const viewer = await viewerFor('', 'thumbs and more/card/');
    const result = viewer({ method: 'GET', uri: '/card/a', querystring: { v: { value: '1' } }, headers: {} });
    expect(result).toMatchObject({ uri: '/thumbs%20and%20more/card/a.jpg', querystring: {} });
  });

  it('answers 414 where the stored key would pass the S3 key limit, and forwards a key just under it', async () => {
    const viewer = await viewerFor('');
    const fits = 'é'.repeat((1024 - 'card/'.length - '.webp'.length) / 2);
    expect(Buffer.byteLength(thumbnailKey(fits, 'card/', 'webp'))).toBe(1024);
    expect(outcome(viewer, `/card/${encodeURIComponent(fits)}`)).toBe(
      `/card/${encodeURIComponent(fits)}.webp`,
    );
    expect(outcome(viewer, `/card/${encodeURIComponent(`${fits}y`)}`)).toBe(414);
  });

  it('maps to exactly the key the function stores for the source', async () => {
    const viewer = await viewerFor('');
    const key = 'photos/2026/Ünïcödé & spaces (1).heic';
    const uri = outcome(viewer, `/card/${encodeURIComponent(key)}`);
    expect(decodeURIComponent(String(uri))).toBe(`/${thumbnailKey(key, 'card/', 'webp')}`);
  });
});
