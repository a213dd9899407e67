import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { downloadSource } from '../../../../src/aws/s3/downloadSource';
import { getObject, listKeys, putObject } from '../../../support/bucketContents';
import { startTestS3, type TestS3 } from '../../../support/localS3';
import { errorCode, sendSigned } from '../../../support/s3Requests';
import { httpStatusOf } from '../../../../src/common/errors';

const TEN = Buffer.from('0123456789');
const MiB = 1024 * 1024;

describe('the local S3 server answers as S3 does', () => {
  let local: TestS3;
  let eTag: string;
  beforeAll(async () => {
    local = await startTestS3();
    eTag = await putObject(local.s3, 'uploads', 'ten', TEN);
  });
  afterAll(() => local.stop());

  const get = (headers: Record<string, string>) =>
    sendSigned(local.endpoint, { method: 'GET', path: '/uploads/ten', headers });

  it.each<[string, Record<string, string>, number, string]>([
    ['If-Match with another ETag', { 'if-match': '"0123"' }, 412, 'PreconditionFailed'],
    ['If-Match with its ETag', { 'if-match': '"ETAG"' }, 200, '0123456789'],
    ['If-Match with a list holding its ETag', { 'if-match': '"x", "ETAG"' }, 200, '0123456789'],
    ['If-None-Match with its ETag', { 'if-none-match': '"ETAG"' }, 304, ''],
    ['If-None-Match: *', { 'if-none-match': '*' }, 304, ''],
    [
      'If-Unmodified-Since long ago',
      { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' },
      412,
      'PreconditionFailed',
    ],
    [
      'If-Modified-Since long ago',
      { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' },
      200,
      '0123456789',
    ],
    ['If-Modified-Since in the future', { 'if-modified-since': 'Fri, 01 Jan 2100 00:00:00 GMT' }, 304, ''],
    ['bytes=2-4', { range: 'bytes=2-4' }, 206, '234'],
    ['bytes=0-0', { range: 'bytes=0-0' }, 206, '0'],
    ['bytes=-3 (the last three)', { range: 'bytes=-3' }, 206, '789'],
    ['bytes=7- (from the eighth)', { range: 'bytes=7-' }, 206, '789'],
    ['bytes=5-100 (past the end)', { range: 'bytes=5-100' }, 206, '56789'],
    ['bytes=10- (none left)', { range: 'bytes=10-' }, 416, 'InvalidRange'],
    ['bytes=5-2 (not a range: ignored)', { range: 'bytes=5-2' }, 200, '0123456789'],
    ['two ranges (ignored, as S3 does)', { range: 'bytes=0-1,4-5' }, 200, '0123456789'],
    ['a Range that is not bytes (ignored)', { range: 'lines=1-2' }, 200, '0123456789'],
  ])('answers a GET with %s', async (_name, headers, status, content) => {
    const withETag = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, value.replace('ETAG', eTag)]),
    );
    const response = await get(withETag);
    expect([response.status, status >= 400 ? errorCode(response.body) : response.body]).toEqual([
      status,
      content,
    ]);
  });

  it('gives the Lambda a 412 for a replaced object, so an old event is skipped, not misread', async () => {
    const first = await putObject(local.s3, 'uploads', 'replaced', Buffer.from('first'));
    await putObject(local.s3, 'uploads', 'replaced', Buffer.from('second'));
    expect(await downloadSource(local.s3, { bucket: 'uploads', key: 'replaced', eTag: first }, 1000)).toEqual(
      { kind: 'superseded' },
    );
    const empty = await putObject(local.s3, 'uploads', 'empty', Buffer.alloc(0));
    expect(
      await downloadSource(local.s3, { bucket: 'uploads', key: 'empty', eTag: empty }, 1000),
    ).toMatchObject({ kind: 'downloaded', body: Buffer.alloc(0) });
  });

  it('refuses to copy an object onto itself unchanged, and copies it onto itself with new metadata', async () => {
    const copy = (extra: object) =>
      local.s3.send(
        new CopyObjectCommand({ Bucket: 'uploads', Key: 'ten', CopySource: 'uploads/ten', ...extra }),
      );
    await expect(copy({})).rejects.toMatchObject({
      name: 'InvalidRequest',
      $metadata: { httpStatusCode: 400 },
    });
    await copy({ MetadataDirective: 'REPLACE', ContentType: 'text/plain', Metadata: { note: 'replaced' } });
    const stored = await getObject(local.s3, 'uploads', 'ten');
    expect([stored?.body.equals(TEN), stored?.contentType, stored?.metadata, stored?.eTag]).toEqual([
      true,
      'text/plain',
      { note: 'replaced' },
      eTag,
    ]);
    expect(local.notices.filter((notice) => notice.key === 'ten').map((notice) => notice.eventName)).toEqual([
      'ObjectCreated:Put',
      'ObjectCreated:Copy',
    ]);
  });

  it('copies keys holding +, #, ?, & and % (s3rver decoded the source with decodeURI)', async () => {
    const key = 'odd/a+b #c?d&e%f.jpg';
    await putObject(local.s3, 'uploads', key, TEN);
    await local.s3.send(
      new CopyObjectCommand({
        Bucket: 'uploads',
        Key: 'odd/copy',
        CopySource: `uploads/${encodeURIComponent(key)}`,
      }),
    );
    expect((await getObject(local.s3, 'uploads', 'odd/copy'))?.body.equals(TEN)).toBe(true);
    const bad = sendSigned(local.endpoint, {
      method: 'PUT',
      path: '/uploads/odd/bad',
      headers: { 'x-amz-copy-source': 'uploads/%E0' },
    });
    expect(errorCode((await bad).body)).toBe('InvalidArgument');
  });

  it('deletes 1,000 keys in one DeleteObjects, announcing each, and refuses 1,001', async () => {
    const keys = Array.from({ length: 1000 }, (_, index) => `many/${index % 10}/${index}`);
    await Promise.all(keys.map((key) => putObject(local.s3, 'uploads', key, Buffer.from(key))));
    const deleted = await local.s3.send(
      new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    expect([deleted.Deleted?.length, deleted.Errors ?? []]).toEqual([1000, []]);
    expect(await listKeys(local.s3, 'uploads', 'many/')).toEqual([]);
    expect(
      local.notices.filter(
        (notice) => notice.eventName === 'ObjectRemoved:Delete' && notice.key.startsWith('many/'),
      ),
    ).toHaveLength(1000);
    const tooMany = [...keys, 'one more'].map((Key) => ({ Key }));
    await expect(
      local.s3.send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: tooMany } })),
    ).rejects.toMatchObject({ name: 'MalformedXML' });
  });

  it('reads DeleteObjects keys as text (s3rver deleted `7` for `007`) and refuses malformed XML', async () => {
    await putObject(local.s3, 'uploads', '7', TEN);
    await putObject(local.s3, 'uploads', '007', TEN);
    const body = Buffer.from(
      '<Delete><Object><Key>007</Key></Object><Object><Key>&lt;&amp;&gt;</Key></Object></Delete>',
    );
    const response = await sendSigned(local.endpoint, {
      method: 'POST',
      path: '/uploads',
      query: { delete: '' },
      body,
    });
    expect(response.body).toContain(
      '<Deleted><Key>007</Key></Deleted><Deleted><Key>&lt;&amp;&gt;</Key></Deleted>',
    );
    expect([
      (await getObject(local.s3, 'uploads', '7'))?.body.equals(TEN),
      await getObject(local.s3, 'uploads', '007'),
    ]).toEqual([true, undefined]);
    for (const xml of [
      '<Delete>',
      '<Delete><Object/></Delete>',
      '<Delete><Object><Key>&nope;</Key></Object></Delete>',
      'not xml',
    ]) {
      const refused = await sendSigned(local.endpoint, {
        method: 'POST',
        path: '/uploads',
        query: { delete: '' },
        body: Buffer.from(xml),
      });
      expect([xml, refused.status, errorCode(refused.body)]).toEqual([xml, 400, 'MalformedXML']);
    }
  });

  it('checks a multipart completion as S3 does, and aborts uploads', async () => {
    const start = () => local.s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'parts' }));
    const part = (UploadId: string, PartNumber: number, Body: Buffer) =>
      local.s3.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'parts', UploadId, PartNumber, Body }));
    const complete = (UploadId: string, Parts: { PartNumber: number; ETag?: string }[], Key = 'parts') =>
      local.s3.send(
        new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key, UploadId, MultipartUpload: { Parts } }),
      );
    const { UploadId = '' } = await start();
    const [one, two] = [await part(UploadId, 1, Buffer.alloc(MiB)), await part(UploadId, 2, TEN)];
    await expect(
      complete(UploadId, [
        { PartNumber: 1, ETag: one.ETag },
        { PartNumber: 2, ETag: two.ETag },
      ]),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' });
    await expect(
      complete(UploadId, [
        { PartNumber: 2, ETag: two.ETag },
        { PartNumber: 1, ETag: one.ETag },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await expect(complete(UploadId, [{ PartNumber: 2, ETag: '"0123"' }])).rejects.toMatchObject({
      name: 'InvalidPart',
    });
    await expect(
      complete(UploadId, [{ PartNumber: 2, ETag: two.ETag }], 'another-key'),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(complete('../../../../etc', [{ PartNumber: 2, ETag: two.ETag }])).rejects.toMatchObject({
      name: 'NoSuchUpload',
    });
    await expect(part('../../escape', 1, TEN)).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(part(UploadId, 10001, TEN)).rejects.toMatchObject({ name: 'InvalidArgument' });
    await complete(UploadId, [{ PartNumber: 2, ETag: two.ETag }]);
    expect((await getObject(local.s3, 'uploads', 'parts'))?.body.equals(TEN)).toBe(true);
    const aborted = await start();
    await local.s3.send(
      new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'parts', UploadId: aborted.UploadId }),
    );
    await expect(part(aborted.UploadId ?? '', 1, TEN)).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('writes conditionally: If-None-Match: * only when absent, If-Match only over that version', async () => {
    const put = (extra: object) =>
      local.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'conditional', Body: TEN, ...extra }));
    await put({ IfNoneMatch: '*' });
    await expect(put({ IfNoneMatch: '*' })).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await expect(put({ IfMatch: '"0123"' })).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const head = await local.s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'conditional' }));
    await put({ IfMatch: head.ETag });
  });

  it('lists in UTF-8 byte order, counts common prefixes in pages, and pages without losing a key', async () => {
    const keys = [
      'list/a-b',
      'list/a/x',
      'list/a/y',
      'list/b',
      'list/é',
      'list/\u{1F431}',
      'list/\uFFFD',
      'list/c/z',
    ];
    await Promise.all(keys.map((key) => putObject(local.s3, 'uploads', key, TEN)));
    // Page by page, one key a page: none lost (listKeys sorts what it collects).
    expect(await listKeys(local.s3, 'uploads', 'list/', 1)).toEqual([...keys].sort());
    const page = await local.s3.send(
      new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'list/', Delimiter: '/', MaxKeys: 3 }),
    );
    expect([
      page.Contents?.map((object) => object.Key),
      page.CommonPrefixes?.map((prefix) => prefix.Prefix),
      page.IsTruncated,
    ]).toEqual([['list/a-b', 'list/b'], ['list/a/'], true]);
    const rest = await local.s3.send(
      new ListObjectsV2Command({
        Bucket: 'uploads',
        Prefix: 'list/',
        Delimiter: '/',
        ContinuationToken: page.NextContinuationToken,
      }),
    );
    expect([
      rest.Contents?.map((object) => object.Key),
      rest.CommonPrefixes?.map((prefix) => prefix.Prefix),
    ]).toEqual([['list/é', 'list/\uFFFD', 'list/\u{1F431}'], ['list/c/']]);
  });

  it('refuses bucket names S3 could not have, which s3rver took for folders above its own', async () => {
    for (const path of ['/..', '/%2E%2E', '/.thumbnailer-spool', '/UPPER', '/a']) {
      const response = await sendSigned(local.endpoint, { method: 'DELETE', path });
      expect([path, response.status, errorCode(response.body)]).toEqual([path, 400, 'InvalidBucketName']);
    }
    const missing = local.s3.send(new GetObjectCommand({ Bucket: 'nosuchbucket', Key: 'x' }));
    expect(await missing.then(() => 200, httpStatusOf)).toBe(404);
  });
});
