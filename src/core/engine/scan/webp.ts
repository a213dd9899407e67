import { Bytes, type ContainerFacts, MetadataTally } from './containerFacts';

const METADATA: Record<string, string> = { ICCP: 'ICC profile', EXIF: 'EXIF', 'XMP ': 'XMP' };
/** Measured: an animated WebP composes each frame on a canvas of 4.4 bytes a pixel (libvips 8.18). */
const CANVAS_BYTES_PER_PIXEL = 4.5;
const ANIMATED = 0x02;

interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly animated: boolean;
}

const readCanvas = (bytes: Bytes, at: number): Canvas => ({
  animated: (bytes.u8(at) & ANIMATED) !== 0,
  width: bytes.u24le(at + 4) + 1,
  height: bytes.u24le(at + 7) + 1,
});

function decodeCost(canvas: Canvas | undefined): Pick<ContainerFacts, 'decodeBytes' | 'decodeWhy'> {
  if (!canvas?.animated) {
    return { decodeBytes: 0 };
  }
  return {
    decodeBytes: Math.ceil(canvas.width * canvas.height * CANVAS_BYTES_PER_PIXEL),
    decodeWhy: `an animated WebP is composed on its whole canvas, here ${canvas.width}x${canvas.height}`,
  };
}

/**
 * Walks a WebP's RIFF chunks. libwebp's demuxer indexes every frame (ANMF) before the first is shown,
 * libvips copies the ICC, EXIF and XMP chunks, and an animation is composed on its full canvas.
 */
export function scanWebp(bytes: Bytes): ContainerFacts {
  const tally = new MetadataTally();
  let frames = 0;
  let canvas: Canvas | undefined;
  for (let at = 12; bytes.has(at, 8); at += 8 + bytes.u32(at + 4, true) + (bytes.u32(at + 4, true) % 2)) {
    const type = bytes.tag(at);
    const kind = METADATA[type];
    if (kind) tally.add(kind, Math.min(bytes.u32(at + 4, true), bytes.length - at - 8));
    if (type === 'ANMF') frames += 1;
    if (type === 'VP8X') canvas = readCanvas(bytes, at + 8);
  }
  return { metadata: tally.sizes, frames: Math.max(1, frames), ...decodeCost(canvas) };
}
