import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { httpStatusOf } from '../../src/common/errors';

export interface StoredObject {
  readonly body: Buffer;
  readonly eTag: string;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
  readonly metadata: Record<string, string>;
}

/** Uploads an object and returns its ETag without quotes, as S3 events carry it. */
export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  extra: Partial<PutObjectCommandInput> = {},
): Promise<string> {
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
  return (ETag ?? '').replace(/"/g, '');
}

/** The object at `key`, or undefined when there is none. */
export async function getObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<StoredObject | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      body: Buffer.from(await (response.Body?.transformToByteArray() ?? new Uint8Array())),
      eTag: (response.ETag ?? '').replace(/"/g, ''),
      contentType: response.ContentType,
      cacheControl: response.CacheControl,
      metadata: response.Metadata ?? {},
    };
  } catch (error) {
    if (httpStatusOf(error) === 404) {
      return undefined;
    }
    throw error;
  }
}

/** Every key in a bucket (or under `prefix`), sorted, read `pageSize` keys at a time. */
export async function listKeys(
  s3: S3Client,
  bucket: string,
  prefix?: string,
  pageSize?: number,
): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: pageSize,
        ContinuationToken: token,
      }),
    );
    keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}
