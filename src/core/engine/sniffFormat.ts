/**
 * Identifies an input by its leading bytes, never by its name. The answer decides whether the bytes are
 * handed to a decoder at all, so anything not positively recognised as a supported format is refused.
 */

/** Formats the engine decodes (HEIC through libheif's WebAssembly build, unless turned off). */
export type SupportedFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' | 'heic';

/** Formats we recognise only to refuse them with a precise reason. */
export type RefusedFormat =
  'svg' | 'pdf' | 'bmp' | 'psd' | 'jxl' | 'jp2' | 'ico' | 'qoi' | 'exr' | 'hdr' | 'dds';

/** How people call each refused format, for the message that says it is not supported. */
export const REFUSED_FORMAT_NAMES: Record<RefusedFormat, string> = {
  svg: 'SVG',
  pdf: 'PDF',
  bmp: 'BMP',
  psd: 'PSD (Photoshop)',
  jxl: 'JPEG XL',
  jp2: 'JPEG 2000',
  ico: 'ICO (Windows icon)',
  qoi: 'QOI',
  exr: 'OpenEXR',
  hdr: 'Radiance HDR',
  dds: 'DDS (DirectDraw surface)',
};

export type Sniffed =
  | { readonly kind: 'supported'; readonly format: SupportedFormat }
  | { readonly kind: 'refused'; readonly format: RefusedFormat }
  | { readonly kind: 'unknown' };

type Signature = { readonly offset: number; readonly bytes: readonly number[] };

const ascii = (text: string): number[] => Array.from(text, (char) => char.charCodeAt(0));

const supported = (format: SupportedFormat): Sniffed => ({ kind: 'supported', format });
const refused = (format: RefusedFormat): Sniffed => ({ kind: 'refused', format });

const SIGNATURES: ReadonlyArray<{ result: Sniffed; all: readonly Signature[] }> = [
  { result: supported('jpeg'), all: [{ offset: 0, bytes: [0xff, 0xd8, 0xff] }] },
  { result: supported('png'), all: [{ offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] }] },
  { result: supported('gif'), all: [{ offset: 0, bytes: ascii('GIF87a') }] },
  { result: supported('gif'), all: [{ offset: 0, bytes: ascii('GIF89a') }] },
  {
    result: supported('webp'),
    all: [
      { offset: 0, bytes: ascii('RIFF') },
      { offset: 8, bytes: ascii('WEBP') },
    ],
  },
  { result: supported('tiff'), all: [{ offset: 0, bytes: [0x49, 0x49, 0x2a, 0x00] }] },
  { result: supported('tiff'), all: [{ offset: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a] }] },
  { result: supported('tiff'), all: [{ offset: 0, bytes: [0x49, 0x49, 0x2b, 0x00] }] }, // BigTIFF
  { result: refused('pdf'), all: [{ offset: 0, bytes: ascii('%PDF-') }] },
  { result: refused('bmp'), all: [{ offset: 0, bytes: ascii('BM') }] },
  { result: refused('psd'), all: [{ offset: 0, bytes: ascii('8BPS') }] },
  { result: refused('jxl'), all: [{ offset: 0, bytes: [0xff, 0x0a] }] },
  {
    result: refused('jxl'),
    all: [{ offset: 0, bytes: [0, 0, 0, 0x0c, ...ascii('JXL '), 0x0d, 0x0a, 0x87, 0x0a] }],
  },
  {
    result: refused('jp2'),
    all: [{ offset: 0, bytes: [0, 0, 0, 0x0c, ...ascii('jP  '), 0x0d, 0x0a, 0x87, 0x0a] }],
  },
  { result: refused('jp2'), all: [{ offset: 0, bytes: [0xff, 0x4f, 0xff, 0x51] }] },
  { result: refused('qoi'), all: [{ offset: 0, bytes: ascii('qoif') }] },
  { result: refused('exr'), all: [{ offset: 0, bytes: [0x76, 0x2f, 0x31, 0x01] }] },
  { result: refused('hdr'), all: [{ offset: 0, bytes: ascii('#?RADIANCE') }] },
  { result: refused('hdr'), all: [{ offset: 0, bytes: ascii('#?RGBE') }] },
  { result: refused('dds'), all: [{ offset: 0, bytes: ascii('DDS ') }] },
];

/**
 * ICO and CUR: a 6-byte header (0, type 1 or 2, an image count) is too short a signature alone, so the
 * first directory entry must look like one too (reserved byte 0, 0 or 1 colour planes for an icon).
 */
function looksLikeIcon(input: Uint8Array): boolean {
  const type = input[2];
  const header = matches(input, { offset: 0, bytes: [0, 0, type === 2 ? 2 : 1, 0] });
  const count = ((input[4] ?? 0) | ((input[5] ?? 0) << 8)) > 0;
  const entry = input[9] === 0 && (type === 2 || (input[10] ?? 2) <= 1);
  return input.length >= 22 && header && count && entry;
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

function matches(input: Uint8Array, { offset, bytes }: Signature): boolean {
  return bytes.every((byte, index) => input[offset + index] === byte);
}

/** ISO-BMFF (`ftyp` box) brands: the major brand and every compatible brand. */
function isoBrands(input: Uint8Array): string[] {
  if (input.length < 12 || !matches(input, { offset: 4, bytes: ascii('ftyp') })) {
    return [];
  }
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const boxEnd = Math.min(view.getUint32(0), input.length);
  const brands = [Buffer.from(input.subarray(8, 12)).toString('latin1')];
  // Compatible brands follow the 4-byte minor version at offset 12.
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4) {
    brands.push(Buffer.from(input.subarray(offset, offset + 4)).toString('latin1'));
  }
  return brands;
}

/** SVG is text: an optional BOM, XML prolog, comments or doctype, then an `<svg` element. */
function looksLikeSvg(input: Uint8Array): boolean {
  const head = Buffer.from(input.subarray(0, 4096))
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  return /^\s*</.test(head) && /<svg[\s>]/i.test(head);
}

export function sniffFormat(input: Uint8Array): Sniffed {
  const signed = SIGNATURES.find(({ all }) => all.every((signature) => matches(input, signature)));
  if (signed) {
    return signed.result;
  }
  const brands = isoBrands(input);
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) {
    return supported('avif');
  }
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) {
    return supported('heic');
  }
  if (looksLikeIcon(input)) {
    return refused('ico');
  }
  return looksLikeSvg(input) ? refused('svg') : { kind: 'unknown' };
}
