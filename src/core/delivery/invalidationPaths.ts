import { createHash } from 'node:crypto';
import { OUTPUT_FORMATS } from '../engine/thumbnailOptions';
import type { Rendition } from '../renditions';
import { renditionKey } from '../thumbnailKey';

/** The name the CDN's URLs give the one implicit rendition (RENDITIONS unset): docs/delivery.md. */
export const IMPLICIT_RENDITION_NAME = 'thumbnail';

/** CloudFront's limit on invalidation paths in progress per distribution (one request may not pass it). */
export const MAX_PATHS_IN_PROGRESS = 3000;

/**
 * A key as a URL path carries it, the way the viewer-request function writes it: each segment
 * percent-encoded, `/` kept. CloudFront matches invalidation paths against that encoded form.
 */
export const encodePath = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/**
 * Every CloudFront path that may hold a rendition of `sourceKey`: for each rendition, its best-format URL
 * (`/<rendition>/<key>`), its explicit URL per format (`/<rendition>.<ext>/<key>`), and the stored key the
 * viewer-request function rewrites those to, which is what CloudFront caches under (AWS advises
 * invalidating both the viewer's URI and the rewritten one). No wildcards: one path per object.
 */
export function invalidationPaths(
  sourceKey: string,
  renditions: readonly Rendition[],
  thumbnailPrefix: string,
): string[] {
  const key = encodePath(sourceKey);
  const paths = renditions.flatMap((rendition) => {
    const name = rendition.implicit ? IMPLICIT_RENDITION_NAME : rendition.name;
    const explicit = rendition.formats.flatMap((format) => [
      `/${name}.${OUTPUT_FORMATS[format].extension}/${key}`,
      `/${encodePath(renditionKey(sourceKey, rendition, format, thumbnailPrefix))}`,
    ]);
    return [`/${name}/${key}`, ...explicit];
  });
  return [...new Set(paths)];
}

/** One CreateInvalidation request: its paths and the reference that makes a retry of it a no-op. */
export interface InvalidationBatch {
  readonly paths: readonly string[];
  readonly callerReference: string;
}

/**
 * The batches of one invocation: its paths (deduplicated, sorted) split at CloudFront's limit, each with
 * a CallerReference derived from what the invocation is about (`changes`: each record's key and the
 * event's sequencer or ETag) and the batch's paths. A Lambda retry of the same event computes the same
 * references, and CloudFront answers a repeated reference with the invalidation it already made; a later
 * change to the same key has another sequencer, so it is invalidated anew.
 */
export function invalidationBatches(
  paths: readonly string[],
  changes: readonly string[],
  limit = MAX_PATHS_IN_PROGRESS,
): InvalidationBatch[] {
  const sorted = [...new Set(paths)].sort();
  const about = [...new Set(changes)].sort().join('\n');
  const batches: InvalidationBatch[] = [];
  for (let start = 0; start < sorted.length; start += limit) {
    const part = sorted.slice(start, start + limit);
    const digest = createHash('sha256').update(about).update('\0').update(part.join('\n')).digest('hex');
    batches.push({ paths: part, callerReference: `thumbnailer-${digest}` });
  }
  return batches;
}
