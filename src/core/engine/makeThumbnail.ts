import sharp from 'sharp';
import { type ColourRoute, colourRouteFor, routeColours } from './colourManagement';
import { exactBytes, exactCount } from '../../common/text';
import {
  checkDecodeCost,
  checkHeaderCost,
  DEFAULT_INPUT_LIMITS,
  type InputLimits,
  scanInputCost,
} from './inputLimits';
import { decodeFailure } from './decoderErrors';
import { REFUSED_FORMAT_NAMES, type SupportedFormat, sniffFormat } from './sniffFormat';
import { OUTPUT_FORMATS, type OutputFormat, type ThumbnailOptions } from './thumbnailOptions';
import { ImageRejectedError } from '../../common/errors';

// Every input is a different image, so libvips' operation cache never hits; it would only hold memory.
sharp.cache(false);

export interface InputInfo {
  readonly format: SupportedFormat;
  /** Upright dimensions of the first frame, after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

export interface Thumbnail {
  readonly data: Buffer;
  readonly format: OutputFormat;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly input: InputInfo;
}

const REFUSAL_DETAILS: Record<string, string> = {
  heic: 'HEIC is not supported: the bundled libvips cannot decode HEVC; convert to JPEG or AVIF first',
  svg: 'SVG is not supported: vector input can reference external resources and is refused for safety',
};

function checkSize(input: Uint8Array, maxInputBytes: number): void {
  if (input.length === 0) {
    throw new ImageRejectedError('empty', 'input is empty (0 bytes)');
  }
  if (input.length > maxInputBytes) {
    throw new ImageRejectedError(
      'too-large',
      `input is ${exactBytes(input.length)}, above the ${exactCount(maxInputBytes)}-byte limit`,
    );
  }
}

function requireSupportedFormat(input: Uint8Array): SupportedFormat {
  const sniffed = sniffFormat(input);
  if (sniffed.kind === 'supported') {
    return sniffed.format;
  }
  if (sniffed.kind === 'refused') {
    const detail =
      REFUSAL_DETAILS[sniffed.format] ?? `${REFUSED_FORMAT_NAMES[sniffed.format]} is not supported`;
    throw new ImageRejectedError('unsupported-format', detail);
  }
  throw new ImageRejectedError('not-an-image', 'not an image: the content matches no supported image format');
}

/** `image is 10000x10001 = 100,010,000 pixels, above the 100,000,000-pixel limit`: exact, never rounded. */
export function pixelLimitMessage(
  { width, height }: { width: number; height: number },
  limit: number,
): string {
  return `image is ${width}x${height} = ${exactCount(width * height)} pixels, above the ${exactCount(limit)}-pixel limit`;
}

/** What the header tells about an input: what is logged, and how its colours must be read. */
interface Header {
  readonly info: InputInfo;
  readonly colours: ColourRoute;
}

/**
 * Reads only the header: cheap even for a decompression bomb, whose declared size is refused here before
 * a single pixel is decoded.
 */
async function readHeader(
  input: Buffer,
  format: SupportedFormat,
  options: ThumbnailOptions,
): Promise<Header> {
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: false, failOn: options.failOn }).metadata();
  } catch (error) {
    throw new ImageRejectedError('corrupt', decodeFailure(`unreadable ${format} header`, error, format));
  }
  const pixels = metadata.width * metadata.height;
  if (pixels > options.maxInputPixels) {
    throw new ImageRejectedError('too-many-pixels', pixelLimitMessage(metadata, options.maxInputPixels));
  }
  const { width, height } = metadata.autoOrient;
  return {
    info: { format, width, height, bytes: input.length },
    colours: colourRouteFor(metadata),
  };
}

function render(input: Buffer, header: Header, options: ThumbnailOptions): sharp.Sharp {
  const decoded = sharp(input, {
    failOn: options.failOn,
    limitInputPixels: options.maxInputPixels,
    autoOrient: true,
  });
  const pipeline = routeColours(decoded, header.colours)
    .resize({ width: options.width, height: options.height, fit: options.fit, withoutEnlargement: true })
    .flatten({ background: options.background });
  // sharp's defaults finish the job: output is 8-bit sRGB whatever the input (CMYK, greyscale, 16-bit),
  // and every piece of metadata (EXIF with GPS, XMP, ICC) is stripped unless asked for.
  switch (options.format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: options.quality });
    case 'webp':
      return pipeline.webp({ quality: options.quality });
    case 'avif':
      return pipeline.avif({ quality: options.quality });
  }
}

/**
 * Turns image bytes into a thumbnail, or throws an {@link ImageRejectedError} saying why it never can.
 * Pure: no I/O, and the same bytes and options always give the same output bytes.
 */
export async function makeThumbnail(
  input: Buffer,
  options: ThumbnailOptions,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): Promise<Thumbnail> {
  checkSize(input, options.maxInputBytes);
  const format = requireSupportedFormat(input);
  const cost = scanInputCost(input, format, limits);
  checkHeaderCost(cost, limits);
  const header = await readHeader(input, format, options);
  checkDecodeCost(cost, limits);
  try {
    const { data, info } = await render(input, header, options).toBuffer({ resolveWithObject: true });
    const { contentType } = OUTPUT_FORMATS[options.format];
    return {
      data,
      format: options.format,
      contentType,
      width: info.width,
      height: info.height,
      input: header.info,
    };
  } catch (error) {
    throw new ImageRejectedError('corrupt', decodeFailure(`cannot decode ${format}`, error, format));
  }
}
