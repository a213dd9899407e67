import { explicitFormatPath, parseOriginPath } from '../../../src/core/delivery/originPath';
import { checkRenditions, type Rendition } from '../../../src/core/renditions';

const checked = checkRenditions([
  { name: 'square', width: 64, height: 64, formats: ['avif', 'jpeg'] },
  { name: 'card', width: 120, height: 80, formats: ['webp'] },
]);
const renditions: readonly Rendition[] = checked.ok ? checked.renditions : [];
const layout = { renditions, thumbnailPrefix: 't/', sourcePrefix: 'in/' };
const read = (path: string) => {
  const parsed = parseOriginPath(path, layout);
  return parsed.ok
    ? {
        name: parsed.rendition.name,
        format: parsed.format,
        sourceKey: parsed.sourceKey,
        key: parsed.storedKey,
      }
    : parsed.reason;
};

describe('parseOriginPath: the URI CloudFront forwards to the on-demand origin', () => {
  it.each([
    ['/t/square/in/cat.jpg.avif', { name: 'square', format: 'avif', sourceKey: 'in/cat.jpg' }],
    ['/t/card/in/a%20b/caf%C3%A9.png.webp', { name: 'card', format: 'webp', sourceKey: 'in/a b/café.png' }],
    // %2F is a slash of the key: the same key as `/`, so the same object and the same checks.
    ['/t%2Fcard%2Fin%2Fx.webp', { name: 'card', format: 'webp', sourceKey: 'in/x' }],
    // Decoded once: the key text `%2e%2e`, a name like any other under the prefix.
    ['/t/card/in/%252e%252e/x.webp', { name: 'card', format: 'webp', sourceKey: 'in/%2e%2e/x' }],
    ['/t/square/in/cat.jpg.jpg?width=9999', { name: 'square', format: 'jpeg', sourceKey: 'in/cat.jpg' }],
  ])('reads %s', (path, expected) => {
    expect(read(path)).toMatchObject(expected);
  });

  it.each([
    ['t/square/in/cat.jpg.jpg', 'not-a-path'],
    ['', 'not-a-path'],
    ['/t/square/in/%E0%A4%A.jpg', 'bad-encoding'],
    ['/t/hero/in/cat.jpg.jpg', 'not-a-rendition'],
    ['/t/card/in/cat.jpg.avif', 'not-a-rendition'],
    ['/t/_manifests/in/cat.jpg.json', 'not-a-rendition'],
    ['/t/square/other/cat.jpg.jpg', 'outside-source-prefix'],
    ['/t/square/IN/cat.jpg.jpg', 'outside-source-prefix'],
    ['/t/square/in/../other/cat.jpg.jpg', 'dot-segment'],
    ['/t/square/in/%2E%2E/other/cat.jpg.jpg', 'dot-segment'],
    ['/t/square/in/./cat.jpg.jpg', 'dot-segment'],
    ['/t/square/in/dir/.jpg', 'folder'],
  ])('refuses %s: %s', (path, reason) => {
    expect(read(path)).toBe(reason);
  });
});

describe('explicitFormatPath: where a response too large for Lambda is sent', () => {
  it('names the rendition and extension, and the source key percent-encoded segment by segment', () => {
    expect(explicitFormatPath({ name: 'card' }, 'webp', 'in/a b/café+1%.jpg')).toBe(
      '/card.webp/in/a%20b/caf%C3%A9%2B1%25.jpg',
    );
  });
});
