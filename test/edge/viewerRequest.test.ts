import { join } from 'node:path';
import { deliveryTable } from '../../src/core/delivery/deliveryTable';
import {
  isViewerResponse,
  loadViewerFunction,
  type ViewerFunction,
  type ViewerRequest,
} from '../../src/tools/local/cdn/viewerFunction';
import { REPO_ROOT } from '../support/dockerfile';

const FUNCTION_FILE = join(REPO_ROOT, 'terraform', 'delivery', 'viewer-request.js');

/** Accept headers real browsers send for an <img> (from their network panels). */
const BROWSERS = {
  'Chrome 131': 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'Safari 17':
    'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  'Safari 15': 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  'Firefox 128': 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  'Firefox 78': 'image/webp,*/*',
  'Edge 18 (EdgeHTML)': 'image/png, image/svg+xml, image/*; q=0.8, */*; q=0.5',
  curl: '*/*',
  'no Accept header': undefined,
} as const;

const table = deliveryTable(
  [
    { name: 'card', keyPrefix: 'thumbs/card/', formats: ['jpeg', 'webp', 'avif'] },
    { name: 'square', keyPrefix: 'thumbs/square/', formats: ['webp', 'jpeg'] },
    { name: 'hero', keyPrefix: 'thumbs/hero/', formats: ['avif'] },
  ],
  'uploads/',
);

let viewer: ViewerFunction;
beforeAll(async () => {
  viewer = await loadViewerFunction(FUNCTION_FILE, table);
});

function request(
  uri: string,
  accept?: string,
  querystring: ViewerRequest['querystring'] = {},
): ViewerRequest {
  return {
    method: 'GET',
    uri,
    querystring,
    headers: accept === undefined ? {} : { accept: { value: accept } },
  };
}

/** The URI the function forwards to the origin, or the status it answers with itself. */
function outcome(uri: string, accept?: string): string | number {
  const result = viewer(request(uri, accept));
  return isViewerResponse(result) ? result.statusCode : result.uri;
}

describe('the viewer-request function picks the best format each browser accepts', () => {
  it.each([
    ['Chrome 131', 'avif', 'webp'],
    ['Safari 17', 'avif', 'webp'],
    ['Safari 15', 'webp', 'webp'],
    ['Firefox 128', 'avif', 'webp'],
    ['Firefox 78', 'webp', 'webp'],
    ['Edge 18 (EdgeHTML)', 'jpg', 'jpg'],
    ['curl', 'jpg', 'jpg'],
    ['no Accept header', 'jpg', 'jpg'],
  ] as const)('%s: %s where AVIF is configured, %s where it is not', (browser, card, square) => {
    const accept = BROWSERS[browser];
    expect(outcome('/card/uploads/cat.jpg', accept)).toBe(`/thumbs/card/uploads/cat.jpg.${card}`);
    expect(outcome('/square/uploads/cat.jpg', accept)).toBe(`/thumbs/square/uploads/cat.jpg.${square}`);
  });

  it('serves the only format a rendition has, even to a browser that did not name it', () => {
    expect(outcome('/hero/uploads/cat.jpg', BROWSERS.curl)).toBe('/thumbs/hero/uploads/cat.jpg.avif');
  });

  it('honours q=0 as a refusal, and reads types case-insensitively and with spaces', () => {
    expect(outcome('/card/uploads/a', 'image/avif;q=0, image/webp;q=0.1')).toBe(
      '/thumbs/card/uploads/a.webp',
    );
    expect(outcome('/card/uploads/a', 'IMAGE/AVIF ; Q=0.5')).toBe('/thumbs/card/uploads/a.avif');
    expect(outcome('/card/uploads/a', 'image/avif;q=0.0,image/webp;q=0')).toBe('/thumbs/card/uploads/a.jpg');
    expect(outcome('/card/uploads/a', ',,;;q=,image/*')).toBe('/thumbs/card/uploads/a.jpg');
  });
});

describe('an explicit format sits on the rendition segment, so every source key has one reading', () => {
  it.each([
    ['/card.webp/uploads/cat.jpg', '/thumbs/card/uploads/cat.jpg.webp'],
    ['/card.avif/uploads/cat.jpg', '/thumbs/card/uploads/cat.jpg.avif'],
    ['/card.jpg/uploads/cat.jpg', '/thumbs/card/uploads/cat.jpg.jpg'],
    ['/card.jpeg/uploads/cat.jpg', '/thumbs/card/uploads/cat.jpg.jpg'],
  ])('%s, whatever the browser accepts, is %s', (uri, origin) => {
    for (const accept of Object.values(BROWSERS)) {
      expect(outcome(uri, accept)).toBe(origin);
    }
  });

  it('reads /card/a.webp as the best format of the source "a.webp", and /card.webp/a as the WebP of "a"', () => {
    expect(outcome('/card/uploads/a.webp', BROWSERS['Chrome 131'])).toBe('/thumbs/card/uploads/a.webp.avif');
    expect(outcome('/card/uploads/a.webp', BROWSERS.curl)).toBe('/thumbs/card/uploads/a.webp.jpg');
    expect(outcome('/card.webp/uploads/a', BROWSERS.curl)).toBe('/thumbs/card/uploads/a.webp');
    expect(outcome('/card.webp/uploads/a.webp', BROWSERS.curl)).toBe('/thumbs/card/uploads/a.webp.webp');
  });

  it('answers 404 for a format the rendition is not configured with, or no format at all', () => {
    expect(outcome('/hero.jpg/uploads/cat.jpg')).toBe(404);
    expect(outcome('/square.avif/uploads/cat.jpg')).toBe(404);
    expect(outcome('/card.png/uploads/cat.jpg')).toBe(404);
    expect(outcome('/card.WEBP/uploads/cat.jpg')).toBe(404);
    expect(outcome('/card.webp.webp/uploads/cat.jpg')).toBe(404);
  });
});
