/**
 * What a structural scan of an image container learnt before any decoder ran: enough to know how much
 * memory decoding it will take, which the pixel count alone does not say.
 */
export interface ContainerFacts {
  /**
   * Ancillary data decoders keep in memory while they read the header, in bytes as they hold it
   * (compressed PNG text inflated), by kind: "text chunks", "ICC profile", "EXIF", "XMP", ...
   */
  readonly metadata: Readonly<Record<string, number>>;
  /** Frames, pages or directories the decoder walks through, even to show only the first. */
  readonly frames: number;
  /** Memory a decoder needs beyond streaming rows, for the first frame at full size; 0 when it streams. */
  readonly decodeBytes: number;
  /** Why it needs that memory, for the refusal message, e.g. "a progressive JPEG keeps every coefficient". */
  readonly decodeWhy?: string;
  /** The size the container declares, where the scan reads it (ISO-BMFF's largest `ispe`). */
  readonly declared?: { readonly width: number; readonly height: number };
}

/** Accumulates metadata sizes by kind. */
export class MetadataTally {
  readonly sizes: Record<string, number> = {};

  add(kind: string, bytes: number): void {
    this.sizes[kind] = (this.sizes[kind] ?? 0) + bytes;
  }

  total(): number {
    return Object.values(this.sizes).reduce((sum, bytes) => sum + bytes, 0);
  }
}

/**
 * A container read with every offset checked: a read past the end gives 0, never garbage or an
 * exception, so a truncated file simply ends the walk (the decoder then reports the damage).
 */
export class Bytes {
  private readonly view: DataView;

  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get length(): number {
    return this.data.length;
  }

  has(offset: number, bytes: number): boolean {
    return offset >= 0 && offset + bytes <= this.data.length;
  }

  u8(offset: number): number {
    return this.has(offset, 1) ? this.view.getUint8(offset) : 0;
  }

  u16(offset: number, littleEndian = false): number {
    return this.has(offset, 2) ? this.view.getUint16(offset, littleEndian) : 0;
  }

  u24le(offset: number): number {
    return this.u16(offset, true) + this.u8(offset + 2) * 65536;
  }

  u32(offset: number, littleEndian = false): number {
    return this.has(offset, 4) ? this.view.getUint32(offset, littleEndian) : 0;
  }

  /** An unsigned integer of 0, 1, 2, 4 or 8 bytes (above 2^53 it loses precision, harmlessly here). */
  uint(offset: number, size: number, littleEndian = false): number {
    if (size !== 8) {
      return size === 4
        ? this.u32(offset, littleEndian)
        : size === 2
          ? this.u16(offset, littleEndian)
          : size === 1
            ? this.u8(offset)
            : 0;
    }
    const [low, high] = littleEndian ? [offset, offset + 4] : [offset + 4, offset];
    return this.u32(high, littleEndian) * 2 ** 32 + this.u32(low, littleEndian);
  }

  /** Four bytes as a latin1 string (a chunk or box type). */
  tag(offset: number): string {
    return this.text(offset, offset + 4);
  }

  text(offset: number, end: number): string {
    return Buffer.from(this.slice(offset, end)).toString('latin1');
  }

  slice(offset: number, end: number): Uint8Array {
    return this.data.subarray(Math.max(0, offset), Math.max(0, Math.min(end, this.data.length)));
  }
}
