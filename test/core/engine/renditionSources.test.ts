import sharp from 'sharp';
import type { Decoded } from '../../../src/core/engine/decodeOnce';
import { encodeRendition } from '../../../src/core/engine/encodeRendition';
import { makeRenditions } from '../../../src/core/engine/makeRenditions';
import { makePlaceholders } from '../../../src/core/engine/placeholders';
import { renditionSources } from '../../../src/core/engine/renditionSources';
import { thumbHashToAverageRGBA, thumbHashToRGBA } from '../../../src/core/engine/thumbhash';
import { checkRenditions, type Rendition } from '../../../src/core/renditions';
import { photoJpeg } from '../../support/images';

function renditionsOf(value: unknown): readonly Rendition[] {
  const parsed = checkRenditions(value);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.renditions;
}

/** A photo's raw pixels, as decodeOnce gives them. */
async function decodedPhoto(width: number, height: number): Promise<Decoded> {
  const { data, info } = await sharp(await photoJpeg(width, height))
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

/** The mean absolute difference of two sets of raw samples (0 to 255). */
function meanDifference(left: Uint8Array, right: Uint8Array): number {
  if (left.length !== right.length) throw new Error('the images differ in size');
  let sum = 0;
  left.forEach((value, index) => (sum += Math.abs(value - (right[index] ?? 0))));
  return sum / left.length;
}

const JPEG: Rendition['formats'][number] = 'jpeg';

const FOUR = [
  { name: 'list', width: 256, height: 256, formats: ['jpeg', 'webp'] },
  { name: 'card', width: 640, height: 640, formats: ['webp'] },
  { name: 'detail', width: 1280, height: 1280, formats: ['jpeg'] },
];

describe('renditionSources: what each rendition is encoded from', () => {
  const renditions = renditionsOf([
    { name: 'list', width: 256, height: 256, formats: ['jpeg', 'webp'] },
    { name: 'card', width: 640, height: 640, formats: ['webp'] },
    { name: 'detail', width: 1280, height: 1280, formats: ['jpeg'] },
    { name: 'crop', width: 200, height: 200, fit: 'cover', formats: ['jpeg'] },
  ]);

  it('resizes once per rendition, a smaller inside one from a larger copy, crops from the decode', async () => {
    const decoded = await decodedPhoto(1280, 960);
    const sources = await renditionSources(decoded, renditions);
    const [list, card, detail, crop] = sources.perRendition;
    // The detail view is the decode's own size; a crop in one format is made from the decode.
    expect(detail).toBe(decoded);
    expect(crop).toBe(decoded);
    expect([card?.width, card?.height]).toEqual([640, 480]);
    expect([list?.width, list?.height]).toEqual([256, 192]);
    // The placeholders come from the smallest copy that still has their detail.
    expect(sources.placeholder).toBe(list);
  });

  it('makes the cascaded rendition look as if made from the decode', async () => {
    const decoded = await decodedPhoto(1280, 960);
    const list = renditions[0] as Rendition;
    const cascaded = (await renditionSources(decoded, renditions)).perRendition[0] as Decoded;
    const raw = (pixels: Decoded) =>
      sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } });
    const direct = await raw(decoded).resize(256, 256, { fit: 'inside' }).raw().toBuffer();
    // On a photo of pure grain, the worst case for resampling twice: within a level or so on average,
    // where JPEG at quality 80 itself moves pixels by several.
    const cascadeError = meanDifference(cascaded.data as Buffer, direct);
    const { data } = await encodeRendition(decoded, list, JPEG);
    const encodingError = meanDifference(await sharp(data).raw().toBuffer(), direct);
    expect(cascadeError).toBeLessThan(1.5);
    expect(cascadeError).toBeLessThan(encodingError / 3);
  });

  it('holds no more copies than half the decode: past that, renditions resize from the decode', async () => {
    const decoded = await decodedPhoto(400, 300);
    const many = renditionsOf(
      [300, 290, 280, 270].map((side) => ({
        name: `r${side}`,
        width: side,
        height: side,
        formats: ['jpeg'],
      })),
    );
    const sources = await renditionSources(decoded, many);
    const copies = sources.perRendition.filter((pixels) => pixels !== decoded);
    const bytes = copies.reduce((total, pixels) => total + pixels.data.byteLength, 0);
    expect(copies.length).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(decoded.data.byteLength / 2);
    expect(sources.perRendition.filter((pixels) => pixels === decoded).length).toBeGreaterThan(0);
  });
});

describe('makeRenditions: an input decoded at 16 bits', () => {
  it.each([
    ['large (placeholders by libvips)', 800, 600],
    ['small (placeholders averaged here)', 200, 150],
  ])('%s: every rendition and the placeholder keep its colour', async (_name, width, height) => {
    // 16-bit RGB with a wide-gamut profile: decodeOnce keeps it at 16 bits to convert it right.
    const grey = new Uint16Array(width * height * 3).fill(40000);
    const png = await sharp(grey, { raw: { width, height, channels: 3 } })
      .toColourspace('rgb16')
      .withIccProfile('p3')
      .png()
      .toBuffer();
    const made = await makeRenditions(png, renditionsOf(FOUR));
    for (const output of made.outputs) {
      const { channels } = await sharp(output.data).stats();
      expect(channels.map((channel) => Math.round(channel.mean))).toEqual([156, 156, 156]);
    }
    expect(made.placeholders.dominantColour).toBe('#9c9c9c');
  });
});

describe('makePlaceholders: averaged from every kind of decoded pixels', () => {
  const colour = { r: 0x33, g: 0x66, b: 0xaa };
  it.each<[string, Decoded]>([
    [
      '8-bit RGB',
      {
        data: Buffer.from(
          Array(64 * 48)
            .fill([0x33, 0x66, 0xaa])
            .flat(),
        ),
        width: 64,
        height: 48,
        channels: 3,
      },
    ],
    [
      '16-bit RGB (sRGB at 16 bits)',
      {
        data: Uint16Array.from(
          Array(64 * 48)
            .fill([0x3333, 0x6666, 0xaaaa])
            .flat(),
        ),
        width: 64,
        height: 48,
        channels: 3,
      },
    ],
    [
      '8-bit RGBA, half transparent in another colour',
      {
        data: Buffer.from(
          Array.from({ length: 64 * 48 }, (_, pixel) =>
            pixel % 2 ? [0x33, 0x66, 0xaa, 255] : [255, 0, 0, 0],
          ).flat(),
        ),
        width: 64,
        height: 48,
        channels: 4,
      },
    ],
  ])('%s', async (_name, decoded) => {
    const { thumbhash, dominantColour } = await makePlaceholders(decoded);
    const hash = Buffer.from(thumbhash, 'base64');
    const average = thumbHashToAverageRGBA(hash);
    for (const [channel, value] of Object.entries(colour) as ['r' | 'g' | 'b', number][]) {
      expect(Math.abs(average[channel] * 255 - value)).toBeLessThan(8);
    }
    expect(dominantColour).toBe('#3366aa');
    const image = thumbHashToRGBA(hash);
    expect(image.w / image.h).toBeGreaterThan(1.1);
  });

  it('grey gives grey', async () => {
    const decoded: Decoded = { data: Buffer.alloc(40 * 40, 0x80), width: 40, height: 40, channels: 1 };
    expect((await makePlaceholders(decoded)).dominantColour).toBe('#808080');
  });
});
