import { inflateSync } from 'node:zlib';
import { Bytes, type ContainerFacts, MetadataTally } from './containerFacts';

/**
 * How many bytes a zlib stream inflates to, counting no further than `cap`: the answer is `cap + 1` for
 * anything larger, so a bomb costs at most `cap` bytes of work to measure. A stream that is not valid
 * zlib inflates to nothing here, as in the decoder, which gives up on it.
 */
function inflatedSize(compressed: Uint8Array, cap: number): number {
  try {
    return inflateSync(compressed, { maxOutputLength: Math.max(1, cap + 1) }).length;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? cap + 1 : 0;
  }
}

/** Samples per pixel as the decoder delivers them, by PNG colour type (a palette becomes RGB). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

interface Header {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colourType: number;
  readonly interlaced: boolean;
}

/** The index of the first NUL at or after `from`, or -1. */
const nul = (data: Uint8Array, from: number): number => data.indexOf(0, from);

/**
 * The text a text chunk holds as the decoder keeps it: tEXt as is, zTXt inflated, iTXt inflated when its
 * compression flag is set. `cap` bounds the inflation work.
 */
function textBytes(type: string, data: Uint8Array, cap: number): number {
  const keywordEnd = nul(data, 0);
  if (type === 'tEXt' || keywordEnd < 0) {
    return data.length;
  }
  if (type === 'zTXt') {
    return keywordEnd + inflatedSize(data.subarray(keywordEnd + 2), cap);
  }
  const compressed = data[keywordEnd + 1] === 1;
  const languageEnd = nul(data, keywordEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : nul(data, languageEnd + 1);
  if (!compressed || translatedEnd < 0) {
    return data.length;
  }
  return translatedEnd + inflatedSize(data.subarray(translatedEnd + 1), cap);
}

/** An iCCP chunk's profile, inflated: name, NUL, method byte, zlib data. */
function profileBytes(data: Uint8Array, cap: number): number {
  const nameEnd = nul(data, 0);
  return nameEnd < 0 ? 0 : inflatedSize(data.subarray(nameEnd + 2), cap);
}

function readHeader(bytes: Bytes, at: number): Header {
  return {
    width: bytes.u32(at),
    height: bytes.u32(at + 4),
    depth: bytes.u8(at + 8),
    colourType: bytes.u8(at + 9),
    interlaced: bytes.u8(at + 12) === 1,
  };
}

/** Adam7-interlaced rows cannot be streamed: the decoder holds the whole image at once. */
function decodeCost(
  header: Header | undefined,
  transparency: boolean,
): Pick<ContainerFacts, 'decodeBytes' | 'decodeWhy'> {
  if (!header?.interlaced) {
    return { decodeBytes: 0 };
  }
  const alpha = header.colourType === 3 && transparency ? 1 : 0;
  const channels = (CHANNELS[header.colourType] ?? 4) + alpha;
  const bytesPerPixel = channels * (header.depth === 16 ? 2 : 1);
  // Measured: 10% over the pixels themselves (libvips 8.18, 100 MP RGB: 327 MB).
  return {
    decodeBytes: Math.ceil(header.width * header.height * bytesPerPixel * 1.1),
    decodeWhy: 'an interlaced PNG is decoded whole, not row by row',
  };
}

/** Where each metadata chunk's bytes go, and how many the decoder holds for it. */
const METADATA_CHUNKS: Record<string, { kind: string; bytes: (data: Uint8Array, cap: number) => number }> = {
  tEXt: { kind: 'text chunks', bytes: (data, cap) => textBytes('tEXt', data, cap) },
  zTXt: { kind: 'text chunks', bytes: (data, cap) => textBytes('zTXt', data, cap) },
  iTXt: { kind: 'text chunks', bytes: (data, cap) => textBytes('iTXt', data, cap) },
  iCCP: { kind: 'ICC profile', bytes: profileBytes },
  eXIf: { kind: 'EXIF', bytes: (data) => data.length },
};

/**
 * Walks a PNG's chunks. Text and ICC chunks are what libpng keeps, inflated, while it reads the header
 * (and sharp then copies the text again); everything else it skips or streams.
 */
export function scanPng(bytes: Bytes, budget: number): ContainerFacts {
  const tally = new MetadataTally();
  let header: Header | undefined;
  let transparency = false;
  for (let at = 8; bytes.has(at, 8); at += 12 + bytes.u32(at)) {
    const type = bytes.tag(at + 4);
    const data = bytes.slice(at + 8, at + 8 + bytes.u32(at));
    const metadata = METADATA_CHUNKS[type];
    if (metadata) tally.add(metadata.kind, metadata.bytes(data, Math.max(0, budget - tally.total())));
    if (type === 'IHDR') header = readHeader(bytes, at + 8);
    if (type === 'tRNS') transparency = true;
    if (type === 'IEND') break;
  }
  return { metadata: tally.sizes, frames: 1, ...decodeCost(header, transparency) };
}
