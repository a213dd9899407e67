import sharp from 'sharp';
import { makeThumbnail } from '../../../src/core/engine/makeThumbnail';
import { DEFAULT_THUMBNAIL_OPTIONS, type ThumbnailOptions } from '../../../src/core/engine/thumbnailOptions';
import {
  animatedGif,
  describeImage,
  photoJpeg,
  pngDeclaring,
  QUADRANT_COLOURS,
  quadrants,
  sampleHeic,
  solidImage,
  withBogusHuffmanTable,
  withDamagedScanData,
} from '../../support/images';
import { type RejectionReason } from '../../../src/common/errors';

const options = (overrides: Partial<ThumbnailOptions> = {}): ThumbnailOptions => ({
  ...DEFAULT_THUMBNAIL_OPTIONS,
  ...overrides,
});

const RED = '#ff0000';

type Rgb = { readonly r: number; readonly g: number; readonly b: number };

/** The channels of `actual` further than `tolerance` from `expected`; empty when the colours match. */
const channelsOff = (actual: Rgb, expected: Rgb, tolerance: number) =>
  (['r', 'g', 'b'] as const).filter((channel) => Math.abs(actual[channel] - expected[channel]) > tolerance);

describe('makeThumbnail: sizes and inputs', () => {
  interface SizeCase {
    name: string;
    input: () => Promise<Buffer>;
    overrides?: Partial<ThumbnailOptions>;
    size: [number, number];
    inputFormat: string;
  }

  it.each<SizeCase>([
    {
      name: '12 MP landscape JPEG',
      input: () => photoJpeg(4000, 3000),
      size: [256, 192],
      inputFormat: 'jpeg',
    },
    { name: 'portrait PNG', input: () => solidImage(600, 900, 'png'), size: [171, 256], inputFormat: 'png' },
    {
      name: '100x80 is never enlarged',
      input: () => solidImage(100, 80),
      size: [100, 80],
      inputFormat: 'jpeg',
    },
    { name: '1x1 pixel', input: () => solidImage(1, 1, 'png'), size: [1, 1], inputFormat: 'png' },
    { name: '10000x1 strip', input: () => solidImage(10000, 1, 'png'), size: [256, 1], inputFormat: 'png' },
    { name: '1x10000 strip', input: () => solidImage(1, 10000, 'png'), size: [1, 256], inputFormat: 'png' },
    { name: 'WebP', input: () => solidImage(512, 512, 'webp'), size: [256, 256], inputFormat: 'webp' },
    { name: 'AVIF', input: () => solidImage(640, 320, 'avif'), size: [256, 128], inputFormat: 'avif' },
    { name: 'TIFF', input: () => solidImage(300, 300, 'tiff'), size: [256, 256], inputFormat: 'tiff' },
    { name: 'GIF', input: () => solidImage(512, 256, 'gif'), size: [256, 128], inputFormat: 'gif' },
    {
      name: 'cover crops to an exact square',
      input: () => photoJpeg(4000, 3000),
      overrides: { fit: 'cover' },
      size: [256, 256],
      inputFormat: 'jpeg',
    },
    {
      name: 'cover crops but never enlarges a smaller side',
      input: () => solidImage(300, 100),
      overrides: { fit: 'cover' },
      size: [256, 100],
      inputFormat: 'jpeg',
    },
    {
      name: 'custom box',
      input: () => solidImage(1000, 1000),
      overrides: { width: 64, height: 32 },
      size: [32, 32],
      inputFormat: 'jpeg',
    },
  ])('$name -> $size', async ({ input, overrides, size, inputFormat }) => {
    const source = await input();
    const thumbnail = await makeThumbnail(source, options(overrides));
    const out = await describeImage(thumbnail.data);
    expect([out.width, out.height]).toEqual(size);
    expect([thumbnail.width, thumbnail.height]).toEqual(size);
    expect(out).toMatchObject({ format: 'jpeg', channels: 3, space: 'srgb' });
    expect(thumbnail).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg' });
    expect(thumbnail.input).toMatchObject({ format: inputFormat, bytes: source.length });
  });
});

describe('makeThumbnail: colour and metadata', () => {
  const rgbaPng = (alpha: number) => solidImage(300, 200, 'png', { r: 255, g: 0, b: 0, alpha });

  interface ColourCase {
    name: string;
    input: () => Promise<Buffer>;
    overrides?: Partial<ThumbnailOptions>;
    mean: { r: number; g: number; b: number };
  }

  it.each<ColourCase>([
    {
      name: 'transparent PNG flattens onto white, not black',
      input: () => rgbaPng(0),
      mean: { r: 255, g: 255, b: 255 },
    },
    {
      name: 'half-transparent red on white is pink',
      input: () => rgbaPng(0.5),
      mean: { r: 255, g: 128, b: 128 },
    },
    {
      name: 'the background is configurable',
      input: () => rgbaPng(0),
      overrides: { background: '#000080' },
      mean: { r: 0, g: 0, b: 128 },
    },
    {
      name: 'CMYK JPEG is converted to sRGB',
      input: () =>
        sharp({ create: { width: 300, height: 200, channels: 3, background: RED } })
          .toColourspace('cmyk')
          .jpeg()
          .toBuffer(),
      mean: { r: 232, g: 0, b: 0 },
    },
    {
      name: '16-bit PNG with alpha',
      input: () =>
        sharp({
          create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 128, b: 255, alpha: 1 } },
        })
          .toColourspace('rgb16')
          .png()
          .toBuffer(),
      mean: { r: 0, g: 128, b: 255 },
    },
    {
      name: 'greyscale JPEG becomes three-channel sRGB',
      input: () =>
        sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } })
          .toColourspace('b-w')
          .jpeg()
          .toBuffer(),
      mean: { r: 128, g: 128, b: 128 },
    },
    {
      name: 'animated GIF yields its first frame',
      input: () => animatedGif([RED, '#00ff00', '#0000ff']),
      mean: { r: 254, g: 0, b: 0 },
    },
  ])('$name', async ({ input, overrides, mean }) => {
    const out = await describeImage((await makeThumbnail(await input(), options(overrides))).data);
    expect(out).toMatchObject({ channels: 3, space: 'srgb' });
    expect({ mean: out.mean, off: channelsOff(out.mean, mean, 12) }).toEqual({ mean: out.mean, off: [] });
  });

  it('strips EXIF (including GPS), XMP and ICC metadata', async () => {
    const tagged = await sharp(await solidImage(400, 300))
      .withExif({
        IFD0: { Make: 'Camera', Copyright: 'someone' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' },
      })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const source = await sharp(tagged).metadata();
    expect(source.exif).toBeDefined();
    expect(source.icc).toBeDefined();
    const out = await describeImage((await makeThumbnail(tagged, options())).data);
    expect(out).toMatchObject({ hasExif: false, hasXmp: false, hasIcc: false });
  });
});

describe('makeThumbnail: EXIF orientation', () => {
  // How to store an upright picture so that a viewer applying orientation N shows it upright again: the
  // inverse of each orientation's display transform, as separate steps because sharp mirrors before it
  // rotates within one pipeline.
  const storeFor: Record<number, Array<(image: sharp.Sharp) => sharp.Sharp>> = {
    1: [],
    2: [(i) => i.flop()],
    3: [(i) => i.rotate(180)],
    4: [(i) => i.flip()],
    5: [(i) => i.rotate(90), (i) => i.flop()], // transpose
    6: [(i) => i.rotate(270)],
    7: [(i) => i.rotate(90), (i) => i.flip()], // transverse
    8: [(i) => i.rotate(90)],
  };

  async function storedWithOrientation(upright: Buffer, orientation: number): Promise<Buffer> {
    let pixels = upright;
    for (const step of storeFor[orientation] ?? []) {
      pixels = await step(sharp(pixels)).png().toBuffer();
    }
    return sharp(pixels).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
  }

  async function colourAt(image: Buffer, x: number, y: number): Promise<Rgb> {
    const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
    const offset = (y * info.width + x) * info.channels;
    return { r: data[offset] ?? -1, g: data[offset + 1] ?? -1, b: data[offset + 2] ?? -1 };
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i comes out upright', async (orientation) => {
    const stored = await storedWithOrientation(await quadrants(400, 200), orientation);
    const thumbnail = await makeThumbnail(stored, options());
    expect([thumbnail.width, thumbnail.height]).toEqual([256, 128]);
    expect(thumbnail.input).toMatchObject({ width: 400, height: 200 });
    const corners = {
      topLeft: await colourAt(thumbnail.data, 32, 32),
      topRight: await colourAt(thumbnail.data, 224, 32),
      bottomLeft: await colourAt(thumbnail.data, 32, 96),
      bottomRight: await colourAt(thumbnail.data, 224, 96),
    };
    const wrong = Object.entries(corners).filter(
      ([corner, colour]) =>
        channelsOff(colour, QUADRANT_COLOURS[corner as keyof typeof QUADRANT_COLOURS], 40).length > 0,
    );
    expect({ corners, wrong }).toEqual({ corners, wrong: [] });
  });
});

describe('makeThumbnail: determinism and output formats', () => {
  it.each(['jpeg', 'webp', 'avif'] as const)('%s output is byte-identical across runs', async (format) => {
    const source = await photoJpeg(1200, 900);
    const first = await makeThumbnail(source, options({ format }));
    const second = await makeThumbnail(Buffer.from(source), options({ format }));
    expect(first.data.equals(second.data)).toBe(true);
    expect((await describeImage(first.data)).format).toBe(format === 'avif' ? 'heif' : format);
    expect(first.contentType).toBe(`image/${format}`);
  });

  it('honours the quality setting', async () => {
    const source = await photoJpeg(1200, 900);
    const low = await makeThumbnail(source, options({ quality: 20 }));
    const high = await makeThumbnail(source, options({ quality: 95 }));
    expect(low.data.length).toBeLessThan(high.data.length);
  });
});

describe('makeThumbnail: refusals', () => {
  const truncate = async (input: Promise<Buffer>, fraction: number) => {
    const whole = await input;
    return whole.subarray(0, Math.floor(whole.length * fraction));
  };
  /** The real HEIC with its brands rewritten to AVIF: its signature now lies about what it contains. */
  const heicClaimingAvif = () =>
    Buffer.from(sampleHeic().toString('latin1').replace(/heic/g, 'avif'), 'latin1');

  interface RefusalCase {
    name: string;
    input: () => Promise<Buffer> | Buffer;
    overrides?: Partial<ThumbnailOptions>;
    reason: RejectionReason;
    message: RegExp;
  }

  it.each<RefusalCase>([
    { name: 'zero bytes', input: () => Buffer.alloc(0), reason: 'empty', message: /empty/ },
    {
      name: 'text',
      input: () => Buffer.from('this is a text file named cat.jpg'),
      reason: 'not-an-image',
      message: /not an image/,
    },
    {
      name: 'HTML',
      input: () => Buffer.from('<html><body>404</body></html>'),
      reason: 'not-an-image',
      message: /not an image/,
    },
    {
      name: 'truncated JPEG',
      input: () => truncate(photoJpeg(800, 600), 0.5),
      reason: 'corrupt',
      message: /jpeg/i,
    },
    {
      name: 'truncated PNG',
      input: () => truncate(solidImage(800, 600, 'png'), 0.5),
      reason: 'corrupt',
      message: /png/i,
    },
    {
      name: 'JPEG with a bogus Huffman table',
      input: async () => withBogusHuffmanTable(await photoJpeg(800, 600)),
      reason: 'corrupt',
      message: /Huffman/,
    },
    {
      name: 'JPEG header only',
      input: () => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
      reason: 'corrupt',
      message: /jpeg/,
    },
    {
      name: 'PNG declaring 50000x50000 (decompression bomb)',
      input: () => pngDeclaring(50000, 50000),
      reason: 'too-many-pixels',
      message: /^image is 50000x50000 = 2,500,000,000 pixels, above the 100,000,000-pixel limit$/,
    },
    {
      name: 'HEIC with HEIC input turned off',
      input: sampleHeic,
      overrides: { heic: false },
      reason: 'unsupported-format',
      message: /^HEIC input is turned off here \(HEIC_INPUT=false\)/,
    },
    {
      name: 'HEIC disguised as AVIF',
      input: heicClaimingAvif,
      reason: 'corrupt',
      message: /cannot decode avif/,
    },
    {
      name: 'SVG',
      input: () =>
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><image href="http://169.254.169.254/"/></svg>'),
      reason: 'unsupported-format',
      message: /SVG is not supported/,
    },
    {
      name: 'PDF',
      input: () => Buffer.from('%PDF-1.4\n%...'),
      reason: 'unsupported-format',
      message: /PDF is not supported/,
    },
    {
      name: 'input over the byte limit',
      input: () => solidImage(64, 64),
      overrides: { maxInputBytes: 100 },
      reason: 'too-large',
      message: /^input is \d{1,3}(,\d{3})* bytes, above the 100-byte limit$/,
    },
    {
      name: 'input over the pixel limit',
      input: () => solidImage(100, 100),
      overrides: { maxInputPixels: 9999 },
      reason: 'too-many-pixels',
      message: /^image is 100x100 = 10,000 pixels, above the 9,999-pixel limit$/,
    },
  ])('$name is refused: $reason', async ({ input, overrides, reason, message }) => {
    await expect(makeThumbnail(Buffer.from(await input()), options(overrides))).rejects.toMatchObject({
      name: 'ImageRejectedError',
      reason,
      message: expect.stringMatching(message),
    });
  });

  it('refuses corrupt scan data by default, and accepts it when DECODE_FAIL_ON is relaxed', async () => {
    const damaged = withDamagedScanData(await photoJpeg(800, 600));
    await expect(makeThumbnail(damaged, options({ failOn: 'warning' }))).rejects.toMatchObject({
      reason: 'corrupt',
      message: expect.stringMatching(/premature end of data segment/),
    });
    const tolerated = await makeThumbnail(damaged, options({ failOn: 'error' }));
    expect([tolerated.width, tolerated.height]).toEqual([256, 192]);
  });
});
