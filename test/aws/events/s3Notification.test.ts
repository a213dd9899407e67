import { decodeS3Key } from '../../../src/aws/events/parseS3Event';
import { parseS3Event } from '../../../src/aws/events/parseS3Event';
import { s3Notification } from '../../../src/aws/events/s3Notification';
import { encodeS3EventKey } from '../../../src/aws/events/parseS3Event';

describe('s3Notification', () => {
  it('builds records field for field as S3 sends them', () => {
    const event = s3Notification([
      {
        bucket: 'uploads',
        key: 'holiday photos/été+1.jpg',
        size: 1234,
        eTag: 'abc',
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        sequencer: '0055AED6DCD90281E5',
        eventTime: '2026-01-02T03:04:05.000Z',
      },
    ]);
    expect(event.Records[0]).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-01-02T03:04:05.000Z',
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      userIdentity: { principalId: expect.stringMatching(/^AWS:[0-9A-F]{20}$/) },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': expect.any(String), 'x-amz-id-2': expect.any(String) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'thumbnailer',
        bucket: {
          name: 'uploads',
          ownerIdentity: { principalId: expect.any(String) },
          arn: 'arn:aws:s3:::uploads',
        },
        object: {
          key: 'holiday+photos/%C3%A9t%C3%A9%2B1.jpg',
          size: 1234,
          eTag: 'abc',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    });
  });

  it('leaves size and eTag out of removal records, as S3 does', () => {
    const [record] = s3Notification([{ bucket: 'b', key: 'k', eventName: 'ObjectRemoved:Delete' }]).Records;
    expect(Object.keys(record?.s3.object ?? {})).toEqual(['key', 'sequencer']);
  });

  it.each(['a b+c.jpg', 'dir/sub/x.png', "it's (1)!*~.jpg", '100% sure.jpg', '日本/😀.gif', 'a%2Fb'])(
    'encodes %j so that the handler decodes it back',
    (key) => {
      expect(decodeS3Key(encodeS3EventKey(key))).toBe(key);
      const parsed = parseS3Event(
        s3Notification([{ bucket: 'b', key, size: 1, eTag: 'e', eventName: 'ObjectCreated:Put' }]),
      );
      expect(parsed).toMatchObject({ kind: 'objects', objects: [{ key }] });
    },
  );
});
