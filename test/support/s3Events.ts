export interface EventObject {
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly eventName?: string;
}

/** A key as S3 puts it in a notification: form-URL-encoded, so a space is `+` and `+` is `%2B`. */
export const encodeS3Key = (key: string): string => encodeURIComponent(key).replace(/%20/g, '+');

/**
 * An S3 event notification shaped as S3 sends it (eventVersion 2.1). Tests that need S3's exact key
 * encoding use records moto generated instead; see the moto handler suite.
 */
export function s3Event(bucket: string, objects: readonly EventObject[]) {
  return {
    Records: objects.map((object, index) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: new Date(0).toISOString(),
      eventName: object.eventName ?? 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'thumbnails',
        bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: {
          key: encodeS3Key(object.key),
          ...(object.size === undefined ? {} : { size: object.size }),
          ...(object.eTag === undefined ? {} : { eTag: object.eTag }),
          sequencer: `00${index.toString(16).padStart(14, '0')}`,
        },
      },
    })),
  };
}
