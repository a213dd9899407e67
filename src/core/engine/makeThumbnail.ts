import { DEFAULT_INPUT_LIMITS, type InputLimits } from './inputLimits';
import type { InputInfo } from './inputHeader';
import { makeRenditions } from './makeRenditions';
import { implicitRendition } from '../renditions';
import type { OutputFormat, ThumbnailOptions } from './thumbnailOptions';

export type { InputInfo } from './inputHeader';
export { pixelLimitMessage } from './inputHeader';

export interface Thumbnail {
  readonly data: Buffer;
  readonly format: OutputFormat;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly input: InputInfo;
}

/**
 * One thumbnail, as THUMBNAIL_* describe it: the engine with the one rendition an unconfigured deployment
 * makes. Throws an {@link ImageRejectedError} saying why an input can never become one; pure.
 */
export async function makeThumbnail(
  input: Buffer,
  options: ThumbnailOptions,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): Promise<Thumbnail> {
  const made = await makeRenditions(input, [implicitRendition(options)], { ...options, ...limits });
  const [output] = made.outputs;
  if (!output) {
    throw new Error('the engine made no output for the one rendition it was given');
  }
  const { data, format, contentType, width, height } = output;
  return { data, format, contentType, width, height, input: made.input };
}
