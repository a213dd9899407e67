import sharp from 'sharp';
import { type Decoded, fromDecoded } from './decodeOnce';
import type { Rendition } from '../renditions';
import { OUTPUT_FORMATS, type OutputFormat } from './thumbnailOptions';

/** One rendition in one format, encoded. */
export interface RenditionOutput {
  readonly name: string;
  readonly format: OutputFormat;
  readonly data: Buffer;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  /** How long its own resize and encode took (they run beside the others'). */
  readonly encodeMs: number;
}

const POSITIONS = {
  centre: 'centre',
  attention: sharp.strategy.attention,
  entropy: sharp.strategy.entropy,
} as const;

function encoder(pipeline: sharp.Sharp, format: OutputFormat, quality: number): sharp.Sharp {
  // sharp's defaults finish the job: output is 8-bit sRGB whatever the input (16-bit becomes 8-bit), and
  // nothing of the input's metadata (EXIF with GPS, XMP, ICC) is carried over.
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality });
    case 'webp':
      return pipeline.webp({ quality });
    case 'avif':
      return pipeline.avif({ quality });
  }
}

/** How a rendition is resized: into its box, as its fit and crop position say, never enlarged. */
export const resizeOptions = (rendition: Rendition): sharp.ResizeOptions => ({
  width: rendition.width,
  height: rendition.height,
  fit: rendition.fit,
  position: POSITIONS[rendition.position],
  withoutEnlargement: true,
});

/**
 * Makes one rendition in one format from decoded pixels (the decode, or a copy already resized for this
 * rendition or a larger one: see renditionSources.ts), never from the input again.
 */
export async function encodeRendition(
  source: Decoded,
  rendition: Rendition,
  format: OutputFormat,
): Promise<RenditionOutput> {
  const started = performance.now();
  const resized = fromDecoded(source)
    .resize(resizeOptions(rendition))
    .flatten({ background: rendition.background });
  const { data, info } = await encoder(resized, format, rendition.quality[format]).toBuffer({
    resolveWithObject: true,
  });
  return {
    name: rendition.name,
    format,
    data,
    contentType: OUTPUT_FORMATS[format].contentType,
    width: info.width,
    height: info.height,
    encodeMs: Math.round((performance.now() - started) * 10) / 10,
  };
}
