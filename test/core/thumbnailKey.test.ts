import {
  isThumbnailOutputKey,
  manifestKey,
  MAX_KEY_BYTES,
  parseRenditionKey,
  renditionKey,
  thumbnailKey,
} from '../../src/core/thumbnailKey';
import type { OutputFormat } from '../../src/core/engine/thumbnailOptions';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('thumbnailKey', () => {
  it.each([
    ['cat.jpg', '', 'jpg', 'cat.jpg.jpg'],
    ['cat.png', '', 'jpg', 'cat.png.jpg'],
    ['photos/2024/cat.png', '', 'jpg', 'photos/2024/cat.png.jpg'],
    ['photos/cat.png', 'thumbs/', 'webp', 'thumbs/photos/cat.png.webp'],
    ['my photos/été + fun.png', '', 'avif', 'my photos/été + fun.png.avif'],
    ['no-extension', '', 'jpg', 'no-extension.jpg'],
  ])('%s with prefix "%s" -> %s', (source, prefix, extension, expected) => {
    expect(thumbnailKey(source, prefix, extension)).toBe(expected);
  });

  it('gives sources that differ only by extension different thumbnails', () => {
    const keys = ['cat.png', 'cat.jpg', 'cat.jpeg', 'cat', 'cat.PNG'].map((key) =>
      thumbnailKey(key, '', 'jpg'),
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  describe('near the 1,024-byte key limit', () => {
    const longKey = (char: string, count: number, suffix = '') => `${char.repeat(count)}${suffix}`;

    it('keeps a key that fits exactly', () => {
      const source = longKey('a', MAX_KEY_BYTES - 4);
      expect(thumbnailKey(source, '', 'jpg')).toBe(`${source}.jpg`);
    });

    it.each([
      ['ASCII', longKey('a', 1024)],
      ['3-byte characters', longKey('界', 341)],
      ['4-byte characters', longKey('😀', 256)],
    ])(
      'shortens a %s key to fit, without splitting a character, and stays deterministic',
      (_kind, source) => {
        const key = thumbnailKey(source, 'thumbs/', 'jpg');
        expect(bytes(key)).toBeLessThanOrEqual(MAX_KEY_BYTES);
        expect(key).toMatch(/^thumbs\/.+~[0-9a-f]{16}\.jpg$/);
        expect(key).not.toContain('\uFFFD');
        expect(Buffer.from(key, 'utf8').toString('utf8')).toBe(key);
        expect(thumbnailKey(source, 'thumbs/', 'jpg')).toBe(key);
      },
    );

    it('keeps long keys that share a head apart', () => {
      const head = longKey('a', 1020);
      expect(thumbnailKey(`${head}/one.png`, '', 'jpg')).not.toBe(thumbnailKey(`${head}/two.png`, '', 'jpg'));
    });
  });
});

describe('isThumbnailOutputKey', () => {
  it.each([
    ['thumbs/cat.jpg.jpg', 'thumbs/', true],
    ['thumbs/deep/cat.jpg.jpg', 'thumbs/', true],
    ['photos/cat.jpg', 'thumbs/', false],
    ['thumbsup.jpg', 'thumbs/', false],
    ['anything.jpg', '', false],
  ])('%s under "%s": %s', (key, prefix, expected) => {
    expect(isThumbnailOutputKey(key, prefix)).toBe(expected);
  });
});

describe('renditionKey and manifestKey: the layout of every rendition and of the manifest', () => {
  const square = { name: 'square' };
  const implicit = { name: 'thumbnail', implicit: true as const };

  it.each([
    ['photos/cat.jpg', square, 'webp', '', 'square/photos/cat.jpg.webp'],
    ['photos/cat.jpg', square, 'avif', 'thumbs/', 'thumbs/square/photos/cat.jpg.avif'],
    ['photos/cat.jpg', square, 'jpeg', '', 'square/photos/cat.jpg.jpg'],
    // No RENDITIONS: exactly the keys a deployment had before renditions existed.
    ['photos/cat.jpg', implicit, 'jpeg', 'thumbs/', 'thumbs/photos/cat.jpg.jpg'],
  ] as const)('%s, %j in %s under "%s" -> %s', (source, rendition, format, prefix, expected) => {
    expect(renditionKey(source, rendition, format, prefix)).toBe(expected);
  });

  it('puts manifests under _manifests/, where no rendition can be (names cannot start with "_")', () => {
    expect(manifestKey('photos/cat.jpg', 'thumbs/')).toBe('thumbs/_manifests/photos/cat.jpg.json');
  });

  it('shortens the longest keys to 1,024 bytes, distinct per source, as thumbnailKey does', () => {
    const sources = ['é'.repeat(600), `${'é'.repeat(600)}x`];
    const keys = sources.flatMap((source) => [
      renditionKey(source, { name: 'a'.repeat(32) }, 'webp', 'p/'.repeat(200)),
      manifestKey(source, 'p/'.repeat(200)),
    ]);
    expect(keys.map((key) => Buffer.byteLength(key) <= MAX_KEY_BYTES)).toEqual([true, true, true, true]);
    expect(new Set(keys).size).toBe(4);
    expect(keys[0]).toMatch(/^(p\/){200}a{32}\/é+~[0-9a-f]{16}\.webp$/);
    expect(keys[1]).toMatch(/^(p\/){200}_manifests\/é+~[0-9a-f]{16}\.json$/);
  });
});

describe('parseRenditionKey: a stored key back to its rendition, format and source', () => {
  const square = { name: 'square', formats: ['avif', 'webp', 'jpeg'] } as const;
  const card = { name: 'card', formats: ['webp'] } as const;
  const implicit = { name: 'thumbnail', implicit: true, formats: ['jpeg'] } as const;
  const named = [square, card];
  type Named = { name: string; implicit?: true; formats: readonly OutputFormat[] };
  const parse = (key: string, renditions: readonly Named[], prefix = 'thumbs/') => {
    const parts = parseRenditionKey(key, renditions, prefix);
    return parts && { name: parts.rendition.name, format: parts.format, sourceKey: parts.sourceKey };
  };

  it.each([
    ['thumbs/square/photos/cat.jpg.avif', { name: 'square', format: 'avif', sourceKey: 'photos/cat.jpg' }],
    ['thumbs/square/photos/cat.jpg.jpg', { name: 'square', format: 'jpeg', sourceKey: 'photos/cat.jpg' }],
    ['thumbs/card/a.webp.webp', { name: 'card', format: 'webp', sourceKey: 'a.webp' }],
    ['thumbs/card/é 100%/+ ☕.webp', { name: 'card', format: 'webp', sourceKey: 'é 100%/+ ☕' }],
    ['thumbs/square/square/x.jpg', { name: 'square', format: 'jpeg', sourceKey: 'square/x' }],
  ] as const)('%s -> %j', (key, expected) => {
    expect(parse(key, named)).toEqual(expected);
    expect(renditionKey(expected.sourceKey, { name: expected.name }, expected.format, 'thumbs/')).toBe(key);
  });

  it.each([
    ['a format the rendition is not configured with', 'thumbs/card/photos/cat.jpg.avif'],
    ['no extension of any format', 'thumbs/square/photos/cat.png'],
    ['an unknown rendition', 'thumbs/hero/photos/cat.jpg.jpg'],
    ['another prefix', 'other/square/photos/cat.jpg.jpg'],
    ['no source key', 'thumbs/square/.jpg'],
    ['a manifest', 'thumbs/_manifests/photos/cat.jpg.json'],
    ['the rendition folder itself', 'thumbs/square/'],
    ['the ".jpeg" spelling, which the layout never writes', 'thumbs/square/cat.jpeg'],
  ])('refuses %s', (_, key) => {
    expect(parse(key, named)).toBeUndefined();
  });

  it('reads the implicit rendition, at the bare prefix, as the one thumbnail', () => {
    expect(parse('thumbs/photos/cat.jpg.jpg', [implicit])).toEqual({
      name: 'thumbnail',
      format: 'jpeg',
      sourceKey: 'photos/cat.jpg',
    });
    expect(parse('photos/cat.jpg.jpg', [implicit], '')).toMatchObject({ sourceKey: 'photos/cat.jpg' });
    expect(parse('thumbs/photos/cat.jpg.webp', [implicit])).toBeUndefined();
  });

  it('inverts renditionKey for every source the layout does not shorten', () => {
    const sources = ['a', 'photos/2024/cat.png', 'x.jpg.jpg', ' leading space', 'é'.repeat(400)];
    for (const sourceKey of sources) {
      for (const format of square.formats) {
        const key = renditionKey(sourceKey, square, format, 'thumbs/');
        expect(parse(key, named)).toEqual({ name: 'square', format, sourceKey });
      }
    }
  });
});
