import { createHash, randomBytes } from 'node:crypto';
import type { S3Event } from 'aws-lambda';
import { encodeS3EventKey, type S3ObjectEvent } from './parseS3Event';

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();

/** One record, field for field as S3 sends it (event version 2.1). */
function record(notice: S3ObjectEvent): S3Event['Records'][number] {
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
    eventTime: notice.eventTime ?? new Date().toISOString(),
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
export function s3Notification(notices: readonly S3ObjectEvent[]): S3Event {
  return { Records: notices.map(record) };
}
