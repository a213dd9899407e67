import type { RecordSummary } from '../handler/createHandler';

export const formatBytes = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1048576).toFixed(1)} MB`;

const ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * A key as it is safe to print on a terminal: S3 keys may hold any character, and a raw newline could
 * forge a line of this log, an escape sequence could rewrite the screen, and a bidirectional override
 * could make one key read as another. Those become visible escapes; everything else prints as it is.
 */
export const printable = (text: string): string =>
  text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** One human-readable line for one record, e.g. `made     uploads/cat.jpg -> thumbnails/cat.jpg.jpg ...`. */
export function recordLine(record: RecordSummary, sourceBucket: string, thumbnailBucket: string): string {
  const source = `${sourceBucket}/${printable(record.key)}`;
  const status = record.status.padEnd(8);
  if (record.status === 'made' && record.output) {
    const { width, height, bytes } = record.output;
    const target = `${thumbnailBucket}/${printable(record.outputKey ?? '')}`;
    return `${status} ${source} -> ${target} (${width}x${height}, ${formatBytes(bytes)}, ${record.durationMs} ms)`;
  }
  const why = [record.reason, record.detail].filter(Boolean).join(': ');
  return `${status} ${source}: ${why}`;
}
