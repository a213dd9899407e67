import type { LogLine } from './captureOutput';

/** The handler's one structured log line for one record (Powertools JSON, as CloudWatch receives it). */
export interface RecordLog extends LogLine {
  readonly key: string;
  readonly reason?: string;
  readonly detail?: string;
  readonly outputKey?: string;
}

const parse = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};

/** Every per-record log line among `lines` (other output, such as the human-readable lines, is ignored). */
export function recordLogs(lines: readonly string[]): RecordLog[] {
  return lines
    .filter((line) => line.startsWith('{'))
    .map(parse)
    .filter(
      (line): line is RecordLog =>
        typeof line === 'object' &&
        line !== null &&
        'level' in line &&
        typeof (line as RecordLog).key === 'string',
    );
}

/** Record logs grouped by key. */
export function byKey(logs: readonly RecordLog[]): Map<string, RecordLog[]> {
  const grouped = new Map<string, RecordLog[]>();
  for (const log of logs) {
    grouped.set(log.key, [...(grouped.get(log.key) ?? []), log]);
  }
  return grouped;
}
