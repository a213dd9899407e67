/** An ETag without the double quotes S3 wraps it in (headers, listings, events all differ on this). */
export const unquoteETag = (eTag: string | undefined): string => (eTag ?? '').replace(/^"|"$/g, '');
