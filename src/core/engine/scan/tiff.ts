import { Bytes, type ContainerFacts, MetadataTally } from './containerFacts';

/** Bytes per value of each TIFF field type (1 BYTE ... 18 IFD8). */
const TYPE_BYTES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};

const TAG_KINDS: Record<number, string> = {
  700: 'XMP',
  34675: 'ICC profile',
  33723: 'IPTC',
  34377: 'Photoshop',
};

/** Classic TIFF (4-byte offsets, 12-byte entries) or BigTIFF (8-byte offsets and counts, 20-byte entries). */
interface Layout {
  readonly little: boolean;
  readonly offsetSize: 4 | 8;
  /** Size of a directory's entry count. */
  readonly countSize: 2 | 8;
  readonly entrySize: 12 | 20;
}

function layoutOf(bytes: Bytes): Layout {
  const little = bytes.u8(0) === 0x49;
  return bytes.u16(2, little) === 43
    ? { little, offsetSize: 8, countSize: 8, entrySize: 20 }
    : { little, offsetSize: 4, countSize: 2, entrySize: 12 };
}

/** Adds the size of every tag value of one directory (what libtiff reads into memory) to the tally. */
function tallyTags(bytes: Bytes, at: number, layout: Layout, tally: MetadataTally): void {
  const { little, offsetSize, countSize, entrySize } = layout;
  const entries = bytes.uint(at, countSize, little);
  for (
    let entry = at + countSize;
    entry < at + countSize + entries * entrySize && bytes.has(entry, entrySize);
    entry += entrySize
  ) {
    const tag = bytes.u16(entry, little);
    const size = bytes.uint(entry + 4, offsetSize, little) * (TYPE_BYTES[bytes.u16(entry + 2, little)] ?? 1);
    // A value that fits the entry is stored in it; none can be larger than the file that holds it.
    tally.add(TAG_KINDS[tag] ?? 'TIFF tags', size <= offsetSize ? 0 : Math.min(size, bytes.length));
  }
}

/** The offset of the directory after the one at `at`; 0 ends the chain. */
function nextDirectory(
  bytes: Bytes,
  at: number,
  { little, offsetSize, countSize, entrySize }: Layout,
): number {
  return bytes.uint(at + countSize + bytes.uint(at, countSize, little) * entrySize, offsetSize, little);
}

/**
 * Walks a TIFF's chain of directories (IFDs), counting them (libvips walks them all to count pages,
 * which takes seconds for 100,000) no further than `maxFrames + 1`, and the tag values of the first
 * one, which libtiff reads into memory. Rows are streamed strip by strip, so decoding needs no more.
 */
export function scanTiff(bytes: Bytes, maxFrames: number): ContainerFacts {
  const layout = layoutOf(bytes);
  const tally = new MetadataTally();
  const seen = new Set<number>();
  let at = bytes.uint(layout.offsetSize === 8 ? 8 : 4, layout.offsetSize, layout.little);
  while (at > 0 && bytes.has(at, 2) && !seen.has(at) && seen.size <= maxFrames) {
    if (seen.size === 0) tallyTags(bytes, at, layout, tally);
    seen.add(at);
    at = nextDirectory(bytes, at, layout);
  }
  return { metadata: tally.sizes, frames: Math.max(1, seen.size), decodeBytes: 0 };
}
