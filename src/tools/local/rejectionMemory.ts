import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../function/config';
import type { RecordResult } from '../../function/processor/recordOutcome';

/** The file, in the data folder, that remembers which uploads were rejected for good. */
export const REJECTIONS_FILE = '.thumbnailer-rejections.json';

interface Remembered {
  readonly eTag: string;
  readonly reason: string;
  readonly detail: string;
}

interface Stored {
  readonly settings: string;
  readonly entries: Record<string, Remembered>;
}

const isRemembered = (value: unknown): value is Remembered =>
  typeof value === 'object' &&
  value !== null &&
  ['eTag', 'reason', 'detail'].every(
    (field) => typeof (value as Record<string, unknown>)[field] === 'string',
  );

/** Rejections depend on every setting (a raised pixel limit accepts what it refused): any change forgets them. */
const fingerprintOf = (config: Config): string =>
  createHash('sha256').update(JSON.stringify(config)).digest('hex');

/**
 * Which uploads the handler rejected for good (not an image, a decompression bomb...), by key and ETag.
 * A thumbnail made says by its metadata that it is current; a rejection leaves nothing in S3, so without
 * this every restart's catch-up decoded and reported every rejected upload again. A changed object (a new
 * ETag) or changed settings are handled anew.
 */
export class RejectionMemory {
  private writes = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly settings: string,
    private readonly entries: Map<string, Remembered>,
  ) {}

  static async open(directory: string, config: Config): Promise<RejectionMemory> {
    const file = join(directory, REJECTIONS_FILE);
    const settings = fingerprintOf(config);
    const read = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as Partial<Stored>)
      .catch(() => undefined);
    // A file that is damaged, or from other settings, is only a lost optimisation: start afresh.
    const entries = read?.settings === settings ? Object.entries(read.entries ?? {}) : [];
    return new RejectionMemory(file, settings, new Map(entries.filter(([, entry]) => isRemembered(entry))));
  }

  /** The earlier rejection of exactly this version of `key`, if any, as the handler reported it. */
  recall(key: string, eTag: string | undefined): RecordResult | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || eTag === undefined || entry.eTag !== eTag) {
      return undefined;
    }
    return {
      key,
      status: 'rejected',
      durationMs: 0,
      reason: entry.reason,
      detail: entry.detail,
    } as RecordResult;
  }

  /** Notes what became of one version of a key; only a rejection is kept. */
  note(record: RecordResult, eTag: string | undefined): void {
    if (record.status === 'rejected' && eTag !== undefined) {
      this.entries.set(record.key, { eTag, reason: record.reason, detail: record.detail });
    } else if (record.status !== 'failed' && this.entries.has(record.key)) {
      this.entries.delete(record.key);
    } else {
      return;
    }
    this.save();
  }

  /** Resolves once everything noted is on disk. */
  flushed(): Promise<void> {
    return this.writes;
  }

  /** One write at a time, each whole (written aside, then renamed over), so a kill leaves a readable file. */
  private save(): void {
    this.writes = this.writes.then(async () => {
      const aside = `${this.file}.${randomBytes(6).toString('hex')}`;
      const stored: Stored = { settings: this.settings, entries: Object.fromEntries(this.entries) };
      await writeFile(aside, JSON.stringify(stored));
      await rename(aside, this.file);
    });
    this.writes = this.writes.catch(() => undefined);
  }
}
