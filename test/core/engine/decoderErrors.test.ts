import { makeThumbnail } from '../../../src/core/engine/makeThumbnail';
import { decoderDetail } from '../../../src/core/engine/decoderErrors';
import { DEFAULT_THUMBNAIL_OPTIONS } from '../../../src/core/engine/thumbnailOptions';
import { hostileCorpus } from '../../support/hostileCorpus';

const OTHER_LOADERS: Record<string, RegExp> = {
  jpeg: /png|webp|gif|tiff|heif/i,
  png: /jpe?g|webp|gif|tiff|heif/i,
  webp: /jpe?g|png|gif|tiff|heif/i,
  gif: /jpe?g|png|webp|tiff|heif/i,
  tiff: /jpe?g|png|webp|gif|heif/i,
  avif: /jpe?g|png|webp|gif|tiff/i,
};

const messageOf = (input: Buffer): Promise<string> =>
  makeThumbnail(input, DEFAULT_THUMBNAIL_OPTIONS).then(
    () => 'made',
    (error: unknown) => (error as Error).message,
  );

/**
 * libvips keeps one error buffer per process, and sharp reads it after a failure: decoded at once, one
 * broken file's error could be reported as another's (a JPEG "cannot decode jpeg: vipspng: libpng read
 * error"), or as "Unknown error", or with an empty detail. Each must keep a detail of its own.
 */
describe('decoder errors when many broken files decode at once', () => {
  it("gives each file a detail about that file, never another format's", async () => {
    const broken = (await hostileCorpus(50 * 1024 * 1024)).filter(
      ({ expected }) => expected.status === 'rejected' && expected.reason === 'corrupt',
    );
    expect(broken.length).toBeGreaterThanOrEqual(10);
    const alone = new Map<string, string>();
    for (const file of broken) alone.set(file.key, await messageOf(file.body));
    const copies = broken.flatMap((file) => Array.from({ length: 8 }, () => file));
    const together = await Promise.all(copies.map(async (file) => [file.key, await messageOf(file.body)]));
    for (const [key = '', message = ''] of together) {
      const format = /(?:unreadable|cannot decode) (\w+)/.exec(message)?.[1] ?? '';
      expect({ key, message }).toEqual({
        key,
        message: expect.stringMatching(/^(unreadable|cannot decode) /),
      });
      expect({ key, message }).not.toEqual({
        key,
        message: expect.stringMatching(OTHER_LOADERS[format] ?? /$^/),
      });
      expect(message).not.toMatch(/:\s*$|Unknown error/);
      // Its own words; or sharp's sentence alone, when the libvips lines at hand were another file's;
      // or ours when there was nothing of its own. (Two files of one format can still trade libvips'
      // lines: nothing in them says which file they are about.)
      const sameFormat = [...alone.values()].filter((other) => other.includes(` ${format}`));
      const own = sameFormat.some((other) => other === message || other.startsWith(`${message}: `));
      const ours = message.includes('the decoder gave no detail for this file');
      expect({ key, message, ownOrOurs: own || ours }).toEqual({ key, message, ownOrOurs: true });
    }
  });

  it("keeps sharp's own words and this loader's line, and drops the rest", () => {
    const error = new Error('Input buffer has corrupt header: vipspng: libpng read error');
    expect(decoderDetail(error, 'png')).toBe('Input buffer has corrupt header: vipspng: libpng read error');
    expect(decoderDetail(error, 'jpeg')).toBe('Input buffer has corrupt header');
    expect(decoderDetail(new Error('Input buffer has corrupt header: '), 'png')).toBe(
      'Input buffer has corrupt header',
    );
    expect(
      decoderDetail(new Error('VipsJpeg: Premature end of JPEG file\nVipsJpeg: out of order read'), 'jpeg'),
    ).toBe('VipsJpeg: Premature end of JPEG file');
    expect(decoderDetail(new Error('Unknown error'), 'png')).toBeUndefined();
  });
});
