import { messageOf } from '../../common/errors';
import { withDetail } from '../../common/text';
import type { SupportedFormat } from './sniffFormat';

/**
 * What a decoder said about one input, kept only when it is about that input. libvips keeps one error
 * buffer per process, and sharp reads it after a failure, so when files decode at once the text of one
 * can land on another (lovell/sharp#902, libvips/libvips#707): a JPEG was reported with libpng's error,
 * and a PNG with "Unknown error" or an empty detail. libvips prefixes its lines with the loader's name,
 * so only lines that name this format's loader, and no other, are kept; sharp's own words before them
 * ("Input buffer has corrupt header") are per call and always kept.
 */

/** How each loader names itself in libvips' lines (VipsJpeg, jpegload, vipspng, heifload, tiff2vips...). */
const LOADER_NAMES: Record<SupportedFormat, RegExp> = {
  jpeg: /jpe?g/i,
  // libpng names a damaged chunk by its type: `IHDR: CRC error`.
  png: /png|\b(?:IHDR|IDAT|PLTE|IEND|tRNS|iCCP|sRGB|gAMA|cHRM|zTXt|iTXt|tEXt|eXIf|acTL|fcTL|fdAT)\b/,
  webp: /webp/i,
  gif: /gif/i,
  tiff: /tiff/i,
  avif: /heif|avif/i,
  heic: /heif|heic/i,
};
const ANY_LOADER = /jpe?g|png|webp|gif|tiff|heif|avif|svg|pdf|magick|jxl|jp2k|openslide|\b(?:IHDR|IDAT)\b/i;

// libvips reports a decoder warning refused by failOn without the warning itself (a bad PNG checksum,
// say); without a translation the log would only say that a setting was applied.
const FAIL_ON_WARNING = 'Warning treated as error due to failOn setting';
const DAMAGED_DATA =
  'the decoder warned of damaged data (such as a bad checksum); DECODE_FAIL_ON=warning refuses it';

/** Text that says nothing of the input: sharp's placeholder for an empty libvips buffer. */
const EMPTY = /^(unknown error|vips error)?$/i;

const belongs = (line: string, format: SupportedFormat): boolean =>
  LOADER_NAMES[format].test(line) && !line.split(LOADER_NAMES[format]).some((rest) => ANY_LOADER.test(rest));

/** sharp's sentence and libvips' lines: `Input buffer has corrupt header: vipspng: libpng read error`. */
function split(message: string): { own?: string; lines: string[] } {
  const [first = '', ...rest] = message.split('\n').map((line) => line.trim());
  const sentence = /^(Input (?:buffer|file) [^:]*)(?::\s*(.*))?$/.exec(first);
  if (sentence?.[1] !== undefined) {
    return { own: sentence[1], lines: [sentence[2] ?? '', ...rest] };
  }
  return { lines: [first, ...rest] };
}

/**
 * The detail of a decode failure of an input sniffed as `format`: sharp's words and the first libvips
 * line that is about this format's loader, or `undefined` when nothing said is known to be about it.
 */
export function decoderDetail(error: unknown, format: SupportedFormat): string | undefined {
  const message = messageOf(error);
  const { own, lines } = split(message);
  const line = lines.find((candidate) => !EMPTY.test(candidate) && belongs(candidate, format));
  // The failOn line names no loader, so it is this input's only beside a line that is.
  if (message.includes(FAIL_ON_WARNING) && line !== undefined) {
    return DAMAGED_DATA;
  }
  const parts = [own, line].filter((part): part is string => part !== undefined && !EMPTY.test(part));
  return parts.length === 0 ? undefined : parts.join(': ');
}

/** `cannot decode jpeg: <detail>`, with words of our own when no detail is known to be this input's. */
export const decodeFailure = (what: string, error: unknown, format: SupportedFormat): string =>
  withDetail(what, decoderDetail(error, format) ?? OWN_DETAIL);

const OWN_DETAIL = 'the data is damaged or cut short (the decoder gave no detail for this file)';
