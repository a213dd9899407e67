import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { getObject, putObject } from '../../../support/bucketContents';
import { startTestS3, type TestS3 } from '../../../support/localS3';
import { errorCode, send, signedFormFields, signedStreamingPut, formPost } from '../../../support/s3Requests';

/** Bytes that do not repeat in any short period, so a shifted or framed copy never compares equal. */
const payload = (bytes: number) =>
  Buffer.from(Array.from({ length: bytes }, (_, index) => (index * 7919 + (index >> 9)) % 251));

const crc32Base64 = (data: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
};

describe('signed streaming uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  let local: TestS3;
  const data = payload(200_000);

  beforeAll(async () => {
    local = await startTestS3();
    await putObject(local.s3, 'uploads', 'stream', Buffer.from('before'));
  });
  afterAll(() => local.stop());

  it('stores a stream whose every chunk signature chains from the request signature', async () => {
    const response = await send(
      local.endpoint.endpoint,
      await signedStreamingPut(local.endpoint, '/uploads/signed', data),
    );
    expect(response.status).toBe(200);
    expect((await getObject(local.s3, 'uploads', 'signed'))?.body.equals(data)).toBe(true);
  });

  it('stores a stream with a signed checksum trailer', async () => {
    const trailer = { name: 'x-amz-checksum-crc32', value: crc32Base64(data) };
    const request = await signedStreamingPut(local.endpoint, '/uploads/trailed', data, { trailer });
    expect((await send(local.endpoint.endpoint, request)).status).toBe(200);
    expect((await getObject(local.s3, 'uploads', 'trailed'))?.body.equals(data)).toBe(true);
  });

  it.each<[string, Parameters<typeof signedStreamingPut>[3], number, string]>([
    ['a chunk changed after it was signed', { corruptChunk: 1 }, 403, 'SignatureDoesNotMatch'],
    ['its last chunk changed after it was signed', { corruptChunk: 3 }, 403, 'SignatureDoesNotMatch'],
    [
      'a signed trailer whose checksum is wrong',
      { trailer: { name: 'x-amz-checksum-crc32', value: 'AAAAAA==' } },
      400,
      'BadDigest',
    ],
  ])(
    'refuses a stream with %s, keeping the object it would replace',
    async (_name, options, status, code) => {
      const response = await send(
        local.endpoint.endpoint,
        await signedStreamingPut(local.endpoint, '/uploads/stream', data, options),
      );
      expect([response.status, errorCode(response.body)]).toEqual([status, code]);
      expect((await getObject(local.s3, 'uploads', 'stream'))?.body.toString()).toBe('before');
    },
  );
});

describe('browser form uploads (POST Object)', () => {
  let local: TestS3;
  const photo = payload(2000);

  beforeAll(async () => {
    local = await startTestS3();
  });
  afterAll(() => local.stop());

  it('stores the file of a form whose policy is signed and satisfied (SigV4, and SigV2)', async () => {
    const v4 = await signedFormFields(local.endpoint, 'uploads', {
      key: 'user/v4.jpg',
      'content-type': 'image/jpeg',
    });
    expect((await send(local.endpoint.endpoint, await formPost(v4, photo))).status).toBe(204);
    const stored = await getObject(local.s3, 'uploads', 'user/v4.jpg');
    expect([stored?.body.equals(photo), stored?.contentType]).toEqual([true, 'image/jpeg']);
    const policy = Buffer.from(
      JSON.stringify({ expiration: '2099-01-01T00:00:00Z', conditions: [{ key: 'user/v2.jpg' }] }),
    ).toString('base64');
    const signature = createHmac('sha1', 'test').update(policy).digest('base64');
    const v2 = { key: 'user/v2.jpg', AWSAccessKeyId: 'test', policy, signature };
    expect((await send(local.endpoint.endpoint, await formPost(v2, photo))).status).toBe(204);
    expect((await getObject(local.s3, 'uploads', 'user/v2.jpg'))?.body.equals(photo)).toBe(true);
  });

  it.each<[string, () => Promise<Record<string, string>>, number, string]>([
    [
      'signed with a wrong secret',
      () => signedFormFields(local.endpoint, 'uploads', { key: 'refused' }, { secretAccessKey: 'x' }),
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'whose policy has expired',
      () =>
        signedFormFields(
          local.endpoint,
          'uploads',
          { key: 'refused' },
          { expiration: '2001-01-01T00:00:00Z' },
        ),
      403,
      'AccessDenied',
    ],
    [
      'with a key its policy does not allow',
      async () => ({ ...(await signedFormFields(local.endpoint, 'uploads', { key: 'ok' })), key: 'refused' }),
      403,
      'AccessDenied',
    ],
    [
      'with a field its policy does not cover',
      async () => ({
        ...(await signedFormFields(local.endpoint, 'uploads', { key: 'refused' })),
        'x-amz-meta-who': 'evil',
      }),
      403,
      'AccessDenied',
    ],
    [
      'for another bucket',
      () => signedFormFields(local.endpoint, 'other', { key: 'refused' }),
      403,
      'AccessDenied',
    ],
    [
      'with a file over its content-length-range',
      () =>
        signedFormFields(
          local.endpoint,
          'uploads',
          { key: 'refused' },
          { conditions: [['content-length-range', 0, 100]] },
        ),
      400,
      'EntityTooLarge',
    ],
    [
      'whose policy is not JSON',
      async () => ({
        ...(await signedFormFields(local.endpoint, 'uploads', { key: 'refused' })),
        policy: 'bm90IGpzb24=',
      }),
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'redirecting to something that is no URL',
      () =>
        signedFormFields(local.endpoint, 'uploads', { key: 'refused', success_action_redirect: 'not a url' }),
      400,
      'InvalidArgument',
    ],
    [
      'with a key over 1,024 bytes',
      () => signedFormFields(local.endpoint, 'uploads', { key: `refused${'k'.repeat(1020)}` }),
      400,
      'KeyTooLongError',
    ],
  ])('refuses a form %s, storing nothing', async (_name, fields, status, code) => {
    const response = await send(local.endpoint.endpoint, await formPost(await fields(), photo));
    expect([response.status, errorCode(response.body)]).toEqual([status, code]);
    expect(await getObject(local.s3, 'uploads', 'refused')).toBeUndefined();
  });

  it('allows keys by prefix with starts-with, and refuses a malformed form with 400', async () => {
    const fields = await signedFormFields(
      local.endpoint,
      'uploads',
      {},
      { conditions: [['starts-with', '$key', 'user/']] },
    );
    expect(
      (await send(local.endpoint.endpoint, await formPost({ ...fields, key: 'user/猫 ünï.jpg' }, photo)))
        .status,
    ).toBe(204);
    const mangled = {
      method: 'POST',
      path: '/uploads',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: Buffer.from('--x\r\nnonsense'),
    };
    const response = await send(local.endpoint.endpoint, mangled);
    expect([response.status, errorCode(response.body)]).toEqual([400, 'MalformedPOSTRequest']);
    expect(createHash('md5').update(photo).digest('hex')).toBe(
      (await getObject(local.s3, 'uploads', 'user/猫 ünï.jpg'))?.eTag,
    );
  });
});
