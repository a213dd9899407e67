import { Bytes, type ContainerFacts, MetadataTally } from './containerFacts';

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly progressive: boolean;
  /** Horizontal and vertical sampling factors of each component. */
  readonly sampling: ReadonlyArray<readonly [number, number]>;
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const PROGRESSIVE = new Set([0xc2, 0xc6, 0xca, 0xce]);
/** Markers with no length field: TEM, RST0-7, SOI, EOI. */
const STANDALONE = new Set([0x01, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9]);

const startsWith = (data: Uint8Array, text: string) =>
  Buffer.from(data.subarray(0, text.length)).toString('latin1') === text;

/** The segments libvips asks libjpeg to keep (APP1, APP2, APP13, APP14), by what they carry. */
function metadataKind(marker: number, data: Uint8Array): string | undefined {
  switch (marker) {
    case 0xe1:
      if (startsWith(data, 'Exif\0')) return 'EXIF';
      return startsWith(data, 'http://ns.adobe.com/') ? 'XMP' : 'APP1 segments';
    case 0xe2:
      return startsWith(data, 'ICC_PROFILE\0') ? 'ICC profile' : 'APP2 segments';
    case 0xed:
      return 'IPTC';
    case 0xee:
      return 'APP14 segments';
    default:
      return undefined;
  }
}

function readFrame(bytes: Bytes, at: number, marker: number): Frame {
  const sampling = Array.from({ length: bytes.u8(at + 9) }, (_, index) => {
    const factors = bytes.u8(at + 11 + index * 3);
    return [factors >> 4 || 1, factors & 15 || 1] as const;
  });
  return {
    height: bytes.u16(at + 5),
    width: bytes.u16(at + 7),
    progressive: PROGRESSIVE.has(marker),
    sampling,
  };
}

/** Where the entropy-coded data after a scan header ends: the next marker that is not a restart. */
function endOfScan(data: Uint8Array, from: number): number {
  for (let at = data.indexOf(0xff, from); at >= 0; at = data.indexOf(0xff, at + 1)) {
    const next = data[at + 1];
    if (next !== undefined && next !== 0x00 && next !== 0xff && (next < 0xd0 || next > 0xd7)) {
      return at;
    }
  }
  return data.length;
}

/**
 * A progressive (or multi-scan) JPEG cannot be decoded scan by scan: libjpeg keeps every DCT
 * coefficient of the image, two bytes a sample, whatever scale it decodes at.
 */
function decodeCost(
  frame: Frame | undefined,
  scans: number,
): Pick<ContainerFacts, 'decodeBytes' | 'decodeWhy'> {
  if (!frame || (!frame.progressive && scans <= 1)) {
    return { decodeBytes: 0 };
  }
  const maxH = Math.max(...frame.sampling.map(([h]) => h));
  const maxV = Math.max(...frame.sampling.map(([, v]) => v));
  const samples = frame.sampling.reduce((sum, [h, v]) => sum + (h / maxH) * (v / maxV), 0);
  return {
    decodeBytes: Math.ceil(frame.width * frame.height * samples * 2),
    decodeWhy: `a ${frame.progressive ? 'progressive' : 'multi-scan'} JPEG keeps every DCT coefficient while decoding`,
  };
}

interface Walk {
  readonly tally: MetadataTally;
  frame?: Frame;
  scans: number;
}

/** Reads the segment of `marker` at `at` into the walk; returns where the next marker is. */
function readSegment(bytes: Bytes, at: number, marker: number, walk: Walk): number {
  const end = at + 2 + bytes.u16(at + 2);
  const kind = metadataKind(marker, bytes.slice(at + 4, end));
  if (kind) walk.tally.add(kind, Math.max(0, Math.min(end, bytes.length) - at - 4));
  if (SOF.has(marker)) walk.frame ??= readFrame(bytes, at, marker);
  if (marker !== 0xda) return end;
  walk.scans += 1;
  return endOfScan(bytes.data, end);
}

/** Walks a JPEG's markers, all of them: metadata segments may also sit between progressive scans. */
export function scanJpeg(bytes: Bytes): ContainerFacts {
  const walk: Walk = { tally: new MetadataTally(), scans: 0 };
  for (let at = 2; bytes.has(at, 2);) {
    const marker = bytes.u8(at + 1);
    if (bytes.u8(at) !== 0xff || marker === 0xff || STANDALONE.has(marker)) {
      if (marker === 0xd9) break;
      at += bytes.u8(at) === 0xff && marker !== 0xff ? 2 : 1; // a standalone marker, or fill bytes
      continue;
    }
    at = readSegment(bytes, at, marker, walk);
  }
  return { metadata: walk.tally.sizes, frames: 1, ...decodeCost(walk.frame, walk.scans) };
}
