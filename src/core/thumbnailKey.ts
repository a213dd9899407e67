import { createHash } from 'node:crypto';
import { OUTPUT_FORMATS, type OutputFormat } from './engine/thumbnailOptions';

/** S3 refuses keys longer than this many UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

const HASH_HEX_CHARS = 16;

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The longest leading part of `text` that fits in `maxBytes` without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += utf8Bytes(char);
    if (bytes > maxBytes) {
      break;
    }
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * Where the thumbnail of `sourceKey` is stored: `<prefix><source key>.<extension>`, so `photos/cat.png`
 * becomes `photos/cat.png.jpg`. Keeping the whole source key (extension included) makes the mapping
 * collision-free: `cat.png` and `cat.jpg` get `cat.png.jpg` and `cat.jpg.jpg`.
 *
 * When that would exceed S3's key limit, the source key is shortened and a digest of the full key is
 * appended (`<prefix><head>~<sha256 prefix>.<extension>`), which keeps it deterministic and distinct.
 */
export function thumbnailKey(sourceKey: string, prefix: string, extension: string): string {
  const plain = `${prefix}${sourceKey}.${extension}`;
  if (utf8Bytes(plain) <= MAX_KEY_BYTES) {
    return plain;
  }
  const digest = createHash('sha256').update(sourceKey, 'utf8').digest('hex').slice(0, HASH_HEX_CHARS);
  const tail = `~${digest}.${extension}`;
  const head = truncateUtf8(sourceKey, MAX_KEY_BYTES - utf8Bytes(prefix) - utf8Bytes(tail));
  return `${prefix}${head}${tail}`;
}

/**
 * Recursion guard: when thumbnails are written into the bucket they come from, anything under the
 * thumbnail prefix is output, never input. With an empty prefix no key can be told apart by name alone.
 */
export function isThumbnailOutputKey(key: string, prefix: string): boolean {
  return prefix.length > 0 && key.startsWith(prefix);
}

/** Where the manifests live under the thumbnail prefix; rendition names cannot start with `_`. */
export const MANIFEST_FOLDER = '_manifests/';

/** The key prefix of a rendition: `<prefix><name>/`, or the bare prefix for the implicit rendition. */
export const renditionPrefix = (rendition: { name: string; implicit?: true }, thumbnailPrefix: string) =>
  rendition.implicit ? thumbnailPrefix : `${thumbnailPrefix}${rendition.name}/`;

/**
 * Where a rendition of `sourceKey` in `format` is stored: `<prefix><rendition>/<source key>.<extension>`
 * (`square/photos/cat.jpg.webp`), so one rendition's objects share a listing prefix and a CDN path.
 */
export function renditionKey(
  sourceKey: string,
  rendition: { name: string; implicit?: true },
  format: OutputFormat,
  thumbnailPrefix: string,
): string {
  return thumbnailKey(
    sourceKey,
    renditionPrefix(rendition, thumbnailPrefix),
    OUTPUT_FORMATS[format].extension,
  );
}

/** Where the manifest of `sourceKey` is stored: `<prefix>_manifests/<source key>.json`. */
export const manifestKey = (sourceKey: string, thumbnailPrefix: string): string =>
  thumbnailKey(sourceKey, `${thumbnailPrefix}${MANIFEST_FOLDER}`, 'json');

/** What a rendition's stored key names: the rendition, the format and the source it was made from. */
export interface RenditionKeyParts<
  R extends { name: string; implicit?: true; formats: readonly OutputFormat[] },
> {
  readonly rendition: R;
  readonly format: OutputFormat;
  readonly sourceKey: string;
}

/**
 * The inverse of {@link renditionKey} over the configured renditions: which rendition, format and source
 * `key` is the stored key of, or undefined when it is none of theirs (another prefix, a format the
 * rendition is not configured with, a manifest). Rendition prefixes cannot overlap (names hold no `/`),
 * and a key ends in one extension, so a key has at most one reading. It is checked by making the key
 * again from it: a key the layout never gives that source is refused. (A shortened key, `~<digest>`,
 * reads as the source of that literal name; the viewer function never asks for one, refusing keys
 * past S3's limit.)
 */
export function parseRenditionKey<
  R extends { name: string; implicit?: true; formats: readonly OutputFormat[] },
>(key: string, renditions: readonly R[], thumbnailPrefix: string): RenditionKeyParts<R> | undefined {
  for (const rendition of renditions) {
    const prefix = renditionPrefix(rendition, thumbnailPrefix);
    if (!key.startsWith(prefix)) continue;
    for (const format of rendition.formats) {
      const suffix = `.${OUTPUT_FORMATS[format].extension}`;
      const sourceKey = key.slice(prefix.length, key.length - suffix.length);
      if (key.endsWith(suffix) && sourceKey.length > 0) {
        const parts = { rendition, format, sourceKey };
        return renditionKey(sourceKey, rendition, format, thumbnailPrefix) === key ? parts : undefined;
      }
    }
  }
  return undefined;
}
