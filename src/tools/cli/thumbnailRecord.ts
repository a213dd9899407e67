import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as z from '../../common/zod';

/**
 * What the CLI records about each input it thumbnailed, in `<out>/.thumbnailer/records/<key>.json`: the
 * input's content digest, the settings, and every output with its own digest. It is the CLI's form of the
 * Lambda's stamp (src/aws/s3/thumbnailStamp.ts): a thumbnail is current only when it was made from these
 * bytes (not merely an older mtime) with these settings, and is still the file that was written. It is
 * written before the thumbnail, atomically, so a run killed in between leaves an input that is simply
 * made again, and it is what says a file in --out is ours to replace (staleOutputs.ts). With renditions,
 * each output carries its rendition's name and settings (so that changing one remakes only it), and the
 * manifest written last (src/core/manifest.ts) is listed too.
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
  /** renditionsFingerprint of the renditions (the one thumbnail: settingsFingerprint of its settings). */
  settings: z.string(),
  outputs: z.array(
    z.object({
      /** Its rendition's name (records of before renditions have none: the one thumbnail). */
      name: z.optional(z.string()),
      /** renditionFingerprint of its rendition and format; records of before: the record's settings. */
      settings: z.optional(z.string()),
      key: z.string(),
      format: z.string(),
      contentType: z.string(),
      width: z.number(),
      height: z.number(),
      bytes: z.number(),
      sha256: z.string(),
    }),
  ),
  /** The manifest, written after every output. */
  manifest: z.optional(z.object({ key: z.string(), sha256: z.string() })),
  madeAt: z.string(),
});

export type ThumbnailRecord = z.output<typeof recordSchema>;
export type RecordedOutput = ThumbnailRecord['outputs'][number];

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export function recordFor(
  source: ThumbnailRecord['source'],
  settings: string,
  outputs: readonly RecordedOutput[],
  manifest?: ThumbnailRecord['manifest'],
): ThumbnailRecord {
  return {
    version: 1,
    source,
    settings,
    outputs: [...outputs],
    ...(manifest === undefined ? {} : { manifest }),
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

/** Whether the file at `path` is still the one with this digest. */
export const isUnchanged = async (path: string, digest: string | undefined): Promise<boolean> => {
  const written = await readFile(path).catch(() => undefined);
  return written !== undefined && digest === sha256(written);
};

/**
 * The recorded entry of each expected output that `record` says was made from exactly the bytes
 * digested as `sha256`, with that output's settings, and whose file is still the one written (`resolve`
 * maps an output key to its path); by key. Nothing is current when the source changed.
 */
export async function currentOutputs(
  record: ThumbnailRecord | undefined,
  expected: { readonly sha256: string; readonly outputs: ReadonlyArray<{ key: string; settings: string }> },
  resolve: (key: string) => string,
): Promise<Map<string, RecordedOutput>> {
  const current = new Map<string, RecordedOutput>();
  if (!record || record.source.sha256 !== expected.sha256) {
    return current;
  }
  for (const { key, settings } of expected.outputs) {
    const entry = record.outputs.find((output) => output.key === key);
    if (
      entry &&
      (entry.settings ?? record.settings) === settings &&
      (await isUnchanged(resolve(key), entry.sha256))
    ) {
      current.set(key, entry);
    }
  }
  return current;
}
