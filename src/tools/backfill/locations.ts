/**
 * Where backfill keeps its files in the thumbnail bucket: generated and uploaded manifests, and the jobs'
 * completion reports. terraform/lambda (backfill.tf) grants the job role exactly these prefixes, and the
 * plan audit checks that the two agree. The prefix lies outside every thumbnail key whenever
 * THUMBNAIL_PREFIX or SOURCE_PREFIX is set (thumbnail keys start with their concatenation), and the
 * function never reads the thumbnail bucket as input; with both empty, its files still never collide with
 * a thumbnail, whose key always ends in .jpg, .webp or .avif.
 */
export const BACKFILL_PREFIX = 'thumbnailer-backfill/';
export const MANIFEST_PREFIX = `${BACKFILL_PREFIX}manifests`;
export const REPORT_PREFIX = `${BACKFILL_PREFIX}reports`;

/** Two key prefixes overlap when some key lies under both (one starts with the other; "" is under all). */
export const prefixesOverlap = (a: string, b: string): boolean => a.startsWith(b) || b.startsWith(a);
