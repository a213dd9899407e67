/** Text for people to read: exact numbers, and input made safe to print. */

const ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Text as it is safe to print on a terminal: S3 keys and file names may hold any character, and a raw
 * newline could forge a line of a tool's output, an escape sequence could rewrite the screen, and a
 * bidirectional override could make one name read as another. Those become visible escapes; everything
 * else prints as it is.
 */
export const printable = (text: string): string =>
  text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/**
 * A whole number with its digits grouped in threes, exactly: 100,010,000, never "100.0 M". A limit
 * message must let the reader see by how much a value is over, however little that is.
 */
export function exactCount(value: number): string {
  const [whole = '', fraction] = String(value).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** `1,048,577 bytes`, `1 byte`. */
export const exactBytes = (bytes: number): string => `${exactCount(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`;

/**
 * `message: detail`, or `message` alone when the detail says nothing: the one way a message takes a
 * detail, so that none ends with a dangling colon (`unreadable png header: Input buffer has corrupt
 * header:` came from sharp appending an empty libvips error).
 */
export function withDetail(message: string, detail: string | undefined): string {
  const said = (detail ?? '').trim().replace(/[\s:;,]+$/, '');
  return said === '' ? message : `${message}: ${said}`;
}
