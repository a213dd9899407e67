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
  /** {@link renditionFingerprint} of the settings it was made with (a manifest: of the whole list). */
  readonly settings: string;
  /** The rendition's own size, which a manifest lists without reading the object (absent before renditions). */
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  /** A manifest's: the source version it describes, in a versioned bucket. */
  readonly sourceVersionId?: string | undefined;
}

const SOURCE_KEY = 'thumbnailer-source-key';
const SOURCE_ETAG = 'thumbnailer-source-etag';
const SETTINGS = 'thumbnailer-settings';
const SIZE = 'thumbnailer-size';
const SOURCE_VERSION = 'thumbnailer-source-version-id';

// S3 allows 2 KB of user metadata in all; a 1,024-byte non-ASCII key percent-encodes to up to 3 KB.
const MAX_STORED_KEY_CHARS = 1024;

export function stampFor(
  sourceKey: string,
  sourceETag: string,
  settings: string,
  extra: Pick<ThumbnailStamp, 'width' | 'height' | 'sourceVersionId'> = {},
): ThumbnailStamp {
  const encoded = encodeURIComponent(sourceKey);
  const storedKey =
    encoded.length <= MAX_STORED_KEY_CHARS
      ? encoded
      : `sha256:${createHash('sha256').update(sourceKey, 'utf8').digest('hex')}`;
  return { sourceKey: storedKey, sourceETag, settings, ...extra };
}

export function stampToMetadata(stamp: ThumbnailStamp): Record<string, string> {
  const { width, height, sourceVersionId } = stamp;
  return {
    [SOURCE_KEY]: stamp.sourceKey,
    [SOURCE_ETAG]: stamp.sourceETag,
    [SETTINGS]: stamp.settings,
    ...(width === undefined || height === undefined ? {} : { [SIZE]: `${width}x${height}` }),
    ...(sourceVersionId === undefined ? {} : { [SOURCE_VERSION]: sourceVersionId }),
  };
}

/** `256x192` as numbers; undefined unless it is exactly that shape. */
function sizeOf(text: string | undefined): { width?: number; height?: number } {
  const match = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/.exec(text ?? '');
  return match ? { width: Number(match[1]), height: Number(match[2]) } : {};
}

/** The stamp in an object's metadata, or undefined when the object is not one of our thumbnails. */
export function stampFromMetadata(metadata: Record<string, string> | undefined): ThumbnailStamp | undefined {
  const sourceKey = metadata?.[SOURCE_KEY];
  if (sourceKey === undefined) {
    return undefined;
  }
  const version = metadata?.[SOURCE_VERSION];
  return {
    sourceKey,
    sourceETag: metadata?.[SOURCE_ETAG] ?? '',
    settings: metadata?.[SETTINGS] ?? '',
    ...sizeOf(metadata?.[SIZE]),
    ...(version === undefined ? {} : { sourceVersionId: version }),
  };
}
