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
