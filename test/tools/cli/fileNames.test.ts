import fc from 'fast-check';
import { fileNameWithExtension, keyWithExtension, MAX_NAME_BYTES } from '../../../src/tools/cli/fileNames';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** File names as Linux allows them: 1 to 255 UTF-8 bytes, no `/`; long and multi-byte ones made common. */
const fileName = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
    fc
      .tuple(fc.constantFrom('x', 'é', '🐱', '漢'), fc.integer({ min: 60, max: 255 }))
      .map(([c, n]) => c.repeat(n)),
  )
  .map((name) => name.replaceAll('/', '_'))
  .filter((name) => name.length > 0 && bytes(name) <= MAX_NAME_BYTES);

describe('output file names', () => {
  it('adds the extension to a name, and shortens one that would not fit 255 bytes with it', () => {
    expect(fileNameWithExtension('cat.png', 'jpg')).toBe('cat.png.jpg');
    expect(fileNameWithExtension('x'.repeat(251), 'jpg')).toBe(`${'x'.repeat(251)}.jpg`);
    // Before: the 252-byte name's thumbnail, 256 bytes, failed with ENAMETOOLONG.
    expect(fileNameWithExtension('x'.repeat(252), 'jpg')).toMatch(/^x{234}~[0-9a-f]{16}\.jpg$/);
  });

  it('fit the 255-byte limit, whole characters only, the same every time, and apart for different names', () => {
    fc.assert(
      fc.property(fileName, fileName, fc.constantFrom('jpg', 'webp', 'avif', 'json'), (a, b, extension) => {
        const name = fileNameWithExtension(a, extension);
        expect(bytes(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
        expect(name.endsWith(`.${extension}`)).toBe(true);
        expect(Buffer.from(name, 'utf8').toString('utf8')).toBe(name); // no character cut in two
        expect(fileNameWithExtension(a, extension)).toBe(name);
        expect(a === b || fileNameWithExtension(b, extension) !== name).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('shorten only the last segment of a key', () => {
    const long = 'é'.repeat(127);
    expect(keyWithExtension(`a/b/${long}`, 'jpg')).toMatch(new RegExp(`^a/b/(é){117}~[0-9a-f]{16}\\.jpg$`));
    expect(keyWithExtension('a/b/cat.png', 'json')).toBe('a/b/cat.png.json');
  });
});
