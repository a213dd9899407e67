import { type Decoded, fromDecoded, PLACEHOLDER_BOX } from './decodeOnce';
import { rgbaToThumbHash } from './thumbhash';

/** What a page shows while the renditions load. */
export interface Placeholders {
  /** ThumbHash (base64): decodes to a blurred image of the picture, with its aspect ratio and alpha. */
  readonly thumbhash: string;
  /** The colour most of the picture is, as #rrggbb: a background for the space the image will fill. */
  readonly dominantColour: string;
}

const hex = (value: number) => Math.round(value).toString(16).padStart(2, '0');

/** Opacity-weighted pixel counts in 4,096 bins (4 bits a channel), and each bin's weighted channel sums. */
function histogram(rgba: Uint8Array) {
  const weight = new Float64Array(4096);
  const sums = new Float64Array(4096 * 3);
  for (let at = 0; at + 3 < rgba.length; at += 4) {
    const [r = 0, g = 0, b = 0, a = 0] = rgba.subarray(at, at + 4);
    const bin = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    weight[bin] = (weight[bin] ?? 0) + a;
    [r, g, b].forEach((value, channel) => {
      sums[bin * 3 + channel] = (sums[bin * 3 + channel] ?? 0) + value * a;
    });
  }
  return { weight, sums };
}

/**
 * The most common colour: the opacity-weighted mean of the fullest bin of the histogram. Transparent
 * pixels count for nothing; an image of nothing but transparency is white, what it is flattened onto
 * by default.
 */
export function dominantColour(rgba: Uint8Array): string {
  const { weight, sums } = histogram(rgba);
  const best = weight.reduce((fullest, value, bin) => (value > (weight[fullest] ?? 0) ? bin : fullest), 0);
  const total = weight[best] ?? 0;
  if (total === 0) return '#ffffff';
  return `#${[0, 1, 2].map((channel) => hex((sums[best * 3 + channel] ?? 0) / total)).join('')}`;
}

/** Both placeholders, from the decoded pixels brought down to at most 100x100. */
export async function makePlaceholders(decoded: Decoded): Promise<Placeholders> {
  const { data, info } = await fromDecoded(decoded)
    .resize({ ...PLACEHOLDER_BOX, withoutEnlargement: true })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const hash = rgbaToThumbHash(info.width, info.height, data);
  return { thumbhash: Buffer.from(hash).toString('base64'), dominantColour: dominantColour(data) };
}
