import sharp from 'sharp';
import { decodeSize, PLACEHOLDER_BOX } from '../../../src/core/engine/decodeOnce';
import { makeRenditions } from '../../../src/core/engine/makeRenditions';
import { dominantColour } from '../../../src/core/engine/placeholders';
import {
  thumbHashToApproximateAspectRatio,
  thumbHashToAverageRGBA,
  thumbHashToRGBA,
} from '../../../src/core/engine/thumbhash';
import { checkRenditions, type Rendition } from '../../../src/core/renditions';
import { photoJpeg, QUADRANT_COLOURS, quadrants, solidImage } from '../../support/images';

/** The renditions `value` describes (a bad test fixture fails loudly). */
function renditionsOf(value: unknown): readonly Rendition[] {
  const parsed = checkRenditions(value);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.renditions;
}

/** The set: a smart-cropped square in three formats, a card, a detail view. */
const PRODUCT = renditionsOf([
  { name: 'square', width: 256, height: 256, fit: 'cover', formats: ['avif', 'webp', 'jpeg'] },
  { name: 'card', width: 640, height: 480, formats: ['webp'] },
  { name: 'detail', width: 1280, height: 1280, formats: ['jpeg'] },
  { name: 'strip', width: 300, height: 100, fit: 'cover', formats: ['webp'] },
]);

/** sharp names AVIF output `heif` (its container). */
const CONTAINER = { jpeg: 'jpeg', webp: 'webp', avif: 'heif' } as const;

type Rgb = { readonly r: number; readonly g: number; readonly b: number };

async function pixelAt(image: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (Math.round(y * (info.height - 1)) * info.width + Math.round(x * (info.width - 1))) * 3;
  return { r: data[at] ?? -1, g: data[at + 1] ?? -1, b: data[at + 2] ?? -1 };
}

const near = (actual: Rgb, expected: Rgb, tolerance: number) =>
  (['r', 'g', 'b'] as const).every((channel) => Math.abs(actual[channel] - expected[channel]) <= tolerance);

interface FixtureCase {
  readonly name: string;
  readonly input: () => Promise<Buffer>;
  /** Upright size of the input. */
  readonly size: readonly [number, number];
  /** name -> the size each format of that rendition must have. */
  readonly expected: Readonly<Record<string, readonly [number, number]>>;
}

describe('makeRenditions: every rendition of every fixture', () => {
  it.each<FixtureCase>([
    {
      name: '4:3 quadrants PNG, 1600x1200',
      input: () => quadrants(1600, 1200),
      size: [1600, 1200],
      expected: { square: [256, 256], card: [640, 480], detail: [1280, 960], strip: [300, 100] },
    },
    {
      name: 'portrait photo JPEG, 900x1600',
      input: () => photoJpeg(900, 1600),
      size: [900, 1600],
      expected: { square: [256, 256], card: [270, 480], detail: [720, 1280], strip: [300, 100] },
    },
    {
      // As the single thumbnail always did: a cover box crops what exceeds it, and enlarges nothing.
      name: 'small WebP, never enlarged, 200x150',
      input: () => solidImage(200, 150, 'webp'),
      size: [200, 150],
      expected: { square: [200, 150], card: [200, 150], detail: [200, 150], strip: [200, 100] },
    },
  ])('$name: box, fit and format of each output', async ({ input, size, expected }) => {
    const made = await makeRenditions(await input(), PRODUCT);
    expect([made.input.width, made.input.height]).toEqual(size);
    const seen = made.outputs.map((output) => `${output.name}.${output.format}`);
    expect(seen).toEqual([
      'square.avif',
      'square.webp',
      'square.jpeg',
      'card.webp',
      'detail.jpeg',
      'strip.webp',
    ]);
    for (const output of made.outputs) {
      const metadata = await sharp(output.data).metadata();
      expect([output.name, metadata.format, metadata.width, metadata.height]).toEqual([
        output.name,
        CONTAINER[output.format],
        ...(expected[output.name] ?? []),
      ]);
      expect([output.width, output.height]).toEqual([metadata.width, metadata.height]);
    }
  });

  it('keeps every colour where it belongs: a centre crop of quadrants shows all four at its corners', async () => {
    const made = await makeRenditions(await quadrants(1600, 1200), PRODUCT);
    for (const output of made.outputs) {
      const corners = await Promise.all(
        [
          [0.05, 0.05],
          [0.95, 0.05],
          [0.05, 0.95],
          [0.95, 0.95],
        ].map(([x = 0, y = 0]) => pixelAt(output.data, x, y)),
      );
      const expected = [
        QUADRANT_COLOURS.topLeft,
        QUADRANT_COLOURS.topRight,
        QUADRANT_COLOURS.bottomLeft,
        QUADRANT_COLOURS.bottomRight,
      ];
      expect(corners.map((corner, index) => near(corner, expected[index] ?? corner, 40))).toEqual([
        true,
        true,
        true,
        true,
      ]);
    }
  });

  it('flattens transparency onto each rendition its own background', async () => {
    const clear = await solidImage(400, 300, 'png', { r: 0, g: 0, b: 0, alpha: 0 });
    const made = await makeRenditions(
      clear,
      renditionsOf([
        { name: 'white', width: 64, height: 64 },
        { name: 'black', width: 64, height: 64, background: '#000000', formats: ['webp'] },
      ]),
    );
    const centres = await Promise.all(made.outputs.map((output) => pixelAt(output.data, 0.5, 0.5)));
    const expected = [
      { r: 255, g: 255, b: 255 },
      { r: 0, g: 0, b: 0 },
    ];
    expect(centres.map((centre, index) => near(centre, expected[index] ?? centre, 2))).toEqual([true, true]);
  });

  it('is deterministic: the same input and renditions give the same bytes', async () => {
    const input = await photoJpeg(1200, 900);
    const [first, second] = await Promise.all([
      makeRenditions(input, PRODUCT),
      makeRenditions(input, PRODUCT),
    ]);
    expect(second.outputs.map((output) => output.data)).toEqual(first.outputs.map((output) => output.data));
    expect(second.placeholders).toEqual(first.placeholders);
  });
});

/**
 * A wide grey field with a detailed, saturated object near its right edge: a centre crop misses it,
 * a smart crop must keep it.
 */
async function objectNearTheEdge(): Promise<Buffer> {
  const object = await sharp(await quadrants(160, 160))
    .png()
    .toBuffer();
  return sharp({ create: { width: 1200, height: 300, channels: 3, background: '#808080' } })
    .composite([{ input: object, left: 1000, top: 70 }])
    .png()
    .toBuffer();
}

/** How much of `image` is far from grey: the share of pixels with a channel 60 off the field's 128. */
async function shareNotGrey(image: Buffer): Promise<number> {
  const { data } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let coloured = 0;
  for (let at = 0; at < data.length; at += 3) {
    if ([0, 1, 2].some((channel) => Math.abs((data[at + channel] ?? 128) - 128) > 60)) coloured += 1;
  }
  return coloured / (data.length / 3);
}

describe('makeRenditions: smart crop', () => {
  it.each(['attention', 'entropy'] as const)('%s keeps a salient object in frame', async (position) => {
    const made = await makeRenditions(
      await objectNearTheEdge(),
      renditionsOf([
        { name: 'centre', width: 200, height: 200, fit: 'cover' },
        { name: 'smart', width: 200, height: 200, fit: 'cover', position },
      ]),
    );
    const [centre, smart] = await Promise.all(made.outputs.map((output) => shareNotGrey(output.data)));
    expect(centre).toBe(0);
    // The object is 160 of the 300 rows, scaled to 200: about 0.28 of the frame if it is whole.
    expect(smart).toBeGreaterThan(0.2);
  });
});

describe('makeRenditions: placeholders', () => {
  it.each<[string, () => Promise<Buffer>, number]>([
    ['a 2:1 landscape', () => solidImage(1600, 800, 'jpeg', '#3366aa'), 2],
    ['a 1:2 portrait', () => solidImage(500, 1000, 'png', '#3366aa'), 0.5],
    ['a square', () => solidImage(300, 300, 'webp', '#3366aa'), 1],
  ])('%s: the ThumbHash decodes to its aspect and average colour', async (_name, input, aspect) => {
    const { placeholders } = await makeRenditions(await input(), PRODUCT);
    const hash = Buffer.from(placeholders.thumbhash, 'base64');
    // ThumbHash keeps the aspect to within its few coefficients a side (2:1 comes back as 7:4).
    const decoded = thumbHashToRGBA(hash);
    for (const ratio of [thumbHashToApproximateAspectRatio(hash), decoded.w / decoded.h]) {
      expect(Math.abs(Math.log(ratio / aspect))).toBeLessThan(Math.log(1.2));
    }
    const average = thumbHashToAverageRGBA(hash);
    const rgb = { r: average.r * 255, g: average.g * 255, b: average.b * 255 };
    expect(near(rgb, { r: 0x33, g: 0x66, b: 0xaa }, 8)).toBe(true);
    expect(placeholders.dominantColour).toMatch(/^#3[0-9a-f]6[0-9a-f]a[0-9a-f]$/);
  });

  it('takes the dominant colour from the larger area, not the mean', async () => {
    const image = await sharp({ create: { width: 400, height: 100, channels: 3, background: '#2060c0' } })
      .composite([{ input: await solidImage(120, 100, 'png', '#e02020'), left: 0, top: 0 }])
      .png()
      .toBuffer();
    const { placeholders } = await makeRenditions(image, PRODUCT);
    expect(placeholders.dominantColour).toMatch(/^#2[0-9a-f]6[0-9a-f]c[0-9a-f]$/);
  });

  it('counts transparent pixels for nothing, and calls nothing but transparency white', () => {
    const rgba = Uint8Array.from([255, 0, 0, 0, 10, 20, 30, 255, 0, 0, 255, 0]);
    expect(dominantColour(rgba)).toBe('#0a141e');
    expect(dominantColour(Uint8Array.from([1, 2, 3, 0]))).toBe('#ffffff');
  });
});

describe('decodeSize: one decode at the smallest size serving every box', () => {
  it.each<[string, readonly { width: number; height: number; fit: 'inside' | 'cover' }[], [number, number]]>([
    [
      'the largest inside box decides',
      [{ width: 1280, height: 1280, fit: 'inside' }, PLACEHOLDER_BOX],
      [1280, 960],
    ],
    ['a cover box needs its shorter side filled', [{ width: 400, height: 400, fit: 'cover' }], [534, 400]],
    [
      'boxes larger than the image: full size, never enlarged',
      [{ width: 8000, height: 8000, fit: 'inside' }],
      [4000, 3000],
    ],
  ])('%s', (_name, boxes, size) => {
    const target = decodeSize(boxes, 4000, 3000);
    expect([target.width, target.height]).toEqual(size);
  });
});
