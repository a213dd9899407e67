import { createHash } from 'node:crypto';

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
