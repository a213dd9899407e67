import type { SupportedFormat } from '../sniffFormat';
import { Bytes, type ContainerFacts } from './containerFacts';
import { scanGif } from './gif';
import { scanIsoBmff } from './isoBmff';
import { scanJpeg } from './jpeg';
import { scanPng } from './png';
import { scanTiff } from './tiff';
import { scanWebp } from './webp';

/**
 * What a structural walk of the container says about the memory decoding it will take. Pure and
 * bounded: each walk visits each chunk, segment, block or box once, and inflates compressed metadata
 * no further than `maxMetadataBytes`.
 */
export function scanContainer(
  input: Uint8Array,
  format: SupportedFormat,
  limits: { readonly maxMetadataBytes: number; readonly maxFrames: number },
): ContainerFacts {
  const bytes = new Bytes(input);
  switch (format) {
    case 'png':
      return scanPng(bytes, limits.maxMetadataBytes);
    case 'jpeg':
      return scanJpeg(bytes);
    case 'webp':
      return scanWebp(bytes);
    case 'gif':
      return scanGif(bytes);
    case 'tiff':
      return scanTiff(bytes, limits.maxFrames);
    case 'avif':
    case 'heic':
      return scanIsoBmff(bytes, format);
  }
}
