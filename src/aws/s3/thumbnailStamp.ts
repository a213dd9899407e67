import { createHash } from 'node:crypto';

/**
 * What a thumbnail records about its origin, as S3 user metadata (`x-amz-meta-thumbnailer-*`). It lets a
 * redelivered event be recognised as already done, and marks the object as our output so it is never
 * taken as input.
 */
export interface ThumbnailStamp {
  /** The source key, percent-encoded (S3 metadata is ASCII), or `sha256:<hex>` when too long to store. */
  readonly sourceKey: string;
  readonly sourceETag: string;
  /** {@link settingsFingerprint} of the settings the thumbnail was made with. */
  readonly settings: string;
}

const SOURCE_KEY = 'thumbnailer-source-key';
const SOURCE_ETAG = 'thumbnailer-source-etag';
const SETTINGS = 'thumbnailer-settings';

// S3 allows 2 KB of user metadata in all; a 1,024-byte non-ASCII key percent-encodes to up to 3 KB.
const MAX_STORED_KEY_CHARS = 1024;

export function stampFor(sourceKey: string, sourceETag: string, settings: string): ThumbnailStamp {
  const encoded = encodeURIComponent(sourceKey);
  const storedKey =
    encoded.length <= MAX_STORED_KEY_CHARS
      ? encoded
      : `sha256:${createHash('sha256').update(sourceKey, 'utf8').digest('hex')}`;
  return { sourceKey: storedKey, sourceETag, settings };
}

export function stampToMetadata(stamp: ThumbnailStamp): Record<string, string> {
  return { [SOURCE_KEY]: stamp.sourceKey, [SOURCE_ETAG]: stamp.sourceETag, [SETTINGS]: stamp.settings };
}

/** The stamp in an object's metadata, or undefined when the object is not one of our thumbnails. */
export function stampFromMetadata(metadata: Record<string, string> | undefined): ThumbnailStamp | undefined {
  const sourceKey = metadata?.[SOURCE_KEY];
  if (sourceKey === undefined) {
    return undefined;
  }
  return { sourceKey, sourceETag: metadata?.[SOURCE_ETAG] ?? '', settings: metadata?.[SETTINGS] ?? '' };
}
