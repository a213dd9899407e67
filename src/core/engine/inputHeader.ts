import sharp from 'sharp';
import { type ColourRoute, colourRouteFor } from './colourManagement';
import { exactBytes, exactCount } from '../../common/text';
import { decodeFailure } from './decoderErrors';
import { REFUSED_FORMAT_NAMES, type SupportedFormat, sniffFormat } from './sniffFormat';
import type { InputPolicy } from './inputLimits';
import { ImageRejectedError } from '../../common/errors';

// Every input is a different image, so libvips' operation cache never hits; it would only hold memory.
sharp.cache(false);

export interface InputInfo {
  readonly format: SupportedFormat;
  /** Upright dimensions of the first frame (the primary image of a HEIC), after orientation. */
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

/** What the header tells about an input: what is logged, and how its colours must be read. */
export interface Header {
  readonly info: InputInfo;
  readonly colours: ColourRoute;
  readonly hasAlpha: boolean;
}

const REFUSAL_DETAILS: Record<string, string> = {
  svg: 'SVG is not supported: vector input can reference external resources and is refused for safety',
};

const HEIC_OFF = 'HEIC input is turned off here (HEIC_INPUT=false); convert it to JPEG or AVIF first';

export function checkSize(input: Uint8Array, maxInputBytes: number): void {
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

export function requireSupportedFormat(input: Uint8Array, heic: boolean): SupportedFormat {
  const sniffed = sniffFormat(input);
  if (sniffed.kind === 'supported') {
    if (sniffed.format === 'heic' && !heic) {
      throw new ImageRejectedError('unsupported-format', HEIC_OFF);
    }
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

export function checkPixels(size: { width: number; height: number }, limit: number): void {
  if (size.width * size.height > limit) {
    throw new ImageRejectedError('too-many-pixels', pixelLimitMessage(size, limit));
  }
}

/**
 * Reads only the header: cheap even for a decompression bomb, whose declared size is refused here before
 * a single pixel is decoded. `decodable` is what libvips reads (for a HEIC, the pixels libheif decoded).
 */
export async function readHeader(
  decodable: Buffer,
  info: Omit<InputInfo, 'width' | 'height'>,
  policy: InputPolicy,
): Promise<Header> {
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(decodable, { limitInputPixels: false, failOn: policy.failOn }).metadata();
  } catch (error) {
    throw new ImageRejectedError(
      'corrupt',
      decodeFailure(`unreadable ${info.format} header`, error, info.format),
    );
  }
  checkPixels(metadata, policy.maxInputPixels);
  const { width, height } = metadata.autoOrient;
  return {
    info: { ...info, width, height },
    colours: colourRouteFor(metadata),
    hasAlpha: metadata.hasAlpha,
  };
}
