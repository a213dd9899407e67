import { createHash } from 'node:crypto';
import { truncateUtf8 } from '../../core/thumbnailKey';

/** The longest file name (one path segment) common file systems take, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

const HASH_HEX_CHARS = 16;

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The file name for `name` plus `.extension`: `cat.png` becomes `cat.png.jpg`. A name that would exceed
 * the file system's limit is shortened the way src/core/thumbnailKey.ts shortens S3 keys: its head, then
 * `~` and a digest of the whole name, then the extension. That is deterministic (a re-run finds the same
 * file) and keeps apart two long names that share a head.
 */
export function fileNameWithExtension(name: string, extension: string): string {
  const plain = `${name}.${extension}`;
  if (utf8Bytes(plain) <= MAX_NAME_BYTES) {
    return plain;
  }
  const digest = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, HASH_HEX_CHARS);
  const tail = `~${digest}.${extension}`;
  return `${truncateUtf8(name, MAX_NAME_BYTES - utf8Bytes(tail))}${tail}`;
}

/**
 * A source key (`a/cat.png`, relative to its input folder, `/`-separated as in S3) with its last
 * segment given the extension: `a/cat.png.jpg`. Folder names are kept as they are: they exist as input
 * folders, so they are within the limit already.
 */
export function keyWithExtension(sourceKey: string, extension: string): string {
  const slash = sourceKey.lastIndexOf('/');
  return `${sourceKey.slice(0, slash + 1)}${fileNameWithExtension(sourceKey.slice(slash + 1), extension)}`;
}
