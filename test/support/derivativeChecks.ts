import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { s3Notification } from '../../src/aws/events/s3Notification';
import type { S3ObjectEvent } from '../../src/aws/events/parseS3Event';
import type { RecordResult } from '../../src/function/processor/recordOutcome';
import type { Harness } from './handlerHarness';
import { httpStatusOf } from '../../src/common/errors';

/** Every thumbnail-bucket key with the source ETag its stamp records, sorted by key. */
export async function stampedKeys(s3: S3Client, bucket: string): Promise<Record<string, string>> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
    token = page.NextContinuationToken;
  } while (token);
  const entries = await Promise.all(
    keys.sort().map(async (key) => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return [key, head.Metadata?.['thumbnailer-source-etag'] ?? '(no stamp)'] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** The current ETag of a source key, or undefined when it holds nothing. */
export async function currentETag(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return (head.ETag ?? '').replace(/"/g, '');
  } catch (error) {
    if (httpStatusOf(error) === 404) {
      return undefined;
    }
    throw error;
  }
}

/** Hands each notice to the handler as its own event, in the order given, and returns every record. */
export async function deliverEach(
  harness: Pick<Harness, 'handler'>,
  notices: readonly S3ObjectEvent[],
): Promise<RecordResult[]> {
  const records: RecordResult[] = [];
  for (const notice of notices) {
    records.push(...(await harness.handler(s3Notification([notice]))).records);
  }
  return records;
}

/** Status, reason and removed keys of each record: what the delete tests compare. */
export const outcomes = (records: readonly RecordResult[]) =>
  records.map(({ status, reason, removedKeys }) => ({
    status,
    ...(reason === undefined ? {} : { reason }),
    ...(removedKeys === undefined || removedKeys.length === 0 ? {} : { removedKeys }),
  }));

/** The notices at `indexes`, in that order (repeats allowed): a delivery order for a test to choose. */
export function inOrder(notices: readonly S3ObjectEvent[], indexes: readonly number[]): S3ObjectEvent[] {
  return indexes.map((index) => {
    const notice = notices[index];
    if (notice === undefined) {
      throw new Error(`no notice ${index}: the server sent ${notices.length}`);
    }
    return notice;
  });
}
