import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from './images';

/**
 * Image files written byte by byte, so that tests control exactly what a file holds: the sample values
 * (8 or 16 bits, in any colour space), the ICC profile attached to them without any conversion, and
 * ancillary data of any size. sharp would convert pixels when attaching a profile, and refuses to write
 * most of what the hostile corpus needs.
 */

/** Interleaved samples, row by row, each 0..255 (depth 8) or 0..65535 (depth 16). */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly depth: 8 | 16;
  readonly samples: Uint16Array;
}

/**
 * Vertical stripes of equal width, one per colour, each colour's components in 0..1 (one for grey,
 * three for RGB), quantised to the depth.
 */
export function stripes(
  colours: readonly (readonly number[])[],
  depth: 8 | 16,
  width = 300,
  height = 100,
): Pixels {
  const channels = (colours[0]?.length ?? 3) as 1 | 3;
  const max = 2 ** depth - 1;
  const samples = new Uint16Array(width * height * channels);
  for (let index = 0; index < width * height; index += 1) {
    const colour = colours[Math.floor(((index % width) * colours.length) / width)] ?? [];
    colour.forEach((value, channel) => {
      samples[index * channels + channel] = Math.round(Math.min(1, Math.max(0, value)) * max);
    });
  }
  return { width, height, channels, depth, samples };
}

/** Samples as bytes: one per sample, or two in the given byte order. */
function sampleBytes({ depth, samples }: Pixels, littleEndian = false): Buffer {
  if (depth === 8) {
    return Buffer.from(Uint8Array.from(samples));
  }
  const bytes = Buffer.alloc(samples.length * 2);
  samples.forEach((value, index) =>
    littleEndian ? bytes.writeUInt16LE(value, index * 2) : bytes.writeUInt16BE(value, index * 2),
  );
  return bytes;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_COLOUR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/** An iCCP chunk: profile name, NUL, compression method 0, the zlib-compressed profile. */
export const iccpChunk = (profile: Buffer, name = 'icc'): Buffer =>
  pngChunk('iCCP', Buffer.concat([Buffer.from(`${name}\0\0`, 'latin1'), deflateSync(profile)]));

/** A PNG of the pixels, with `ancillary` chunks (already framed) between IHDR and IDAT. */
export function png(pixels: Pixels, ancillary: readonly Buffer[] = []): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(pixels.width, 0);
  header.writeUInt32BE(pixels.height, 4);
  header[8] = pixels.depth;
  header[9] = PNG_COLOUR_TYPE[pixels.channels];
  const data = sampleBytes(pixels);
  const rowBytes = data.length / pixels.height;
  const rows: Buffer[] = [];
  for (let row = 0; row < pixels.height; row += 1) {
    rows.push(Buffer.from([0]), data.subarray(row * rowBytes, (row + 1) * rowBytes)); // filter: none
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    ...ancillary,
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A TIFF tag: type 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 7 UNDEFINED; values of that type. */
export interface TiffTag {
  readonly tag: number;
  readonly type: 1 | 2 | 3 | 4 | 7;
  readonly values: Buffer | readonly number[];
}

const TIFF_TYPE_BYTES = { 1: 1, 2: 1, 3: 2, 4: 4, 7: 1 } as const;

function tiffTagValue({ type, values }: TiffTag): Buffer {
  if (Buffer.isBuffer(values)) {
    return values;
  }
  const bytes = Buffer.alloc(values.length * TIFF_TYPE_BYTES[type]);
  values.forEach((value, index) => {
    if (type === 3) bytes.writeUInt16LE(value, index * 2);
    else if (type === 4) bytes.writeUInt32LE(value, index * 4);
    else bytes[index] = value;
  });
  return bytes;
}

/** One TIFF directory: its data, and its tags given where that data landed in the file. */
export interface TiffPage {
  readonly data: Buffer;
  readonly tags: (dataOffset: number) => readonly TiffTag[];
}

const wordAligned = (bytes: Buffer): Buffer => Buffer.concat([bytes, Buffer.alloc(bytes.length % 2)]);

/** One directory (IFD) at `offset`, with its values over four bytes stored right after it. */
function tiffDirectory(tags: readonly TiffTag[], offset: number, next: (end: number) => number): Buffer {
  const sorted = [...tags].sort((a, b) => a.tag - b.tag);
  const directory = Buffer.alloc(2 + sorted.length * 12 + 4);
  const overflow: Buffer[] = [];
  let overflowAt = offset + directory.length;
  directory.writeUInt16LE(sorted.length, 0);
  sorted.forEach((tag, entry) => {
    const value = tiffTagValue(tag);
    const at = 2 + entry * 12;
    directory.writeUInt16LE(tag.tag, at);
    directory.writeUInt16LE(tag.type, at + 2);
    directory.writeUInt32LE(value.length / TIFF_TYPE_BYTES[tag.type], at + 4);
    if (value.length <= 4) {
      value.copy(directory, at + 8);
    } else {
      directory.writeUInt32LE(overflowAt, at + 8);
      overflow.push(wordAligned(value));
      overflowAt += wordAligned(value).length;
    }
  });
  directory.writeUInt32LE(next(overflowAt), directory.length - 4);
  return Buffer.concat([directory, ...overflow]);
}

/**
 * A little-endian TIFF of one or more pages, each page's data first and its directory after it, so
 * that the data's offset is known when the tags are written.
 */
export function tiffFile(pages: readonly TiffPage[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x49, 0x49, 0x2a, 0, 0, 0, 0, 0])];
  let offset = 8;
  pages.forEach((page, index) => {
    const data = wordAligned(page.data);
    const directoryAt = offset + data.length;
    if (index === 0) {
      parts[0]?.writeUInt32LE(directoryAt, 4);
    }
    const following = pages[index + 1];
    const next = (end: number) => (following ? end + wordAligned(following.data).length : 0);
    const directory = tiffDirectory(page.tags(offset), directoryAt, next);
    parts.push(data, directory);
    offset = directoryAt + directory.length;
  });
  return Buffer.concat(parts);
}

/** The tags of an uncompressed, single-strip image whose pixel data starts at `dataOffset`. */
export function tiffImageTags(pixels: Pixels, dataOffset: number): TiffTag[] {
  const bytes = pixels.width * pixels.height * pixels.channels * (pixels.depth / 8);
  return [
    { tag: 256, type: 4, values: [pixels.width] },
    { tag: 257, type: 4, values: [pixels.height] },
    { tag: 258, type: 3, values: Array<number>(pixels.channels).fill(pixels.depth) },
    { tag: 259, type: 3, values: [1] }, // no compression
    { tag: 262, type: 3, values: [pixels.channels >= 3 ? 2 : 1] }, // RGB, or grey with black = 0
    { tag: 273, type: 4, values: [dataOffset] },
    { tag: 277, type: 3, values: [pixels.channels] },
    { tag: 278, type: 4, values: [pixels.height] },
    { tag: 279, type: 4, values: [bytes] },
    ...(pixels.channels % 2 === 0 ? [{ tag: 338, type: 3 as const, values: [2] }] : []), // unassociated alpha
  ];
}

export const TIFF_ICC_TAG = 34675;

/** A one-page TIFF of the pixels, with extra tags (an ICC profile, say) replacing any of the same number. */
export function tiff(pixels: Pixels, extraTags: readonly TiffTag[] = []): Buffer {
  const replaced = new Set(extraTags.map(({ tag }) => tag));
  const tags = (offset: number) => [
    ...tiffImageTags(pixels, offset).filter(({ tag }) => !replaced.has(tag)),
    ...extraTags,
  ];
  return tiffFile([{ data: sampleBytes(pixels, true), tags }]);
}

/** JPEG marker segments: APPn and COM carry at most 65533 bytes each. */
export function jpegSegment(marker: number, data: Buffer): Buffer {
  if (data.length > 65533) {
    throw new Error(`a JPEG segment holds at most 65533 bytes, not ${data.length}`);
  }
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/** An ICC profile as APP2 ICC_PROFILE segments, split as the ICC specification says (B.4). */
export function jpegIccSegments(profile: Buffer): Buffer[] {
  const chunk = 65533 - 14;
  const count = Math.ceil(profile.length / chunk);
  return Array.from({ length: count }, (_, index) =>
    jpegSegment(
      0xe2,
      Buffer.concat([
        Buffer.from('ICC_PROFILE\0', 'latin1'),
        Buffer.from([index + 1, count]),
        profile.subarray(index * chunk, (index + 1) * chunk),
      ]),
    ),
  );
}

/** Inserts marker segments right after a JPEG's start-of-image marker. */
export const withJpegSegments = (jpeg: Buffer, segments: readonly Buffer[]): Buffer =>
  Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);

/** An 8-bit JPEG of the pixels (no profile, full-resolution chroma), with extra segments after SOI. */
export async function jpeg(pixels: Pixels, segments: readonly Buffer[] = []): Promise<Buffer> {
  if (pixels.depth !== 8) {
    throw new Error('JPEG holds 8-bit samples only');
  }
  const { width, height, channels } = pixels;
  const encoded = await sharp(Buffer.from(Uint8Array.from(pixels.samples)), {
    raw: { width, height, channels },
  })
    .toColourspace(channels < 3 ? 'b-w' : 'srgb') // sharp would otherwise write grey as three channels
    .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
    .toBuffer();
  return withJpegSegments(encoded, segments);
}

/** A solid CMYK TIFF (photometric "separated") of one ink mix, each ink 0..1, at 8 or 16 bits. */
export function cmykTiff(inks: readonly [number, number, number, number], depth: 8 | 16, size = 64): Buffer {
  const samples = new Uint16Array(size * size * 4).map((_, index) =>
    Math.round((inks[index % 4] ?? 0) * (2 ** depth - 1)),
  );
  const data = sampleBytes({ width: size, height: size, channels: 4, depth, samples }, true);
  const tags = (offset: number): TiffTag[] => [
    ...tiffImageTags({ width: size, height: size, channels: 3, depth, samples }, offset).filter(
      ({ tag }) => ![258, 262, 277, 279].includes(tag),
    ),
    { tag: 258, type: 3, values: [depth, depth, depth, depth] },
    { tag: 262, type: 3, values: [5] }, // separated: CMYK
    { tag: 277, type: 3, values: [4] },
    { tag: 279, type: 4, values: [data.length] },
  ];
  return tiffFile([{ data, tags }]);
}
