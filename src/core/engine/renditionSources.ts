import { type Decoded, decodeSize, fromDecoded, PLACEHOLDER_BOX } from './decodeOnce';
import { resizeOptions } from './encodeRendition';
import type { Rendition } from '../renditions';

/** The pixels each rendition is encoded from, and those the placeholders are made of. */
export interface RenditionSources {
  /** In the order of the renditions. */
  readonly perRendition: readonly Decoded[];
  readonly placeholder: Decoded;
}

/**
 * A smaller image is resized from an already resized one only when that one is at least this many times
 * its size on both sides: the second resampling then cuts far below what the first kept, so the result
 * looks as if resized from the decode (within a level or so on average even on pure grain, a fraction
 * of what JPEG encoding itself changes: test/core/engine/renditionSources.test.ts).
 */
const CASCADE_FACTOR = 2;

/** Resized copies held for reuse stay within this share of the decoded image's bytes (memory budget). */
const HELD_SHARE = 0.5;

const bytesOf = (pixels: Decoded) => pixels.data.byteLength;

/** `rendition`'s size when made from `source` (never enlarged). */
function sizeFrom(source: Decoded, rendition: Rendition) {
  const { width, height } = decodeSize([rendition], source.width, source.height);
  return rendition.fit === 'cover'
    ? { width: Math.min(width, rendition.width), height: Math.min(height, rendition.height) }
    : { width, height };
}

/** The smallest held copy (they are held largest first) an `inside` rendition may be resized from. */
function cascadeSource(
  held: readonly Decoded[],
  rendition: Rendition,
  size: { width: number; height: number },
) {
  if (rendition.fit !== 'inside') {
    return undefined;
  }
  return held.findLast(
    (pixels) => pixels.width >= size.width * CASCADE_FACTOR && pixels.height >= size.height * CASCADE_FACTOR,
  );
}

/** The smallest held copy that still gives placeholders of the size the decode would, else the decode. */
function placeholderSource(held: readonly Decoded[], decoded: Decoded): Decoded {
  const wanted = decodeSize([PLACEHOLDER_BOX], decoded.width, decoded.height);
  const serves = (pixels: Decoded) => {
    const size = decodeSize([PLACEHOLDER_BOX], pixels.width, pixels.height);
    return size.width === wanted.width && size.height === wanted.height;
  };
  return held.findLast(serves) ?? decoded;
}

async function resized(source: Decoded, rendition: Rendition): Promise<Decoded> {
  const { data, info } = await fromDecoded(source)
    .resize(resizeOptions(rendition))
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: source.channels };
}

/**
 * Resizes once per rendition rather than once per format, and derives smaller `inside` renditions (and
 * the placeholders) from a larger one already resized (a cascade), rather than each from the full
 * decode: on a 12 MP photo with 256, 640 and 1280 px renditions, most of the resizing work. Cover crops
 * are made from the decode itself, so that a smart crop sees every pixel the decode kept. Deterministic:
 * the same decode and renditions always give the same plan, and the same pixels.
 */
export async function renditionSources(
  decoded: Decoded,
  renditions: readonly Rendition[],
): Promise<RenditionSources> {
  if (decoded.data instanceof Uint16Array) {
    // 16-bit sRGB (an input whose profile needed 16 bits: decodeOnce): sharp's raw copy of it is 8-bit,
    // and one asked for at 16 bits came back wrong (black renditions); those few inputs are resized from
    // the decode, as before (test/core/engine/renditionSources.test.ts).
    return { perRendition: renditions.map(() => decoded), placeholder: decoded };
  }
  const order = renditions
    .map((rendition, index) => ({ rendition, index, size: sizeFrom(decoded, rendition) }))
    .sort((a, b) => b.size.width * b.size.height - a.size.width * a.size.height || a.index - b.index);
  const perRendition: Decoded[] = new Array<Decoded>(renditions.length);
  const held: Decoded[] = [];
  let heldBytes = 0;
  for (const { rendition, index, size } of order) {
    const from = cascadeSource(held, rendition, size) ?? decoded;
    const unchanged = from.width === size.width && from.height === size.height;
    // A crop in one format is needed once, and serves no cascade: the encoder makes it from the decode.
    const usedOnce = rendition.fit === 'cover' && rendition.formats.length === 1;
    const estimate = (bytesOf(decoded) * size.width * size.height) / (decoded.width * decoded.height);
    if (unchanged || usedOnce || heldBytes + estimate > bytesOf(decoded) * HELD_SHARE) {
      // The encoder resizes from `from` itself (a no-op when it is already the size).
      perRendition[index] = from;
      continue;
    }
    const pixels = await resized(from, rendition);
    perRendition[index] = pixels;
    heldBytes += bytesOf(pixels);
    if (rendition.fit === 'inside') {
      held.push(pixels);
    }
  }
  return { perRendition, placeholder: placeholderSource(held, decoded) };
}
