import {
  encodePath,
  invalidationBatches,
  invalidationPaths,
} from '../../../src/core/delivery/invalidationPaths';
import { implicitRendition, parseRenditions, type Rendition } from '../../../src/core/renditions';
import { thumbnailOptionsSchema } from '../../../src/core/engine/thumbnailOptions';

function renditions(json: string): Rendition[] {
  const parsed = parseRenditions(json);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return [...parsed.renditions];
}

describe('invalidationPaths', () => {
  it('names the best-format URL, each explicit URL and each stored key of every rendition', () => {
    const list = renditions(
      '[{"name":"card","width":400,"height":300,"formats":["avif","webp","jpeg"]},{"name":"hero","width":1200,"height":600}]',
    );
    expect(invalidationPaths('photos/cat.jpg', list, 'thumbs/')).toEqual([
      '/card/photos/cat.jpg',
      '/card.avif/photos/cat.jpg',
      '/thumbs/card/photos/cat.jpg.avif',
      '/card.webp/photos/cat.jpg',
      '/thumbs/card/photos/cat.jpg.webp',
      '/card.jpg/photos/cat.jpg',
      '/thumbs/card/photos/cat.jpg.jpg',
      '/hero/photos/cat.jpg',
      '/hero.jpg/photos/cat.jpg',
      '/thumbs/hero/photos/cat.jpg.jpg',
    ]);
  });

  it('percent-encodes each segment as viewers request it: spaces, unicode, reserved characters', () => {
    const [card] = renditions('[{"name":"card","width":10,"height":10,"formats":["webp"]}]');
    const paths = invalidationPaths('a b/é+ü?#%.png', [card as Rendition], '');
    expect(paths).toEqual([
      '/card/a%20b/%C3%A9%2B%C3%BC%3F%23%25.png',
      '/card.webp/a%20b/%C3%A9%2B%C3%BC%3F%23%25.png',
      '/card/a%20b/%C3%A9%2B%C3%BC%3F%23%25.png.webp',
    ]);
    for (const path of paths) expect(path).toMatch(/^\/[\x21-\x7e]+$/);
  });

  it('calls the implicit rendition "thumbnail" and its stored key has no rendition folder', () => {
    const implicit = implicitRendition(thumbnailOptionsSchema.parse({}));
    expect(invalidationPaths('x.png', [implicit], '')).toEqual([
      '/thumbnail/x.png',
      '/thumbnail.jpg/x.png',
      '/x.png.jpg',
    ]);
  });

  it('grows as renditions x (1 + 2 x formats), without repeats, for many renditions', () => {
    const list = Array.from({ length: 16 }, (_, index) => ({
      name: `r${index}`,
      width: 10 + index,
      height: 10,
      formats: ['avif', 'webp', 'jpeg'],
    }));
    const paths = invalidationPaths('k', renditions(JSON.stringify(list)), 'p/');
    expect(paths).toHaveLength(16 * 7);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('keeps "/" and dot segments as they are (the viewer function refuses those URLs)', () => {
    expect(encodePath('a//b/./c')).toBe('a//b/./c');
  });
});

describe('invalidationBatches', () => {
  it('puts every path in one batch under the limit, sorted and deduplicated', () => {
    const [batch, ...rest] = invalidationBatches(['/b', '/a', '/b'], ['change']);
    expect(rest).toEqual([]);
    expect(batch?.paths).toEqual(['/a', '/b']);
  });

  it('splits at the limit, with a reference per batch', () => {
    const paths = Array.from({ length: 7001 }, (_, index) => `/p${index}`);
    const batches = invalidationBatches(paths, ['c'], 3000);
    expect(batches.map((batch) => batch.paths.length)).toEqual([3000, 3000, 1001]);
    expect(new Set(batches.map((batch) => batch.callerReference)).size).toBe(3);
  });

  it('gives a retry of the same changes the same reference, and a later change another', () => {
    const first = invalidationBatches(['/a', '/b'], ['put\nk\n01', 'put\nj\n02']);
    const retry = invalidationBatches(['/b', '/a'], ['put\nj\n02', 'put\nk\n01']);
    const later = invalidationBatches(['/a', '/b'], ['put\nk\n03', 'put\nj\n02']);
    expect(retry).toEqual(first);
    expect(later[0]?.callerReference).not.toBe(first[0]?.callerReference);
    expect(first[0]?.callerReference.length).toBeLessThanOrEqual(128);
  });
});
