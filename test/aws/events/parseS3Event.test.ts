import { decodeS3Key } from '../../../src/aws/events/parseS3Event';
import { parseS3Event } from '../../../src/aws/events/parseS3Event';
import { encodeS3Key, s3Event } from '../../support/s3Events';
import { InvalidEventError } from '../../../src/common/errors';

describe('decodeS3Key', () => {
  it.each([
    ['cat.jpg', 'cat.jpg'],
    ['my+photo.jpg', 'my photo.jpg'],
    ['a%2Bb.jpg', 'a+b.jpg'],
    ['dir%2Fsub%2Fx.png', 'dir/sub/x.png'],
    ['dir/sub/x.png', 'dir/sub/x.png'],
    ['%C3%A9t%C3%A9+%E6%97%A5%E6%9C%AC.png', 'été 日本.png'],
    ['%F0%9F%98%80.gif', '😀.gif'],
    ['100%25+done.png', '100% done.png'],
    ['literal%2520.jpg', 'literal%20.jpg'],
  ])('%s -> %s', (encoded, decoded) => {
    expect(decodeS3Key(encoded)).toBe(decoded);
  });

  it.each(['a b+c/é%.png', '%20+%2B.jpg', "(x)!*'~.png", 'tab\tand\nnewline'])('round-trips %j', (key) => {
    expect(decodeS3Key(encodeS3Key(key))).toBe(key);
  });

  it('throws URIError on malformed percent-encoding', () => {
    expect(() => decodeS3Key('bad%E0%A4%A.jpg')).toThrow(URIError);
  });
});

describe('parseS3Event', () => {
  it('reads every record, decoding keys and unquoting ETags', () => {
    const event = s3Event('uploads', [
      { key: 'a b.jpg', size: 10, eTag: 'abc' },
      { key: 'c+d.png', size: 20, eTag: '"def"' },
    ]);
    const common = { eventName: 'ObjectCreated:Put', bucket: 'uploads', versionId: undefined };
    const when = { eventTime: '1970-01-01T00:00:00.000Z', region: 'us-east-1' };
    expect(parseS3Event(event)).toEqual({
      kind: 'objects',
      objects: [
        { ...common, ...when, key: 'a b.jpg', size: 10, eTag: 'abc', sequencer: '0000000000000000' },
        { ...common, ...when, key: 'c+d.png', size: 20, eTag: 'def', sequencer: '0000000000000001' },
      ],
    });
  });

  it('accepts records without size or eTag (as for copies from some tools)', () => {
    expect(parseS3Event(s3Event('uploads', [{ key: 'x.jpg' }]))).toHaveProperty(['objects', 0], {
      eventName: 'ObjectCreated:Put',
      bucket: 'uploads',
      key: 'x.jpg',
      size: undefined,
      eTag: undefined,
      versionId: undefined,
      sequencer: '0000000000000000',
      eventTime: '1970-01-01T00:00:00.000Z',
      region: 'us-east-1',
    });
  });

  it('recognises the s3:TestEvent S3 sends when a notification is configured', () => {
    const testEvent = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-11-23T05:53:58.496Z',
      Bucket: 'uploads',
      RequestId: 'X',
      HostId: 'Y',
    };
    expect(parseS3Event(testEvent)).toEqual({ kind: 'test', bucket: 'uploads' });
  });

  it.each<[string, unknown, RegExp]>([
    ['undefined', undefined, /not an S3 event notification/],
    ['a string', 'hello', /not an S3 event notification/],
    ['an SQS event', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, /Records\.0\.eventSource/],
    [
      'a record without a key',
      {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: 'b' }, object: {} },
          },
        ],
      },
      /Records\.0\.s3\.object\.key/,
    ],
    ['an empty key', s3Event('b', [{ key: '' }]), /Records\.0\.s3\.object\.key/],
    [
      'a malformed key encoding',
      {
        Records: [
          {
            ...s3Event('b', [{ key: 'x' }]).Records[0],
            s3: { bucket: { name: 'b' }, object: { key: '%E0%A4%A' } },
          },
        ],
      },
      /not valid URL encoding/,
    ],
    ['a negative size', s3Event('b', [{ key: 'x', size: -1 }]), /size/],
  ])('refuses %s with a clear InvalidEventError', (_name, event, message) => {
    expect(() => parseS3Event(event)).toThrow(InvalidEventError);
    expect(() => parseS3Event(event)).toThrow(message);
  });
});
