import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { unquoteETag } from '../../aws/s3/client';

/** Which objects of a bucket a backfill takes: the manifest generator's filters, applied to a listing. */
export interface ObjectFilter {
  readonly bucket: string;
  readonly prefix: string;
  readonly createdAfter?: Date | undefined;
  readonly createdBefore?: Date | undefined;
  /** Key prefixes left out (the thumbnail prefix and backfill's own files, when they share the bucket). */
  readonly excludedPrefixes: readonly string[];
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly eTag: string;
}

/** What one listing page held: the objects the filter takes, and how many it left out. */
export interface ListingPage {
  readonly objects: readonly ListedObject[];
  readonly leftOut: number;
}

function takes(filter: ObjectFilter, key: string, lastModified: Date | undefined): boolean {
  if (filter.excludedPrefixes.some((prefix) => key.startsWith(prefix))) {
    return false;
  }
  const at = lastModified?.getTime() ?? 0;
  return (
    (filter.createdAfter === undefined || at > filter.createdAfter.getTime()) &&
    (filter.createdBefore === undefined || at < filter.createdBefore.getTime())
  );
}

/** The bucket listed page by page (ListObjectsV2, continuation tokens), each page filtered. */
export async function* listPages(s3: S3Client, filter: ObjectFilter): AsyncGenerator<ListingPage> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: filter.bucket,
        Prefix: filter.prefix || undefined,
        ContinuationToken: token,
      }),
    );
    const contents = page.Contents ?? [];
    const objects = contents.flatMap(({ Key, Size, ETag, LastModified }) =>
      Key !== undefined && takes(filter, Key, LastModified)
        ? [{ key: Key, size: Size ?? 0, eTag: unquoteETag(ETag) }]
        : [],
    );
    yield { objects, leftOut: contents.length - objects.length };
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** The objects the filter takes, one at a time, listed lazily. */
export async function* listObjects(s3: S3Client, filter: ObjectFilter): AsyncGenerator<ListedObject> {
  for await (const page of listPages(s3, filter)) {
    yield* page.objects;
  }
}

export interface ObjectCount {
  readonly objects: number;
  readonly bytes: number;
  readonly leftOut: number;
  /** True when counting stopped at `limit`: there are more. */
  readonly exceeded: boolean;
}

/** Counts what the filter takes, stopping once past `limit` (a job that big is refused anyway). */
export async function countObjects(
  s3: S3Client,
  filter: ObjectFilter,
  limit = Number.POSITIVE_INFINITY,
  onPage: (count: ObjectCount) => void = () => undefined,
): Promise<ObjectCount> {
  let count: ObjectCount = { objects: 0, bytes: 0, leftOut: 0, exceeded: false };
  for await (const page of listPages(s3, filter)) {
    const bytes = page.objects.reduce((sum, object) => sum + object.size, 0);
    const objects = count.objects + page.objects.length;
    count = {
      objects,
      bytes: count.bytes + bytes,
      leftOut: count.leftOut + page.leftOut,
      exceeded: objects > limit,
    };
    onPage(count);
    if (count.exceeded) {
      break;
    }
  }
  return count;
}
