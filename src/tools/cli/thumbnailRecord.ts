import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Thumbnail } from '../../core/engine/makeThumbnail';
import * as z from '../../common/zod';

/**
 * What the CLI records about each input it thumbnailed, in `<out>/.thumbnailer/records/<key>.json`: the
 * input's content digest, the settings, and every output with its own digest. It is the CLI's form of the
 * Lambda's stamp (src/aws/s3/thumbnailStamp.ts): a thumbnail is current only when it was made from these
 * bytes (not merely an older mtime) with these settings, and is still the file that was written. It is
 * written before the thumbnail, atomically, so a run killed in between leaves an input that is simply
 * made again, and it is what says a file in --out is ours to replace (staleOutputs.ts); it is shaped to grow into the per-input manifest of several renditions.
 */
const recordSchema = z.object({
  version: z.literal(1),
  source: z.object({
    key: z.string(),
    format: z.string(),
    width: z.number(),
    height: z.number(),
    bytes: z.number(),
    sha256: z.string(),
  }),
  /** settingsFingerprint of the settings the outputs were made with. */
  settings: z.string(),
  outputs: z.array(
    z.object({
      key: z.string(),
      format: z.string(),
      contentType: z.string(),
      width: z.number(),
      height: z.number(),
      bytes: z.number(),
      sha256: z.string(),
    }),
  ),
  madeAt: z.string(),
});

export type ThumbnailRecord = z.output<typeof recordSchema>;

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export function recordFor(
  source: ThumbnailRecord['source'],
  settings: string,
  outputs: ReadonlyArray<{ readonly key: string; readonly thumbnail: Thumbnail }>,
): ThumbnailRecord {
  return {
    version: 1,
    source,
    settings,
    outputs: outputs.map(({ key, thumbnail }) => ({
      key,
      format: thumbnail.format,
      contentType: thumbnail.contentType,
      width: thumbnail.width,
      height: thumbnail.height,
      bytes: thumbnail.data.length,
      sha256: sha256(thumbnail.data),
    })),
    madeAt: new Date().toISOString(),
  };
}

/** The record at `path`; undefined when there is none, or it is unreadable or of another version. */
export async function readRecord(path: string): Promise<ThumbnailRecord | undefined> {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `record` says the outputs at `keys` were made from exactly the bytes digested with `settings`,
 * and each output file is still the one written (`resolve` maps an output key to its path).
 */
export async function isCurrent(
  record: ThumbnailRecord | undefined,
  expected: { readonly sha256: string; readonly settings: string; readonly keys: readonly string[] },
  resolve: (key: string) => string,
): Promise<boolean> {
  if (!record || record.settings !== expected.settings || record.source.sha256 !== expected.sha256) {
    return false;
  }
  const recorded = new Map(record.outputs.map((output) => [output.key, output.sha256]));
  for (const key of expected.keys) {
    const written = await readFile(resolve(key)).catch(() => undefined);
    if (!written || recorded.get(key) !== sha256(written)) {
      return false;
    }
  }
  return true;
}
