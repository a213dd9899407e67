import { createHash, randomBytes } from 'node:crypto';
import type { S3Event } from 'aws-lambda';

/** Event names S3 uses for the operations the local stack and tests produce. */
export type S3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete';

export interface ObjectNotice {
  readonly bucket: string;
  readonly key: string;
  readonly eventName: S3EventName;
  /** Omitted, as S3 omits them, for removals. */
  readonly size?: number | undefined;
  readonly eTag?: string | undefined;
  readonly versionId?: string | undefined;
  readonly sequencer?: string | undefined;
  readonly eventTime?: Date | undefined;
  readonly region?: string | undefined;
  readonly sourceIp?: string | undefined;
}

/**
 * A key as S3 writes it into a notification: form-URL-encoded (a space becomes `+`, a `+` becomes `%2B`,
 * non-ASCII becomes percent-encoded UTF-8), with `/` left as it is.
 */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();

/** One record, field for field as S3 sends it (event version 2.1). */
function record(notice: ObjectNotice): S3Event['Records'][number] {
  const object = {
    key: encodeS3EventKey(notice.key),
    ...(notice.size === undefined ? {} : { size: notice.size }),
    ...(notice.eTag === undefined ? {} : { eTag: notice.eTag }),
    ...(notice.versionId === undefined ? {} : { versionId: notice.versionId }),
    sequencer: notice.sequencer ?? hex(9),
  };
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: notice.region ?? 'us-east-1',
    eventTime: (notice.eventTime ?? new Date()).toISOString(),
    eventName: notice.eventName,
    userIdentity: { principalId: `AWS:${hex(10)}` },
    requestParameters: { sourceIPAddress: notice.sourceIp ?? '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': hex(8),
      'x-amz-id-2': createHash('sha256').update(hex(8)).digest('base64'),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'thumbnailer',
      bucket: {
        name: notice.bucket,
        ownerIdentity: { principalId: hex(7) },
        arn: `arn:aws:s3:::${notice.bucket}`,
      },
      // S3 leaves size and eTag out of removal events; the type says they are always there.
      object: object as S3Event['Records'][number]['s3']['object'],
    },
  };
}

/** An S3 event notification carrying one record per notice. */
export function s3Notification(notices: readonly ObjectNotice[]): S3Event {
  return { Records: notices.map(record) };
}
