/**
 * S3 event notifications carry object keys form-URL-encoded: a space arrives as `+`, a literal `+` as
 * `%2B`, and non-ASCII characters as percent-encoded UTF-8. Throws a URIError on malformed encoding.
 */
export function decodeS3Key(encodedKey: string): string {
  return decodeURIComponent(encodedKey.replace(/\+/g, ' '));
}
