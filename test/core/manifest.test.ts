import { buildManifest, manifestText, readManifest } from '../../src/core/manifest';

const SOURCE = {
  bucket: 'uploads',
  key: 'photos/cat.jpg',
  versionId: null,
  eTag: '"abc"',
  format: 'jpeg',
  width: 4000,
  height: 3000,
  bytes: 2_345_678,
};

const SQUARE = {
  name: 'square',
  format: 'webp',
  key: 'square/photos/cat.jpg.webp',
  width: 256,
  height: 256,
  bytes: 12_345,
  contentType: 'image/webp',
  settings: 'v1-0123456789abcdef',
};

describe('manifest', () => {
  const manifest = buildManifest(
    SOURCE,
    [SQUARE],
    { thumbhash: 'YJqGPQw7sFlslqhFafSE+Q6oJ1h2iHB2Rw==', dominantColour: '#a1b2c3' },
    new Date('2026-12-02T05:00:00.000Z'),
  );

  it('holds the contract shape: version, source, renditions, placeholders, madeAt', () => {
    expect(manifest).toEqual({
      version: 1,
      source: SOURCE,
      renditions: [SQUARE],
      placeholders: { thumbhash: 'YJqGPQw7sFlslqhFafSE+Q6oJ1h2iHB2Rw==', dominantColour: '#a1b2c3' },
      madeAt: '2026-12-02T05:00:00.000Z',
    });
  });

  it('reads back what it writes, as indented JSON ending in a newline', () => {
    const text = manifestText(manifest);
    expect(text.endsWith('}\n')).toBe(true);
    expect(readManifest(text)).toEqual(manifest);
  });

  it.each([
    ['not JSON', '{'],
    ['another version', JSON.stringify({ ...manifest, version: 2 })],
    [
      'a rendition without its key',
      JSON.stringify({ ...manifest, renditions: [{ ...SQUARE, key: undefined }] }),
    ],
  ])('reads %s as no manifest', (_name, text) => {
    expect(readManifest(text)).toBeUndefined();
  });
});
