import { isThumbnailOutputKey, MAX_KEY_BYTES, thumbnailKey } from '../../src/core/thumbnailKey';

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
