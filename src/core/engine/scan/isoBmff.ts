import { Bytes, type ContainerFacts, MetadataTally } from './containerFacts';

interface Box {
  readonly type: string;
  /** Where the box's payload starts and ends. */
  readonly start: number;
  readonly end: number;
}

/** Boxes whose payload is more boxes; `meta` and `iinf` entries start after a version/flags word. */
const CONTAINERS: Record<string, number> = {
  meta: 4,
  iprp: 0,
  ipco: 0,
  moov: 0,
  trak: 0,
  mdia: 0,
  minf: 0,
  stbl: 0,
  iinf: -1,
};

/**
 * Measured: libheif with aom decodes an 8-bit AVIF in 19 bytes a pixel, 10 or 12 bits in 26. A HEIC,
 * decoded by libheif's WebAssembly build into 8-bit RGB, then read by libvips: 16 bytes a pixel at 8 bits,
 * 20 at 10 (npm run bench measures it).
 */
const BYTES_PER_PIXEL = { avif: [20, 27], heic: [16, 20] } as const;

/** The boxes the scan reads; others are only walked through. */
const WANTED = new Set(['iloc', 'infe', 'colr', 'ispe', 'pixi', 'stsz']);
/**
 * At most this many of them are kept, so that a file of millions of tiny boxes costs no memory here:
 * more items than the frame limit (10,000 by default) are refused anyway.
 */
const MAX_KEPT = 20_000;

/** The box at `at`, or undefined when what is there cannot be one. */
function readBox(bytes: Bytes, at: number, to: number): Box | undefined {
  const size = bytes.u32(at);
  const header = size === 1 ? 16 : 8;
  const end = size === 0 ? to : Math.min(to, at + (size === 1 ? bytes.uint(at + 8, 8) : size));
  return end < at + header ? undefined : { type: bytes.tag(at + 4), start: at + header, end };
}

/** Where a container's child boxes start: `iinf` has a version/flags word, then a 2- or 4-byte count. */
const childrenAt = (bytes: Bytes, box: Box, skip: number) =>
  box.start + (skip >= 0 ? skip : bytes.u8(box.start) === 0 ? 6 : 8);

/** Collects the wanted boxes between `from` and `to`, depth first, descending into containers. */
function collectBoxes(bytes: Bytes, from: number, to: number, found: Box[], depth = 0): void {
  for (let at = from; at + 8 <= to && found.length < MAX_KEPT;) {
    const box = readBox(bytes, at, to);
    if (!box) return;
    if (WANTED.has(box.type)) found.push(box);
    const skip = CONTAINERS[box.type];
    if (skip !== undefined && depth < 8)
      collectBoxes(bytes, childrenAt(bytes, box, skip), box.end, found, depth + 1);
    at = box.end;
  }
}

/** An item-info entry (infe, version 2 or 3): its id and whether it carries EXIF or XMP. */
function itemKind(bytes: Bytes, box: Box): [number, string | undefined] {
  const idSize = bytes.u8(box.start) >= 3 ? 4 : 2;
  const id = bytes.uint(box.start + 4, idSize);
  const typeAt = box.start + 4 + idSize + 2;
  const type = bytes.tag(typeAt);
  if (type === 'Exif') return [id, 'EXIF'];
  const xmp = type === 'mime' && bytes.text(typeAt + 4, box.end).includes('application/rdf+xml');
  return [id, xmp ? 'XMP' : undefined];
}

/** Field sizes of an item-location box (iloc), from its version and packed size nibbles. */
function ilocLayout(bytes: Bytes, box: Box) {
  const version = bytes.u8(box.start);
  const packed = bytes.u16(box.start + 4);
  return {
    idSize: version < 2 ? 2 : 4,
    offsetSize: packed >> 12,
    lengthSize: (packed >> 8) & 15,
    baseSize: (packed >> 4) & 15,
    indexSize: version >= 1 ? packed & 15 : 0,
    /** construction_method, in versions 1 and 2. */
    methodSize: version >= 1 ? 2 : 0,
  };
}

/** Sizes of each item's data from the item-location box (iloc), by item id. */
function itemSizes(bytes: Bytes, box: Box): Map<number, number> {
  const sizes = new Map<number, number>();
  const { idSize, offsetSize, lengthSize, baseSize, indexSize, methodSize } = ilocLayout(bytes, box);
  const count = bytes.uint(box.start + 6, idSize);
  let at = box.start + 6 + idSize;
  for (let item = 0; item < count && at < box.end; item += 1) {
    const id = bytes.uint(at, idSize);
    at += idSize + methodSize + 2 + baseSize; // id, construction method, data reference, base offset
    const extents = bytes.u16(at);
    at += 2;
    for (let extent = 0; extent < extents && at < box.end; extent += 1) {
      sizes.set(id, (sizes.get(id) ?? 0) + bytes.uint(at + indexSize + offsetSize, lengthSize));
      at += indexSize + offsetSize + lengthSize;
    }
  }
  return sizes;
}

/**
 * Walks an AVIF's or a HEIC's boxes. libheif decodes the primary image whole, at full size (there is no
 * shrink-on-load), and libvips copies the EXIF and XMP items and the ICC profile. The largest image
 * declared is taken as the primary's size: a grid's own size covers its tiles, and thumbnails and
 * auxiliary images are smaller, so a limit checked against it is never too lenient.
 */
export function scanIsoBmff(bytes: Bytes, format: 'avif' | 'heic'): ContainerFacts {
  const found: Box[] = [];
  collectBoxes(bytes, 0, bytes.length, found);
  const tally = new MetadataTally();
  const location = found.find((box) => box.type === 'iloc');
  const sizes = location ? itemSizes(bytes, location) : new Map<number, number>();
  const items = found.filter((box) => box.type === 'infe');
  for (const [id, kind] of items.map((box) => itemKind(bytes, box))) {
    if (kind) tally.add(kind, sizes.get(id) ?? 0);
  }
  for (const colour of found.filter((box) => box.type === 'colr')) {
    if (['prof', 'rICC'].includes(bytes.tag(colour.start))) {
      tally.add('ICC profile', Math.max(0, colour.end - colour.start - 4));
    }
  }
  const largest = (type: string, value: (box: Box) => number) =>
    found.filter((box) => box.type === type).reduce((max, box) => Math.max(max, value(box)), 0);
  // The largest image is the primary one (a grid's own size covers its tiles); pixi gives bits per channel.
  const width = largest('ispe', (box) => bytes.u32(box.start + 4));
  const height = largest('ispe', (box) => bytes.u32(box.start + 8));
  const depth = largest('pixi', (box) => bytes.u8(box.start + 5));
  const [eightBit, deeper] = BYTES_PER_PIXEL[format];
  return {
    metadata: tally.sizes,
    frames: Math.max(
      1,
      items.length,
      largest('stsz', (box) => bytes.u32(box.start + 8)),
    ),
    declared: { width, height },
    decodeBytes: width * height * (depth > 8 ? deeper : eightBit),
    decodeWhy: `an ${format.toUpperCase()} is decoded whole, at full size, here ${width}x${height}${depth > 8 ? ` at ${depth} bits` : ''}`,
  };
}
