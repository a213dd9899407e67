/**
 * The `Range` header of a GET or HEAD, as S3 reads it (one range of RFC 9110 section 14). s3rver read
 * `bytes=-500` (the last 500 bytes) as the first 501, `bytes=0-0` as the whole object, and any other
 * form as offsets of NaN, which failed the request with a 500.
 */

export interface ByteRange {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
}

/**
 * The bytes to send of an object of `size` bytes: a range; `unsatisfiable` (S3's 416 InvalidRange); or
 * undefined for the whole object, which is S3's answer to no header, to a header it cannot parse, and to
 * several ranges at once.
 */
export function requestedRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  const [, first = '', last = ''] = match ?? [];
  if (match === null || (first === '' && last === '')) {
    return undefined;
  }
  return first === '' ? suffixRange(Number(last), size) : offsetRange(Number(first), last, size);
}

/** `bytes=-n`: the last n bytes. */
function suffixRange(length: number, size: number): ByteRange | 'unsatisfiable' {
  return length === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - length), end: size - 1 };
}

/** `bytes=a-` or `bytes=a-b`; a last byte before the first makes the header invalid, so ignored. */
function offsetRange(start: number, last: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (last !== '' && Number(last) < start) {
    return undefined;
  }
  if (start >= size) {
    return 'unsatisfiable';
  }
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
