import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getObject, putObject } from '../../../support/bucketContents';
import { startTestS3, type TestS3 } from '../../../support/localS3';
import {
  errorCode,
  type PlainRequest,
  presignedUrl,
  send,
  sendSigned,
  signedHeaders,
  formPost,
} from '../../../support/s3Requests';

const MINUTE = 60_000;

describe('the local S3 server refuses requests not signed with its keys', () => {
  let local: TestS3;
  const kept = () => getObject(local.s3, 'uploads', 'kept').then((object) => object?.body.toString());

  beforeAll(async () => {
    local = await startTestS3();
    await putObject(local.s3, 'uploads', 'kept', Buffer.from('kept'));
  });
  afterAll(() => local.stop());

  it.each<[string, PlainRequest]>([
    ['PutObject', { method: 'PUT', path: '/uploads/anonymous', body: Buffer.from('x') }],
    ['GetObject', { method: 'GET', path: '/uploads/kept' }],
    ['HeadObject', { method: 'HEAD', path: '/uploads/kept' }],
    ['DeleteObject', { method: 'DELETE', path: '/uploads/kept' }],
    ['ListObjectsV2', { method: 'GET', path: '/uploads', query: { 'list-type': '2' } }],
    ['ListBuckets', { method: 'GET', path: '/' }],
    ['DeleteBucket', { method: 'DELETE', path: '/other' }],
    ['CreateMultipartUpload', { method: 'POST', path: '/uploads/anonymous', query: { uploads: '' } }],
    [
      'DeleteObjects',
      {
        method: 'POST',
        path: '/uploads',
        query: { delete: '' },
        body: Buffer.from('<Delete><Object><Key>kept</Key></Object></Delete>'),
      },
    ],
  ])('answers an anonymous %s with 403 AccessDenied, changing nothing', async (_name, request) => {
    const response = await send(local.endpoint.endpoint, request);
    expect([response.status, errorCode(response.body)]).toEqual([
      403,
      request.method === 'HEAD' ? undefined : 'AccessDenied',
    ]);
    expect(await kept()).toBe('kept');
    expect(await getObject(local.s3, 'uploads', 'anonymous')).toBeUndefined();
  });

  it('answers a form upload without a signed policy with 403 AccessDenied', async () => {
    const response = await send(
      local.endpoint.endpoint,
      await formPost({ key: 'anonymous' }, Buffer.from('x')),
    );
    expect([response.status, errorCode(response.body)]).toEqual([403, 'AccessDenied']);
    expect(await getObject(local.s3, 'uploads', 'anonymous')).toBeUndefined();
  });

  it.each<[string, (request: PlainRequest) => Promise<PlainRequest>, number, string]>([
    [
      'a wrong secret',
      async (r) => ({
        ...r,
        headers: await signedHeaders({ ...local.endpoint, secretAccessKey: 'nope' }, r),
      }),
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'an unknown key id',
      async (r) => ({
        ...r,
        headers: await signedHeaders({ ...local.endpoint, accessKeyId: 'AKIDNOPE' }, r),
      }),
      403,
      'InvalidAccessKeyId',
    ],
    [
      'a body changed after signing',
      async (r) => ({ ...r, headers: await signedHeaders(local.endpoint, r), body: Buffer.from('evil') }),
      400,
      'XAmzContentSHA256Mismatch',
    ],
    [
      'another path than the one signed',
      async (r) => ({ ...r, path: '/uploads/kept', headers: await signedHeaders(local.endpoint, r) }),
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'a signed header changed',
      async (r) => ({
        ...r,
        headers: { ...(await signedHeaders(local.endpoint, r)), 'x-amz-meta-who': 'evil' },
      }),
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'an x-amz header added unsigned',
      async (r) => ({
        ...r,
        headers: {
          ...(await signedHeaders(local.endpoint, { ...r, headers: {} })),
          'x-amz-meta-who': 'evil',
        },
      }),
      403,
      'AccessDenied',
    ],
  ])('refuses a request with %s, storing nothing', async (_name, tamper, status, code) => {
    const request = {
      method: 'PUT',
      path: '/uploads/tampered',
      headers: { 'x-amz-meta-who': 'me' },
      body: Buffer.from('good'),
    };
    const response = await send(local.endpoint.endpoint, await tamper(request));
    expect([response.status, errorCode(response.body)]).toEqual([status, code]);
    expect(await getObject(local.s3, 'uploads', 'tampered')).toBeUndefined();
    expect(await kept()).toBe('kept');
  });

  it.each([
    [-20, 403, 'RequestTimeTooSkewed'],
    [20, 403, 'RequestTimeTooSkewed'],
    [-14, 200, undefined],
    [14, 200, undefined],
  ])(
    "allows a header-signed request dated %i minutes off only within S3's 15",
    async (minutes, status, code) => {
      const request = { method: 'GET', path: '/uploads/kept' };
      const response = await sendSigned(local.endpoint, request, {
        signingDate: new Date(Date.now() + minutes * MINUTE),
      });
      expect([response.status, errorCode(response.body)]).toEqual([status, code]);
    },
  );

  it("says what S3 says about a skewed clock, with the server's time, and the SDK corrects its own", async () => {
    const skewed = new S3Client({
      region: 'us-east-1',
      endpoint: local.endpoint.endpoint,
      forcePathStyle: true,
      credentials: local.endpoint,
      systemClockOffset: -40 * MINUTE,
    });
    const put = () =>
      skewed.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'skewed', Body: 'on time' }));
    await expect(put()).rejects.toMatchObject({
      name: 'RequestTimeTooSkewed',
      ServerTime: expect.any(String),
    });
    // The SDK took the server's time from the refusal: its clock is now right.
    await put();
    expect((await getObject(local.s3, 'uploads', 'skewed'))?.body.toString()).toBe('on time');
    skewed.destroy();
  });
});

describe('presigned URLs on the local S3 server', () => {
  let local: TestS3;

  beforeAll(async () => {
    local = await startTestS3();
    await putObject(local.s3, 'uploads', 'shared/photo 1+1.jpg', Buffer.from('shared'));
  });
  afterAll(() => local.stop());

  it("work as the SDK makes them, default checksums and all (S3 does not check a presigned URL's)", async () => {
    const get = await getSignedUrl(
      local.s3,
      new GetObjectCommand({ Bucket: 'uploads', Key: 'shared/photo 1+1.jpg' }),
    );
    expect(await (await fetch(get)).text()).toBe('shared');
    const put = await getSignedUrl(
      local.s3,
      new PutObjectCommand({ Bucket: 'uploads', Key: 'shared/from browser' }),
    );
    expect((await fetch(put, { method: 'PUT', body: 'uploaded' })).status).toBe(200);
    expect((await getObject(local.s3, 'uploads', 'shared/from browser'))?.body.toString()).toBe('uploaded');
  });

  it.each<
    [string, { signingDate?: Date; expiresIn?: number }, (url: string) => string, number, string, RegExp]
  >([
    [
      'expired',
      { signingDate: new Date(Date.now() - 120 * MINUTE), expiresIn: 3600 },
      (url) => url,
      403,
      'AccessDenied',
      /expired/,
    ],
    [
      'dated in the future',
      { signingDate: new Date(Date.now() + 60 * MINUTE) },
      (url) => url,
      403,
      'AccessDenied',
      /not valid yet/,
    ],
    [
      'with its signature changed',
      {},
      (url) => url.replace(/Signature=./, 'Signature=0'),
      403,
      'SignatureDoesNotMatch',
      /./,
    ],
    [
      'for another key',
      {},
      (url) => url.replace('photo%201', 'photo%202'),
      403,
      'SignatureDoesNotMatch',
      /./,
    ],
    [
      'made to last longer than 7 days',
      {},
      (url) => url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604801'),
      400,
      'AuthorizationQueryParametersError',
      /7 days/,
    ],
  ])('refuses one %s', async (_name, options, change, status, code, message) => {
    const url = change(
      await presignedUrl(
        local.endpoint,
        { method: 'GET', path: '/uploads/shared/photo%201%2B1.jpg' },
        options,
      ),
    );
    const response = await fetch(url);
    const body = await response.text();
    expect([response.status, errorCode(body)]).toEqual([status, code]);
    expect(/<Message>([^<]*)/.exec(body)?.[1]).toMatch(message);
  });
});
