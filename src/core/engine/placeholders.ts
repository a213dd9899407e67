import { type Decoded, decodeSize, fromDecoded, PLACEHOLDER_BOX } from './decodeOnce';
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

/**
 * Sources up to this many pixels are brought down to the placeholder's size here, by averaging areas;
 * larger ones by libvips. On the 256 px rendition of a 12 MP photo, the libvips resize took 1.9 ms of
 * CPU a placeholder, mostly setting up a pipeline; averaging here, 0.6 ms.
 */
const AVERAGED_HERE_MAX_PIXELS = 512 * 512;

/** Where output pixel `index` of `size` begins and ends among `of` source pixels (at least one). */
function span(index: number, size: number, of: number): readonly [number, number] {
  const first = Math.floor((index * of) / size);
  return [first, Math.max(first + 1, Math.floor(((index + 1) * of) / size))];
}

/** Where each channel of RGBA is among a pixel's samples (grey gives all three; no alpha is opaque). */
function layoutOf(channels: Decoded['channels']) {
  const grey = channels <= 2;
  return {
    green: grey ? 0 : 1,
    blue: grey ? 0 : 2,
    alpha: channels === 2 || channels === 4 ? channels - 1 : -1,
  };
}

/**
 * The mean RGBA of the source's rectangle, as 8-bit values; colours weighted by opacity, so that
 * transparent pixels lend the average none of their colour. 16-bit samples are sRGB (decodeOnce): their
 * high byte is the 8-bit value libvips would give.
 */
function areaMean(
  source: Decoded,
  [left, right]: readonly [number, number],
  [top, bottom]: readonly [number, number],
): [number, number, number, number] {
  const { data, channels, width } = source;
  const { green, blue, alpha } = layoutOf(channels);
  const shift = data instanceof Uint16Array ? 8 : 0;
  let [sumRed, sumGreen, sumBlue, opacity] = [0, 0, 0, 0];
  for (let row = top; row < bottom; row += 1) {
    for (let at = (row * width + left) * channels; at < (row * width + right) * channels; at += channels) {
      const weight = alpha < 0 ? 255 : (data[at + alpha] ?? 0) >> shift;
      sumRed += ((data[at] ?? 0) >> shift) * weight;
      sumGreen += ((data[at + green] ?? 0) >> shift) * weight;
      sumBlue += ((data[at + blue] ?? 0) >> shift) * weight;
      opacity += weight;
    }
  }
  const colour = (sum: number) => (opacity === 0 ? 0 : Math.round(sum / opacity));
  const count = (bottom - top) * (right - left);
  return [colour(sumRed), colour(sumGreen), colour(sumBlue), Math.round(opacity / count)];
}

/** `source` averaged down to `width` x `height` (each output pixel the mean of its area), as RGBA. */
function averagedRgba(source: Decoded, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    const rows = span(y, height, source.height);
    for (let x = 0; x < width; x += 1) {
      rgba.set(areaMean(source, span(x, width, source.width), rows), (y * width + x) * 4);
    }
  }
  return rgba;
}

/** `source` brought down to at most 32x32, as 8-bit sRGB with alpha. */
async function placeholderPixels(source: Decoded) {
  const { width, height } = decodeSize([PLACEHOLDER_BOX], source.width, source.height);
  if (source.width * source.height <= AVERAGED_HERE_MAX_PIXELS) {
    return { width, height, rgba: averagedRgba(source, width, height) };
  }
  const { data, info } = await fromDecoded(source)
    .resize({ ...PLACEHOLDER_BOX, withoutEnlargement: true })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgba: data };
}

/**
 * Both placeholders, from decoded pixels (the decode, or the smallest rendition already resized from it
 * that still has the detail: renditionSources.ts) brought down to at most 32x32.
 */
export async function makePlaceholders(source: Decoded): Promise<Placeholders> {
  const { width, height, rgba } = await placeholderPixels(source);
  const hash = rgbaToThumbHash(width, height, rgba);
  return { thumbhash: Buffer.from(hash).toString('base64'), dominantColour: dominantColour(rgba) };
}
