import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export type Encoding = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif';

/** A solid-colour image in any encoding sharp writes. */
export function solidImage(
  width: number,
  height: number,
  encoding: Encoding = 'jpeg',
  background: sharp.Color = '#3366aa',
): Promise<Buffer> {
  const channels = typeof background === 'object' && 'alpha' in background ? 4 : 3;
  return sharp({ create: { width, height, channels, background } }).toFormat(encoding).toBuffer();
}

/**
 * A noisy, photo-like JPEG: compresses like a camera image, unlike a flat colour, so its decode cost is
 * realistic. The noise is seeded, so every run tests the same bytes (libvips' own noise is random, and
 * damage tests then passed or failed with the pixels).
 */
export function photoJpeg(width: number, height: number, seed = 1): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let index = 0; index < pixels.length; index += 1) {
    // xorshift32; the mean of two draws gives a bell-ish spread around olive green's channel values.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const base = index % 3 === 0 ? 107 : index % 3 === 1 ? 142 : 35;
    const value = base + (((state & 0xff) + ((state >>> 8) & 0xff)) >> 1) - 128;
    // Clamped by hand: Math.min and Math.max in Jest's sandbox made a 12 MP photo take 17 s, not 0.3 s.
    pixels[index] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export const QUADRANT_COLOURS = {
  topLeft: { r: 255, g: 0, b: 0 },
  topRight: { r: 0, g: 255, b: 0 },
  bottomLeft: { r: 0, g: 0, b: 255 },
  bottomRight: { r: 255, g: 255, b: 0 },
} as const;

/** Four coloured quadrants: every rotation and mirror of it looks different, which makes orientation testable. */
export async function quadrants(width: number, height: number): Promise<Buffer> {
  const [w, h] = [width / 2, height / 2];
  const tile = (background: sharp.Color) =>
    sharp({ create: { width: w, height: h, channels: 3, background } })
      .png()
      .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#000000' } })
    .composite([
      { input: await tile(QUADRANT_COLOURS.topLeft), left: 0, top: 0 },
      { input: await tile(QUADRANT_COLOURS.topRight), left: w, top: 0 },
      { input: await tile(QUADRANT_COLOURS.bottomLeft), left: 0, top: h },
      { input: await tile(QUADRANT_COLOURS.bottomRight), left: w, top: h },
    ])
    .png()
    .toBuffer();
}

/** An animated GIF with one solid frame per colour. */
export async function animatedGif(colours: readonly string[], width = 64, height = 48): Promise<Buffer> {
  const frames = await Promise.all(colours.map((colour) => solidImage(width, height, 'png', colour)));
  return sharp(frames, { join: { animated: true } })
    .gif()
    .toBuffer();
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/**
 * A decompression bomb: a valid PNG of about a kilobyte whose header declares `width` x `height` 8-bit
 * greyscale pixels (50000 x 50000 would need 2.5 GB decoded).
 */
export function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(width + 1))), // one row of the 50000
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real HEIC (HEVC-coded) image made with libheif's x265 encoder; sharp's libvips cannot decode it. */
export const sampleHeic = (): Buffer => readFileSync(join(__dirname, '..', 'fixtures', 'sample.heic'));

/** An image's upright size and mean colour, for asserting on outputs. */
export async function describeImage(image: Buffer) {
  const metadata = await sharp(image).metadata();
  const stats = await sharp(image).stats();
  const [r = -1, g = -1, b = -1] = stats.channels.map((channel) => Math.round(channel.mean));
  return {
    format: metadata.format,
    width: metadata.width,
    height: metadata.height,
    channels: metadata.channels,
    space: metadata.space,
    mean: { r, g, b },
    hasExif: metadata.exif !== undefined,
    hasIcc: metadata.icc !== undefined,
    hasXmp: metadata.xmp !== undefined,
  };
}

/** Overwrites part of a JPEG's entropy-coded data with 0xFF bytes: libjpeg warns "premature end of data segment". */
export function withDamagedScanData(jpeg: Buffer): Buffer {
  const damaged = Buffer.from(jpeg);
  const startOfScan = damaged.indexOf(Buffer.from([0xff, 0xda]));
  damaged.fill(0xff, startOfScan + 3000, startOfScan + 3200);
  return damaged;
}

/** Breaks a JPEG's first Huffman table definition (DHT) so that its code counts are impossible. */
export function withBogusHuffmanTable(jpeg: Buffer): Buffer {
  const damaged = Buffer.from(jpeg);
  const table = damaged.indexOf(Buffer.from([0xff, 0xc4]));
  damaged.fill(0xff, table + 5, table + 7);
  return damaged;
}
