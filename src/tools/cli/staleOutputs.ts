import { readFile, rm } from 'node:fs/promises';
import type { OutputFolder } from './outputFolder';
import { exists } from './outputFolder';
import { sha256, type ThumbnailRecord } from './thumbnailRecord';

/**
 * Which files in --out are ours. The CLI writes only where its record for an input says it wrote, or
 * where nothing is: a file already at an output's place that no record lists is the user's (notes
 * saved as cat.jpg.jpg), and is never replaced unless --overwrite says so.
 */
export async function foreignTarget(
  folder: OutputFolder,
  record: ThumbnailRecord | undefined,
  keys: readonly string[],
  sourceKey: string,
): Promise<string | undefined> {
  // A record we cannot read any more (damaged) is still ours, and so is what it was written for.
  if (record === undefined && (await exists(folder.recordPath(sourceKey)))) {
    return undefined;
  }
  const listed = new Set(writtenBy(record).map((file) => file.key));
  for (const key of keys) {
    const path = folder.path(key);
    if (!listed.has(key) && (await exists(path))) {
      return path;
    }
  }
  return undefined;
}

/** Every file a record says was written: the outputs, and the manifest. */
const writtenBy = (record: ThumbnailRecord | undefined) => [
  ...(record?.outputs ?? []),
  ...(record?.manifest === undefined ? [] : [record.manifest]),
];

/**
 * Removes the outputs (and manifest) `record` lists that are not in `keep` (the input is refused now, or the settings
 * make other files), so that outputs follow their input. Only a file still as written is removed: one
 * changed since is the user's now. Returns the paths removed.
 */
export async function removeStaleOutputs(
  folder: OutputFolder,
  record: ThumbnailRecord | undefined,
  keep: readonly string[],
): Promise<string[]> {
  const removed: string[] = [];
  for (const output of writtenBy(record)) {
    const path = folder.path(output.key);
    if (keep.includes(output.key)) {
      continue;
    }
    const data = await readFile(path).catch(() => undefined);
    if (data && sha256(data) === output.sha256) {
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
