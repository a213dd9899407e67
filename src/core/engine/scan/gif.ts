import { Bytes, type ContainerFacts } from './containerFacts';

/** Measured: libnsgif composes frames on a canvas of 4.4 bytes a pixel (libvips 8.18). */
const CANVAS_BYTES_PER_PIXEL = 4.5;

/** The offset after a run of data sub-blocks (each a length byte and that many bytes; 0 ends them). */
function skipSubBlocks(bytes: Bytes, from: number): number {
  let at = from;
  while (bytes.has(at, 1) && bytes.u8(at) > 0) {
    at += 1 + bytes.u8(at);
  }
  return at + 1;
}

/** Size in bytes of a colour table announced by a packed-fields byte, or 0. */
const colourTable = (flags: number) => (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);

/**
 * Walks a GIF's blocks. libnsgif indexes every frame before it shows the first, and composes frames on
 * a canvas as large as the frames reach, whatever the logical screen says: one pixel placed at
 * (9999, 9999) makes a 10000x10000 canvas.
 */
export function scanGif(bytes: Bytes): ContainerFacts {
  let frames = 0;
  let [right, bottom] = [0, 0];
  let at = 13 + colourTable(bytes.u8(10));
  while (bytes.has(at, 1)) {
    const block = bytes.u8(at);
    if (block === 0x21) {
      at = skipSubBlocks(bytes, at + 2);
    } else if (block === 0x2c) {
      frames += 1;
      right = Math.max(right, bytes.u16(at + 1, true) + bytes.u16(at + 5, true));
      bottom = Math.max(bottom, bytes.u16(at + 3, true) + bytes.u16(at + 7, true));
      at = skipSubBlocks(bytes, at + 10 + colourTable(bytes.u8(at + 9)) + 1);
    } else {
      break; // the trailer, or damage the decoder will report
    }
  }
  const decodeBytes = Math.ceil(right * bottom * CANVAS_BYTES_PER_PIXEL);
  return {
    metadata: {},
    frames: Math.max(1, frames),
    decodeBytes,
    decodeWhy: `a GIF is composed on a canvas as large as its frames reach, here ${right}x${bottom}`,
  };
}
