/**
 * Edits of HEIF files made by heif-enc, for fixtures heif-enc cannot make: a rotated or mirrored image
 * (the `irot` and `imir` properties), a multi-image file whose primary is not its first image (`pitm`),
 * and a header declaring a huge size (`ispe`). Only what these files hold is handled: one `meta` box
 * before the `mdat`, item data at file offsets (construction method 0).
 */

interface Box {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** Where the payload starts (after the header, and a full box's version and flags). */
  readonly body: number;
}

const FULL_BOXES = new Set(['meta', 'pitm', 'iloc', 'ipma', 'ispe', 'iinf']);

function boxesIn(file: Buffer, from: number, to: number): Box[] {
  const found: Box[] = [];
  for (let at = from; at + 8 <= to;) {
    const size = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const end = size === 0 ? to : at + size;
    found.push({ type, start: at, end, body: at + 8 + (FULL_BOXES.has(type) ? 4 : 0) });
    at = end;
  }
  return found;
}

const child = (file: Buffer, parent: Box, type: string): Box => {
  const box = boxesIn(file, parent.body, parent.end).find((candidate) => candidate.type === type);
  if (!box) throw new Error(`no ${type} box in ${parent.type}`);
  return box;
};

const topLevel = (file: Buffer, type: string) =>
  child(file, { type: 'file', start: 0, end: file.length, body: 0 }, type);

/** A box of `type` around `payload`. */
function box(type: string, ...payload: Buffer[]): Buffer {
  const header = Buffer.alloc(8);
  const body = Buffer.concat(payload);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

const IMAGE_TYPES = new Set(['hvc1', 'grid', 'iden']);

/** The ids of the images shown (not hidden: a grid's tiles are), in the order stored. */
export function imageItems(file: Buffer): number[] {
  const iinf = child(file, topLevel(file, 'meta'), 'iinf');
  const entries = boxesIn(file, iinf.body + (file.readUInt8(iinf.start + 8) === 0 ? 2 : 4), iinf.end);
  return entries
    .filter((infe) => infe.type === 'infe' && (file.readUInt8(infe.start + 11) & 1) === 0)
    .filter((infe) => IMAGE_TYPES.has(file.toString('latin1', infe.start + 16, infe.start + 20)))
    .map((infe) => file.readUInt16BE(infe.start + 12));
}

/** The item id of the primary image. */
export function primaryItem(file: Buffer): number {
  const pitm = child(file, topLevel(file, 'meta'), 'pitm');
  return file.readUInt16BE(pitm.body);
}

/** The same file with `item` as its primary image. */
export function withPrimary(file: Buffer, item: number): Buffer {
  const edited = Buffer.from(file);
  edited.writeUInt16BE(item, child(edited, topLevel(edited, 'meta'), 'pitm').body);
  return edited;
}

/** The same file with every image declaring `width` x `height` (its pixels unchanged). */
export function declaringSize(file: Buffer, width: number, height: number): Buffer {
  const edited = Buffer.from(file);
  const ipco = child(edited, child(edited, topLevel(edited, 'meta'), 'iprp'), 'ipco');
  for (const ispe of boxesIn(edited, ipco.body, ipco.end).filter((candidate) => candidate.type === 'ispe')) {
    edited.writeUInt32BE(width, ispe.body);
    edited.writeUInt32BE(height, ispe.body + 4);
  }
  return edited;
}

/** ipma with `indices` (1-based, essential) added to `item`'s associations (version 0, 8-bit indices). */
function extendedIpma(file: Buffer, ipma: Box, item: number, indices: readonly number[]): Buffer {
  if ((file.readUInt32BE(ipma.start + 8) & 0xff000001) !== 0) throw new Error('only ipma version 0, flags 0');
  const parts: Buffer[] = [file.subarray(ipma.start + 8, ipma.body + 4)];
  let at = ipma.body + 4;
  for (let entry = 0; entry < file.readUInt32BE(ipma.body); entry += 1) {
    const id = file.readUInt16BE(at);
    const count = file.readUInt8(at + 2);
    const added = id === item ? indices.map((index) => 0x80 | index) : [];
    parts.push(
      Buffer.from([id >> 8, id & 0xff, count + added.length]),
      file.subarray(at + 3, at + 3 + count),
      Buffer.from(added),
    );
    at += 3 + count;
  }
  return box('ipma', ...parts);
}

/** Adds `delta` to the 4- or 8-byte big-endian offset at `at` (0 bytes: nothing stored there). */
function shiftOffset(copy: Buffer, at: number, size: number, delta: number): void {
  if (size === 4) copy.writeUInt32BE(copy.readUInt32BE(at) + delta, at);
  else if (size === 8) copy.writeBigUInt64BE(copy.readBigUInt64BE(at) + BigInt(delta), at);
}

/** iloc with every extent (and base) offset moved by `delta`: the mdat moved when meta grew. */
function shiftedIloc(file: Buffer, iloc: Box, delta: number): Buffer {
  const copy = Buffer.from(file.subarray(iloc.start, iloc.end));
  const version = copy.readUInt8(8);
  const packed = copy.readUInt16BE(12);
  const [offsetSize, lengthSize, baseSize, indexSize] = [
    packed >> 12,
    (packed >> 8) & 15,
    (packed >> 4) & 15,
    version >= 1 ? packed & 15 : 0,
  ];
  const idSize = version < 2 ? 2 : 4;
  let at = 14 + idSize;
  for (let item = 0; item < copy.readUIntBE(14, idSize); item += 1) {
    // Construction method 1 places data in idat, relative to it: only method 0's file offsets move.
    const moved = version === 0 || (copy.readUInt16BE(at + idSize) & 15) === 0 ? delta : 0;
    at += idSize + (version >= 1 ? 2 : 0) + 2; // id, construction method, data reference
    shiftOffset(copy, at, baseSize, moved);
    const extents = copy.readUInt16BE(at + baseSize);
    at += baseSize + 2;
    for (let extent = 0; extent < extents; extent += 1) {
      shiftOffset(copy, at + indexSize, baseSize === 0 ? offsetSize : 0, moved);
      at += indexSize + offsetSize + lengthSize;
    }
  }
  return copy;
}

/**
 * The same file with the primary image rotated `quarterTurns` x 90 degrees anticlockwise and then
 * mirrored (`imir` axis 0: top and bottom swap; 1: left and right), as a camera records a photo taken
 * sideways: the pixels stay as stored, the properties tell a decoder how to show them.
 */
export function withTransforms(file: Buffer, quarterTurns: number, mirrorAxis?: 0 | 1): Buffer {
  const meta = topLevel(file, 'meta');
  const iprp = child(file, meta, 'iprp');
  const ipco = child(file, iprp, 'ipco');
  const ipma = child(file, iprp, 'ipma');
  const existing = boxesIn(file, ipco.body, ipco.end).length;
  const properties = [box('irot', Buffer.from([quarterTurns & 3]))];
  if (mirrorAxis !== undefined) properties.push(box('imir', Buffer.from([mirrorAxis])));
  const indices = properties.map((_, index) => existing + 1 + index);
  const newIprp = box(
    'iprp',
    box('ipco', file.subarray(ipco.body, ipco.end), ...properties),
    extendedIpma(file, ipma, primaryItem(file), indices),
  );
  const delta = newIprp.length - (iprp.end - iprp.start);
  const metaChildren = boxesIn(file, meta.body, meta.end).map((part) => {
    if (part.type === 'iprp') return newIprp;
    if (part.type === 'iloc') return shiftedIloc(file, part, delta);
    return file.subarray(part.start, part.end);
  });
  const newMeta = box('meta', file.subarray(meta.start + 8, meta.body), ...metaChildren);
  return Buffer.concat([file.subarray(0, meta.start), newMeta, file.subarray(meta.end)]);
}
