/**
 * How the local S3 server names an object's files. S3 keys may hold anything: `..` segments, empty
 * segments (`a//b`), and single segments of a kilobyte, where a filesystem name stops at 255 bytes. s3rver
 * used keys as paths unchanged, so such keys escaped the data directory, collapsed into other keys, or
 * crashed the server (as did a NUL in a key, which no file name can hold); this encoding keeps every key
 * inside its bucket's folder, distinct, and in bounds.
 */

/** Room for s3rver's `._S3rver_metadata.json` suffix and a temporary-file tag within 255 bytes. */
const MAX_PIECE_BYTES = 200;
const EMPTY_SEGMENT = '%_';
/** Ends a piece of a segment that continues in the next folder down. */
const CONTINUES = '%+';

/** A path name of `.` or `..` would walk the tree; spelt `%2E`, its dots are only dots. */
const withoutDotNames = (name: string): string =>
  name === '.' || name === '..' ? name.replace(/\./g, '%2E') : name;

/** Splits an escaped segment into pieces of at most MAX_PIECE_BYTES, never inside a character or escape. */
function pieces(escaped: string): string[] {
  const result: string[] = [];
  let current = '';
  let bytes = 0;
  for (const [token] of escaped.matchAll(/%25|%2E|%00|[\s\S]/gu)) {
    const size = Buffer.byteLength(token);
    if (bytes + size > MAX_PIECE_BYTES) {
      result.push(current);
      [current, bytes] = ['', 0];
    }
    current += token;
    bytes += size;
  }
  return [...result, current];
}

// An empty last segment (a key or prefix ending in `/`) is fine as it is: the file name is then just
// s3rver's suffix. An empty segment anywhere else would vanish from the path.
const encodeSegment = (segment: string, index: number, all: readonly string[]): string => {
  if (segment === '') {
    return index === all.length - 1 ? '' : EMPTY_SEGMENT;
  }
  // Checked piece by piece: the last piece of a long segment can be `..` even when the segment is not.
  // A file name cannot hold a NUL byte; spelt `%00`, it is only a character of the key.
  return pieces(segment.replace(/%/g, '%25').replace(/\0/g, '%00'))
    .map(withoutDotNames)
    .join(`${CONTINUES}/`);
};

const DECODED: Readonly<Record<string, string>> = { '%25': '%', '%2E': '.', '%00': '\0' };

const decodeSegment = (segment: string): string =>
  segment === EMPTY_SEGMENT ? '' : segment.replace(/%(25|2E|00)/g, (escape) => DECODED[escape] ?? escape);

/**
 * The `/`-separated relative path of a key's files. s3rver also encodes listing prefixes with it, so a
 * prefix maps onto the paths of the keys it starts (except one ending inside a `.`/`..` segment or
 * deeper than 200 bytes into one, which lists nothing).
 */
export const encodeKeyPath = (key: string): string => key.split('/').map(encodeSegment).join('/');

/** The key whose files are at `path` (the inverse of {@link encodeKeyPath}). */
export const decodeKeyPath = (path: string): string =>
  path.split(`${CONTINUES}/`).join('').split('/').map(decodeSegment).join('/');
