import * as z from '../../common/zod';
import { exactBytes, exactCount } from '../../common/text';
import type { ContainerFacts } from './scan/containerFacts';
import { scanContainer } from './scan/scanContainer';
import type { SupportedFormat } from './sniffFormat';
import { DEFAULT_THUMBNAIL_OPTIONS, type ThumbnailOptions } from './thumbnailOptions';
import { ImageRejectedError } from '../../common/errors';

const MEBIBYTE = 1024 * 1024;

/**
 * What one input may cost before a decoder is allowed near it. The pixel limit alone cannot bound
 * memory: a 0.5 MB PNG of hundreds of compressed text chunks inflates to 500 MB in libpng, a 35-byte
 * GIF can demand a 10000x10000 canvas, and an AVIF or a progressive JPEG is decoded whole.
 */
export const inputLimitsSchema = z.object({
  /** Ancillary data (text, ICC, EXIF, XMP, IPTC) as decoders hold it: a 16 MiB JPEG ICC profile fits. */
  maxMetadataBytes: z._default(z.wholeNumber(1), 16 * MEBIBYTE),
  /** Frames, pages or directories: decoders index them all before showing the first. */
  maxFrames: z._default(z.wholeNumber(1), 10_000),
  /** Working memory for decoding the first frame; the default fits a 512 MB function. */
  maxDecodeBytes: z._default(z.wholeNumber(1), 352 * MEBIBYTE),
});

export type InputLimits = z.output<typeof inputLimitsSchema>;

export const DEFAULT_INPUT_LIMITS: InputLimits = inputLimitsSchema.parse({});

/** Everything that decides whether, and how, an input is decoded: what the engine takes beside renditions. */
export type InputPolicy = Pick<ThumbnailOptions, 'maxInputBytes' | 'maxInputPixels' | 'failOn' | 'heic'> &
  InputLimits;

export const DEFAULT_INPUT_POLICY: InputPolicy = { ...DEFAULT_THUMBNAIL_OPTIONS, ...DEFAULT_INPUT_LIMITS };

const FORMAT_NAMES: Record<SupportedFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  tiff: 'TIFF',
  avif: 'AVIF',
  heic: 'HEIC',
};

function describeMetadata(metadata: ContainerFacts['metadata']): string {
  return Object.entries(metadata)
    .filter(([, bytes]) => bytes > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, bytes]) => `${kind} ${exactBytes(bytes)}`)
    .join(', ');
}

/** What the container says an input will cost, read once by a structural scan. */
export interface InputCost {
  readonly format: SupportedFormat;
  readonly facts: ContainerFacts;
}

export const scanInputCost = (
  input: Uint8Array,
  format: SupportedFormat,
  limits: InputLimits,
): InputCost => ({
  format,
  facts: scanContainer(input, format, limits),
});

/**
 * Refuses, with the numbers, an input whose metadata or frames would cost too much: checked before
 * sharp reads the header, since reading a PNG's header is what inflates its text.
 */
export function checkHeaderCost({ format, facts }: InputCost, limits: InputLimits): void {
  const name = FORMAT_NAMES[format];
  const metadata = Object.values(facts.metadata).reduce((sum, bytes) => sum + bytes, 0);
  if (metadata > limits.maxMetadataBytes) {
    throw new ImageRejectedError(
      'too-much-metadata',
      `${name} metadata takes at least ${exactBytes(metadata)} in memory (${describeMetadata(facts.metadata)}), above the ${exactCount(limits.maxMetadataBytes)}-byte metadata limit`,
    );
  }
  if (facts.frames > limits.maxFrames) {
    throw new ImageRejectedError(
      'too-many-frames',
      `${name} has at least ${exactCount(facts.frames)} frames or pages, above the ${exactCount(limits.maxFrames)}-frame limit (decoders index every one before showing the first)`,
    );
  }
}

/**
 * Refuses an input whose first frame would take more working memory to decode than the limit allows:
 * checked after the pixel limit, which says more plainly what is wrong with a declared 65535x65535.
 */
export function checkDecodeCost({ format, facts }: InputCost, limits: InputLimits): void {
  if (facts.decodeBytes > limits.maxDecodeBytes) {
    throw new ImageRejectedError(
      'too-much-memory',
      `decoding needs about ${exactBytes(facts.decodeBytes)} (${facts.decodeWhy ?? FORMAT_NAMES[format]}), above the ${exactCount(limits.maxDecodeBytes)}-byte decode memory limit`,
    );
  }
}
