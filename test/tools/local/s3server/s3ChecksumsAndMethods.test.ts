/**
 * What a hostile user's trial found in the S3 server: PutObject answered without the `x-amz-checksum-*`
 * it verified (the SDK reported ChecksumSHA256 undefined), and methods S3 refuses with a 405 got a
 * plain-text 404.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { startTestS3, type TestS3 } from '../../../support/localS3';
import { errorCode, sendSigned, signedStreamingPut, send } from '../../../support/s3Requests';

const body = Buffer.from('the bytes of a small upload, checksummed every way S3 knows\n');
const crc32Base64 = (data: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data) >>> 0);
  return out.toString('base64');
};
const hash = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('base64');

describe('the S3 server: checksums echoed as S3 does', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(() => s3.stop());

  it.each([
    ['SHA256', 'ChecksumSHA256'],
    ['SHA1', 'ChecksumSHA1'],
    ['CRC32', 'ChecksumCRC32'],
    ['CRC32C', 'ChecksumCRC32C'],
  ] as const)('answers PutObject with the %s checksum the SDK sent', async (algorithm, field) => {
    const put = new PutObjectCommand({
      Bucket: 'uploads',
      Key: `checksum-${algorithm}`,
      Body: body,
      ChecksumAlgorithm: algorithm,
    });
    const answer = await s3.s3.send(put);
    expect(answer[field]).toBeDefined();
    if (algorithm === 'SHA256' || algorithm === 'SHA1') {
      expect(answer[field]).toBe(hash(algorithm.toLowerCase(), body));
    }
    if (algorithm === 'CRC32') {
      expect(answer[field]).toBe(crc32Base64(body));
    }
  });

  it('answers UploadPart with its checksum too', async () => {
    const { UploadId } = await s3.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'parts', ChecksumAlgorithm: 'SHA256' }),
    );
    const part = await s3.s3.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: 'parts',
        UploadId,
        PartNumber: 1,
        Body: body,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    expect(part.ChecksumSHA256).toBe(hash('sha256', body));
  });

  it('echoes a checksum sent as a signed aws-chunked trailer', async () => {
    const put = await signedStreamingPut(s3.endpoint, '/uploads/trailed', body, {
      chunkSize: 16,
      trailer: { name: 'x-amz-checksum-sha256', value: hash('sha256', body) },
    });
    const answer = await send(s3.endpoint.endpoint, put);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-amz-checksum-sha256']).toBe(hash('sha256', body));
  });

  it('refuses a wrong checksum with BadDigest, stores nothing and echoes nothing', async () => {
    const wrong = hash('sha256', Buffer.from('something else'));
    const answer = await sendSigned(s3.endpoint, {
      method: 'PUT',
      path: '/uploads/wrong-checksum',
      headers: { 'x-amz-checksum-sha256': wrong },
      body,
    });
    expect(answer.status).toBe(400);
    expect(errorCode(answer.body)).toBe('BadDigest');
    expect(answer.headers['x-amz-checksum-sha256']).toBeUndefined();
    const read = await sendSigned(s3.endpoint, { method: 'HEAD', path: '/uploads/wrong-checksum' });
    expect(read.status).toBe(404);
  });
});

describe('the S3 server: methods S3 does not answer', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(() => s3.stop());

  it.each([
    ['PATCH', '/uploads/cat.jpg', 'OBJECT'],
    ['PROPFIND', '/uploads/', 'BUCKET'],
    ['MKCOL', '/uploads/folder', 'OBJECT'],
    ['PURGE', '/', 'SERVICE'],
  ])('answers a signed %s with S3 XML 405 MethodNotAllowed', async (method, path, resourceType) => {
    const answer = await sendSigned(s3.endpoint, { method, path });
    expect(answer.status).toBe(405);
    expect(answer.headers['content-type']).toMatch(/xml/);
    expect(errorCode(answer.body)).toBe('MethodNotAllowed');
    expect(answer.body).toContain(`<Method>${method}</Method>`);
    expect(answer.body).toContain(`<ResourceType>${resourceType}</ResourceType>`);
    expect(answer.headers.allow).toBe('GET, HEAD, PUT, POST, DELETE, OPTIONS');
  });

  it('answers an unsigned unknown method the same way, and keeps serving', async () => {
    const answer = await send(s3.endpoint.endpoint, { method: 'PATCH', path: '/uploads/x' });
    expect(answer.status).toBe(405);
    expect(errorCode(answer.body)).toBe('MethodNotAllowed');
    const list = await sendSigned(s3.endpoint, { method: 'GET', path: '/uploads' });
    expect(list.status).toBe(200);
  });
});
