import type { RecordResult } from '../../function/processor/recordOutcome';
import { printable } from '../../common/text';

export const formatBytes = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1048576).toFixed(1)} MB`;

/** One human-readable line for one record, e.g. `made     uploads/cat.jpg -> thumbnails/cat.jpg.jpg ...`. */
export function recordLine(record: RecordResult, sourceBucket: string, thumbnailBucket: string): string {
  const source = `${sourceBucket}/${printable(record.key)}`;
  const status = record.status.padEnd(8);
  if (record.status === 'made') {
    const { width, height, bytes } = record.output;
    const target = `${thumbnailBucket}/${printable(record.outputKey)}`;
    return `${status} ${source} -> ${target} (${width}x${height}, ${formatBytes(bytes)}, ${record.durationMs} ms)`;
  }
  const why = [record.reason, record.detail].filter(Boolean).join(': ');
  return `${status} ${source}: ${why}`;
}
