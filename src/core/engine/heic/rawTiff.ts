/**
 * Decoded pixels wrapped as an uncompressed baseline TIFF, so that libvips reads them as it reads any
 * image: with the ICC profile the HEIC carried (an iPhone photo's Display P3), which raw pixels handed to
 * sharp could not carry, and so are converted into sRGB like every other input's. The pixels are copied
 * once, straight from where they were decoded.
 */

const TYPE = { short: 3, long: 4, undefined: 7 } as const;

interface Entry {
  readonly tag: number;
  readonly type: keyof typeof TYPE;
  readonly values: readonly number[] | Uint8Array;
}

const SIZE = { short: 2, long: 4, undefined: 1 } as const;

export interface TiffLayout {
  /** The whole file, its pixel area still to be filled. */
  readonly file: Buffer;
  /** Where the pixel rows go: `width * channels` bytes each, top to bottom. */
  readonly pixelsAt: number;
}

function entries(width: number, height: number, channels: 3 | 4, icc: Uint8Array | undefined): Entry[] {
  const list: Entry[] = [
    { tag: 256, type: 'long', values: [width] },
    { tag: 257, type: 'long', values: [height] },
    { tag: 258, type: 'short', values: Array<number>(channels).fill(8) },
    { tag: 259, type: 'short', values: [1] }, // no compression
    { tag: 262, type: 'short', values: [2] }, // RGB
    { tag: 273, type: 'long', values: [0] }, // the strip's offset, filled in below
    { tag: 277, type: 'short', values: [channels] },
    { tag: 278, type: 'long', values: [height] }, // one strip
    { tag: 279, type: 'long', values: [width * height * channels] },
    { tag: 284, type: 'short', values: [1] }, // interleaved
  ];
  if (channels === 4) list.push({ tag: 338, type: 'short', values: [2] }); // unassociated alpha
  if (icc) list.push({ tag: 34675, type: 'undefined', values: icc });
  return list;
}

/** Writes one number of an entry at `at`. */
function put(file: Buffer, type: Entry['type'], at: number, value: number): void {
  if (type === 'long') file.writeUInt32LE(value, at);
  else file.writeUInt16LE(value, at);
}

/** A little-endian TIFF of one strip, with room for the pixels after its directory and out-of-line values. */
export function tiffFor(width: number, height: number, channels: 3 | 4, icc?: Uint8Array): TiffLayout {
  const list = entries(width, height, channels, icc);
  const directoryBytes = 2 + list.length * 12 + 4;
  const outOfLine = list
    .map((entry) => entry.values.length * SIZE[entry.type])
    .map((bytes) => (bytes > 4 ? bytes + (bytes % 2) : 0));
  const pixelsAt = 8 + directoryBytes + outOfLine.reduce((sum, bytes) => sum + bytes, 0);
  const file = Buffer.alloc(pixelsAt + width * height * channels);
  file.write('II', 0, 'latin1');
  file.writeUInt16LE(42, 2);
  file.writeUInt32LE(8, 4);
  file.writeUInt16LE(list.length, 8);
  let extra = 8 + directoryBytes;
  list.forEach((entry, index) => {
    const at = 10 + index * 12;
    const values = entry.tag === 273 ? [pixelsAt] : entry.values;
    file.writeUInt16LE(entry.tag, at);
    file.writeUInt16LE(TYPE[entry.type], at + 2);
    file.writeUInt32LE(values.length, at + 4);
    const inline = (outOfLine[index] ?? 0) === 0;
    const base = inline ? at + 8 : extra;
    if (!inline) file.writeUInt32LE(extra, at + 8);
    if (values instanceof Uint8Array) file.set(values, base);
    else
      values.forEach((value, item) => {
        put(file, entry.type, base + item * SIZE[entry.type], value);
      });
    extra += outOfLine[index] ?? 0;
  });
  return { file, pixelsAt };
}
