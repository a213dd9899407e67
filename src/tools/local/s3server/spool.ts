import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { currentRequest } from './requestState';
import type { S3rverStore } from './s3rverInternals';

/** The folder, inside the data directory, that holds request bodies while they are checked. */
export const SPOOL_FOLDER = '.thumbnailer-spool';

/**
 * A new file in `folder` for one request's body, removed when the request ends (and, if the process is
 * killed first, at the next start: the folder sits in the data directory, which only this server uses).
 */
export async function spoolFile(folder: string): Promise<{ readonly path: string }> {
  await mkdir(folder, { recursive: true });
  const path = join(folder, `body-${randomBytes(8).toString('hex')}`);
  currentRequest()?.cleanups.push(() => rm(path, { force: true }));
  return { path };
}

/** Keeps the spool folder out of ListBuckets (s3rver takes every folder of the data directory for one). */
export function hideSpoolFolder(store: S3rverStore): void {
  const listBuckets = store.listBuckets.bind(store);
  store.listBuckets = async () =>
    (await listBuckets()).filter((bucket) => (bucket as { name?: unknown }).name !== SPOOL_FOLDER);
}
