import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { makeThumbnail } from '../../../src/core/engine/makeThumbnail';
import { DEFAULT_THUMBNAIL_OPTIONS, type ThumbnailOptions } from '../../../src/core/engine/thumbnailOptions';
import {
  ADOBE_RGB,
  convertRgb,
  DISPLAY_P3,
  deltaE2000,
  labOfSrgb8,
  type RgbSpace,
  SRGB,
  toXyz,
  type Triple,
} from '../../support/colourScience';
import {
  cmykTiff,
  iccpChunk,
  jpeg,
  jpegIccSegments,
  type Pixels,
  png,
  stripes,
  TIFF_ICC_TAG,
  tiff,
} from '../../support/imageContainers';

/**
 * The thumbnail of a picture must show the colours the picture's own profile says it has. Each case
 * paints stripes of known sRGB colours, converted into the profile's colour space with the reference
 * formulas (never with sharp or lcms), attaches the profile without touching the pixels, and asserts
 * that each stripe's mean in the thumbnail is within CIEDE2000 3 of the colour the formulas expect.
 */

const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'fixtures', 'icc', name));

/** The ICC profiles sharp carries, as bytes; only the bytes are used, attached to our own pixels. */
async function builtInProfile(name: 'srgb' | 'p3'): Promise<Buffer> {
  const image = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
    .withIccProfile(name)
    .png()
    .toBuffer();
  const { icc } = await sharp(image).metadata();
  if (!icc) throw new Error(`sharp attached no ${name} profile`);
  return icc;
}

interface Profile {
  readonly name: string;
  readonly space: RgbSpace;
  readonly bytes: () => Promise<Buffer | undefined>;
}

const PROFILES: readonly Profile[] = [
  { name: 'no profile', space: SRGB, bytes: () => Promise.resolve(undefined) },
  { name: 'sRGB', space: SRGB, bytes: () => builtInProfile('srgb') },
  // Free (zlib-licensed) profile from Debian's icc-profiles-free; see test/fixtures/icc/README.md.
  {
    name: 'Adobe RGB',
    space: ADOBE_RGB,
    bytes: () => Promise.resolve(fixture('compatibleWithAdobeRGB1998.icc')),
  },
  { name: 'Display P3', space: DISPLAY_P3, bytes: () => builtInProfile('p3') },
];

/** Saturated primaries-ish, a skin tone and a mid grey: what a profile mistake shows most and least. */
const TARGETS: readonly Triple[] = [
  [220, 30, 30],
  [40, 170, 80],
  [50, 90, 200],
  [225, 170, 140],
  [128, 128, 128],
  [30, 30, 30],
  [40, 12, 10],
];

type Container = 'PNG' | 'TIFF' | 'JPEG';

function encode(container: Container, pixels: Pixels, profile: Buffer | undefined): Promise<Buffer> | Buffer {
  switch (container) {
    case 'PNG':
      return png(pixels, profile ? [iccpChunk(profile)] : []);
    case 'TIFF':
      return tiff(pixels, profile ? [{ tag: TIFF_ICC_TAG, type: 7, values: profile }] : []);
    case 'JPEG':
      return jpeg(pixels, profile ? jpegIccSegments(profile) : []);
  }
}

/** The mean sRGB colour of the middle of each of `count` vertical stripes of an image. */
async function stripeMeans(image: Buffer, count: number): Promise<Triple[]> {
  const { width, height } = await sharp(image).metadata();
  const stripe = width / count;
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const region = {
        left: Math.round(stripe * (index + 0.25)),
        top: Math.round(height / 4),
        width: Math.round(stripe / 2),
        height: Math.round(height / 2),
      };
      // stats() reads the input, not the pipeline's output, so the region is cut out first.
      const { channels } = await sharp(await sharp(image).extract(region).png().toBuffer()).stats();
      return channels.slice(0, 3).map((channel) => channel.mean) as unknown as Triple;
    }),
  );
}

const quantise = (values: readonly number[], depth: number): number[] =>
  values.map((value) => Math.round(Math.min(1, Math.max(0, value)) * (2 ** depth - 1)) / (2 ** depth - 1));

/** Each stripe's CIEDE2000 difference between the thumbnail and the expected sRGB colour (0..1). */
async function colourErrors(
  image: Buffer,
  expected: readonly Triple[],
  options: Partial<ThumbnailOptions> = {},
) {
  const thumbnail = await makeThumbnail(image, { ...DEFAULT_THUMBNAIL_OPTIONS, ...options });
  const means = await stripeMeans(thumbnail.data, expected.length);
  return expected.map((colour, index) => {
    const wanted = colour.map((value) => value * 255) as unknown as Triple;
    const actual = means[index] ?? ([0, 0, 0] as const);
    const deltaE = deltaE2000(labOfSrgb8(wanted), labOfSrgb8(actual));
    return { expected: wanted.map(Math.round), actual: actual.map(Math.round), deltaE: +deltaE.toFixed(2) };
  });
}

const tooFar = (errors: ReadonlyArray<{ deltaE: number }>) => errors.filter(({ deltaE }) => deltaE >= 3);

/** The targets painted in `space` at `depth`, and the sRGB colours those exact samples mean. */
function paint(space: RgbSpace, depth: 8 | 16) {
  const painted = TARGETS.map((target) =>
    quantise(convertRgb(SRGB, space, target.map((value) => value / 255) as unknown as Triple), depth),
  );
  return {
    painted,
    expected: painted.map((samples) => convertRgb(space, SRGB, samples as unknown as Triple)),
  };
}

const CASES = PROFILES.flatMap((profile) =>
  (['PNG', 'TIFF', 'JPEG'] as const).flatMap((container) =>
    ([8, 16] as const)
      .filter((depth) => container !== 'JPEG' || depth === 8)
      .map((depth) => ({ ...profile, container, depth })),
  ),
);

describe('colour accuracy: bit depth x profile x format', () => {
  it.each(CASES)('$depth-bit $container, $name', async ({ space, bytes, container, depth }) => {
    const { painted, expected } = paint(space, depth);
    const image = await encode(container, stripes(painted, depth), await bytes());
    expect(tooFar(await colourErrors(image, expected))).toEqual([]);
  });

  it('10-bit AVIF with a Display P3 profile, as phones write them', async () => {
    const { painted, expected } = paint(DISPLAY_P3, 16);
    const source = png(stripes(painted, 16), [iccpChunk(await builtInProfile('p3'))]);
    // keepIccProfile copies the samples and the profile as they are, without converting either.
    const avif = await sharp(source)
      .keepIccProfile()
      .toColourspace('rgb16')
      .avif({ bitdepth: 10, quality: 90 })
      .toBuffer();
    expect(await sharp(avif).metadata()).toMatchObject({ bitsPerSample: 10, hasProfile: true });
    expect(tooFar(await colourErrors(avif, expected))).toEqual([]);
  });

  it.each([8, 16] as const)(
    '%i-bit PNG, half transparent, Adobe RGB: flattened onto the sRGB background',
    async (depth) => {
      const { painted, expected } = paint(ADOBE_RGB, depth);
      const translucent = stripes(
        painted.map((samples) => [...samples, 0.5]),
        depth,
      );
      const image = png({ ...translucent, channels: 4 }, [
        iccpChunk(fixture('compatibleWithAdobeRGB1998.icc')),
      ]);
      const background: Triple = [192 / 255, 48 / 255, 32 / 255];
      // sharp blends encoded values, half and half at this alpha (32768/65535 at 16 bits is 0.50001).
      const blended = expected.map((colour) =>
        colour.map((value, channel) => (value + (background[channel] ?? 0)) / 2),
      );
      const errors = await colourErrors(image, blended as unknown as Triple[], { background: '#c03020' });
      expect(tooFar(errors)).toEqual([]);
    },
  );
});

describe('colour accuracy: precision', () => {
  /** The Adobe RGB fixture with its curves set to gamma 1.0: a linear-light profile, as raw converters write. */
  function linearLightProfile(): Buffer {
    const profile = Buffer.from(fixture('compatibleWithAdobeRGB1998.icc'));
    for (const curve of [532, 548, 564]) profile.writeUInt16BE(0x0100, curve + 12); // rTRC, gTRC, bTRC
    return profile;
  }

  it('a 16-bit linear-light gradient keeps its shadow levels (8 bits would leave about 6)', async () => {
    const [width, height] = [256, 32];
    const samples = new Uint16Array(width * height * 3);
    for (let index = 0; index < width * height; index += 1) {
      samples.fill(Math.round(((index % width) / width) * 0.02 * 65535), index * 3, index * 3 + 3);
    }
    const image = png({ width, height, channels: 3, depth: 16, samples }, [iccpChunk(linearLightProfile())]);
    const thumbnail = await makeThumbnail(image, DEFAULT_THUMBNAIL_OPTIONS);
    const { data, info } = await sharp(thumbnail.data).raw().toBuffer({ resolveWithObject: true });
    const row = Array.from({ length: info.width }, (_, x) => data[(info.width * 16 + x) * info.channels + 1]);
    // Linear 0.02 is sRGB 39: a faithful 16-bit conversion shows most of the 40 levels below it.
    expect(new Set(row).size).toBeGreaterThan(30);
  });
});

/**
 * Greys of known sRGB lightness; a linear-light grey profile stores them far darker. Not deeper than
 * 60: below about linear 0.02 (sRGB 40) libvips' grey-profile import itself comes out darker than
 * lcms' own transicc at any bit depth (linear 0.0129, sRGB 30, becomes 20), a separate upstream matter.
 */
const GREYS = [60, 128, 200].map((value) => value / 255);

describe('colour accuracy: greyscale', () => {
  const GREY_CASES = (['PNG', 'TIFF', 'JPEG'] as const).flatMap((container) =>
    ([8, 16] as const)
      .filter((depth) => container !== 'JPEG' || depth === 8)
      .flatMap((depth) => [false, true].map((profiled) => ({ container, depth, profiled }))),
  );

  it.each(GREY_CASES)(
    '$depth-bit $container, linear grey profile: $profiled',
    async ({ container, depth, profiled }) => {
      // Gray.icc (icc-profiles-free) has a gamma 1.0 curve: a sample is linear light, so sRGB is its encoding.
      const painted = GREYS.map((grey) => quantise([profiled ? SRGB.decode(grey) : grey], depth));
      const expected = painted.map(([sample = 0]) => {
        const encoded = profiled ? SRGB.encode(sample) : sample;
        return [encoded, encoded, encoded] as const;
      });
      const image = await encode(
        container,
        stripes(painted, depth),
        profiled ? fixture('Gray.icc') : undefined,
      );
      expect(tooFar(await colourErrors(image, expected))).toEqual([]);
    },
  );
});

describe('colour accuracy: CMYK', () => {
  // CMYK has no reference formula (it depends on the press); sharp's own CMYK profile is the reference,
  // and 16-bit input must mean what the same inks mean at 8 bits.
  it('a 16-bit CMYK TIFF comes out as its 8-bit twin does', async () => {
    const inks = [0.05, 0.9, 0.85, 0.1] as const;
    const mean = async (depth: 8 | 16) => {
      const thumbnail = await makeThumbnail(cmykTiff(inks, depth), DEFAULT_THUMBNAIL_OPTIONS);
      return labOfSrgb8((await stripeMeans(thumbnail.data, 1))[0] ?? [0, 0, 0]);
    };
    const [eight, sixteen] = [await mean(8), await mean(16)];
    expect(deltaE2000(eight, labOfSrgb8([203, 46, 39]))).toBeLessThan(3);
    expect(deltaE2000(eight, sixteen)).toBeLessThan(1);
  });
});

describe('colour accuracy: the reference formulas themselves', () => {
  it('derive the published sRGB matrix and keep white white', () => {
    expect(toXyz(SRGB, [1, 0, 0]).map((v) => +v.toFixed(4))).toEqual([0.4124, 0.2126, 0.0193]);
    expect(convertRgb(ADOBE_RGB, SRGB, [1, 1, 1]).map((v) => +v.toFixed(6))).toEqual([1, 1, 1]);
    expect(convertRgb(SRGB, DISPLAY_P3, [1, 0, 0]).map((v) => +v.toFixed(4))).toEqual([
      0.9175, 0.2003, 0.1386,
    ]);
  });

  it.each([
    // Sharma, Wu and Dalal (2005), test data for CIEDE2000: pairs 1, 7, 17 and 25.
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, 0, 0], [50, -1, 2], 2.3669],
    [[50, 2.5, 0], [73, 25, -18], 27.1492],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
  ] as const)('CIEDE2000 of %j and %j is %d', (first, second, expected) => {
    expect(+deltaE2000(first, second).toFixed(4)).toBe(expected);
  });
});
