import type { RecordResult, RenditionResult } from '../../function/processor/recordOutcome';
import { printable } from '../../common/text';

export const formatBytes = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1048576).toFixed(1)} MB`;

/**
 * The renditions a record made, each with its size and formats: `square 256x256 (avif 9.8 KB, webp
 * 12.1 KB), card 640x427 (webp 30.2 KB)`, and how many were current already.
 */
function renditionsMade(renditions: readonly RenditionResult[]): string {
  const groups = new Map<string, RenditionResult[]>();
  for (const rendition of renditions.filter(({ made }) => made)) {
    groups.set(rendition.name, [...(groups.get(rendition.name) ?? []), rendition]);
  }
  const made = [...groups].map(([name, outputs]) => {
    const [{ width, height } = { width: 0, height: 0 }] = outputs;
    const formats = outputs.map(({ format, bytes }) => `${format} ${formatBytes(bytes)}`).join(', ');
    return `${printable(name)} ${width}x${height} (${formats})`;
  });
  const current = renditions.filter(({ made: wasMade }) => !wasMade).length;
  return [...made, ...(current > 0 ? [`${current} already current`] : [])].join(', ');
}

/** One human-readable line for one record, e.g. `made     uploads/cat.jpg -> thumbnails/cat.jpg.jpg ...`. */
export function recordLine(record: RecordResult, sourceBucket: string, thumbnailBucket: string): string {
  const source = `${sourceBucket}/${printable(record.key)}`;
  const status = record.status.padEnd(8);
  const { renditions } = record;
  if (record.status === 'made' && renditions !== undefined && renditions.length > 1) {
    return `${status} ${source} -> ${thumbnailBucket}: ${renditionsMade(renditions)} (${record.durationMs} ms)`;
  }
  if (record.status === 'made') {
    const { width, height, bytes } = record.output;
    const target = `${thumbnailBucket}/${printable(record.outputKey)}`;
    return `${status} ${source} -> ${target} (${width}x${height}, ${formatBytes(bytes)}, ${record.durationMs} ms)`;
  }
  const why = [record.reason, record.detail].filter(Boolean).join(': ');
  return `${status} ${source}: ${why}`;
}
