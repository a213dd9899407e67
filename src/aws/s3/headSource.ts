import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { stampFromMetadata } from './thumbnailStamp';
import { unquoteETag } from './client';
import { httpStatusOf } from '../../common/errors';

/** What a HEAD tells of an object before anything is downloaded. */
export type SourceFacts =
  | { readonly kind: 'found'; readonly eTag: string; readonly size: number | undefined }
  /** No such key (any more). */
  | { readonly kind: 'gone' }
  /** Carries our thumbnail stamp: our own output. */
  | { readonly kind: 'is-thumbnail' };

/**
 * HEADs the current version of a source object: its ETag (what a thumbnail's stamp is compared with) and
 * its size. A 403 is thrown, not read as "gone": it is also what a real denial looks like (see
 * downloadSource).
 */
export async function headSource(s3: S3Client, bucket: string, key: string): Promise<SourceFacts> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    if (stampFromMetadata(head.Metadata) !== undefined) {
      return { kind: 'is-thumbnail' };
    }
    return { kind: 'found', eTag: unquoteETag(head.ETag), size: head.ContentLength };
  } catch (error) {
    if (httpStatusOf(error) === 404) {
      return { kind: 'gone' };
    }
    throw error;
  }
}
