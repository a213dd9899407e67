import { createHash } from 'node:crypto';
import * as z from '../../common/zod';

/** Output encodings, with what S3 and browsers need to know about each. */
export const OUTPUT_FORMATS = {
  jpeg: { extension: 'jpg', contentType: 'image/jpeg' },
  webp: { extension: 'webp', contentType: 'image/webp' },
  avif: { extension: 'avif', contentType: 'image/avif' },
} as const;

export type OutputFormat = keyof typeof OUTPUT_FORMATS;

const MEBIBYTE = 1024 * 1024;

/**
 * Every engine setting, its default and its bounds. Numbers are coerced so the same schema serves
 * environment variables and command-line flags (both strings) as well as code.
 */
export const thumbnailOptionsSchema = z.object({
  width: z._default(z.wholeNumber(1, 4096), 256),
  height: z._default(z.wholeNumber(1, 4096), 256),
  /** `inside` keeps the whole picture within the box; `cover` fills the box and crops the overflow. */
  fit: z._default(z.enum(['inside', 'cover']), 'inside'),
  format: z._default(z.enum(Object.keys(OUTPUT_FORMATS) as [OutputFormat, ...OutputFormat[]]), 'jpeg'),
  quality: z._default(z.wholeNumber(1, 100), 80),
  /** What transparent pixels become; JPEG has no alpha and would otherwise turn them black. */
  background: z._default(
    z.string().check(z.regex(/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i, 'must be a hex colour such as #ffffff')),
    '#ffffff',
  ),
  maxInputBytes: z._default(z.wholeNumber(1), 50 * MEBIBYTE),
  /** Width x height of the first frame, read from the header before any pixel is decoded. */
  maxInputPixels: z._default(z.wholeNumber(1), 100_000_000),
  /** How much decoder complaint refuses an image: `warning` refuses corrupt data, `truncated` only cut-off files. */
  failOn: z._default(z.enum(['warning', 'error', 'truncated']), 'warning'),
  /** HEIC/HEIF input, decoded by libheif (LGPL) with libde265; HEVC patents are the deployer's call. */
  heic: z._default(z.trueOrFalse, true),
});

export type ThumbnailOptions = z.output<typeof thumbnailOptionsSchema>;

export const DEFAULT_THUMBNAIL_OPTIONS: ThumbnailOptions = thumbnailOptionsSchema.parse({});

/**
 * A short, stable digest of the settings that shape the output. Stored on each thumbnail so that a
 * thumbnail made with other settings is not mistaken for a current one.
 */
export function settingsFingerprint(options: ThumbnailOptions): string {
  const { width, height, fit, format, quality, background } = options;
  return fingerprint([width, height, fit, format, quality, background.toLowerCase()]);
}

/** `v1-` and 16 hex digits of the SHA-256 of the JSON of `shape`: every stamp's settings digest. */
export const fingerprint = (shape: readonly unknown[]): string =>
  `v1-${createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16)}`;
