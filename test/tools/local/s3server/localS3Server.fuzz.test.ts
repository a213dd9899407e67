import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type S3ServerProcess, startS3ServerProcess } from '../../../support/localS3ServerProcess';
import { queryString, send, sendBytes, signedHeaders } from '../../../support/s3Requests';

/** More with FUZZ_RUNS=100000 (fast-check picks a new seed each run and prints it on failure). */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 400);

const UPLOAD_ID = '0123456789abcdef0123456789abcdef';

/** Path segments: ordinary, hostile (traversal, bad escapes, s3rver's own file names), and random. */
const segment = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('photos', 'a.jpg', 'b', '._S3rver_uploads', '._S3rver_object') },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '.',
      '..',
      '%',
      '%E0',
      '%zz',
      '%C0%AF',
      '%00',
      '%2F',
      '%2E%2E',
      '%25',
      '+',
      '%20',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('k'.repeat(1100), '.thumbnailer-spool') },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map((text) => text.replace(/[\s?#]/g, '')),
  },
);

const path = fc
  .tuple(
    fc.oneof(
      { weight: 8, arbitrary: fc.constant('/uploads') },
      { weight: 2, arbitrary: fc.constantFrom('/thumbnails', '/nosuchbucket', '') },
      { weight: 1, arbitrary: fc.constantFrom('/..', '/%2E%2E', '/.thumbnailer-spool', '/UP', '/a') },
    ),
    fc.array(segment, { maxLength: 4 }),
  )
  .map(([bucket, segments]) => (segments.length === 0 ? bucket || '/' : `${bucket}/${segments.join('/')}`));

/** Query values, among them the id of a real multipart upload (of `a.jpg`). */
const queryValue = (uploadId: string) =>
  fc.oneof(
    fc.constantFrom(
      '',
      '1',
      '0',
      '-1',
      '10001',
      '2',
      'true',
      uploadId,
      UPLOAD_ID,
      '../../../../tmp/x',
      '%E0',
      'url',
      '/',
    ),
    fc.string({ maxLength: 30 }),
  );
const query = (uploadId: string) =>
  fc.dictionary(
    fc.constantFrom(
      'uploads',
      'uploadId',
      'uploadId',
      'partNumber',
      'delete',
      'list-type',
      'continuation-token',
      'start-after',
      'max-keys',
      'prefix',
      'delimiter',
      'encoding-type',
      'marker',
      'tagging',
      'acl',
      'cors',
      'website',
      'versionId',
      'response-content-type',
      'response-bogus',
      'location',
      'x-id',
    ),
    queryValue(uploadId),
    { maxKeys: 4 },
  );

const headerValue = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.constantFrom('bytes=0-0', 'bytes=-5', 'bytes=5-', 'bytes=9-2', 'bytes=0-1,4-5', 'bytes=x'),
  },
  {
    weight: 10,
    arbitrary: fc.constantFrom('*', '"abc"', 'W/"x"', 'Thu, 01 Jan 1970 00:00:00 GMT', 'not a date', '1'),
  },
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      'aws-chunked',
      'REPLACE',
      'COPY',
      'uploads/a.jpg',
      '/uploads/%E0',
      'uploads/../../x',
    ),
  },
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      'nosuch/x',
      'uploads',
      'multipart/form-data',
      'multipart/form-data; boundary=xyz',
    ),
  },
  {
    weight: 10,
    arbitrary: fc.constantFrom('STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-checksum-crc32', 'AAAAAA=='),
  },
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'UNSIGNED-PAYLOAD',
      '1B2M2Y8AsgTpgAmY7PhCfg==',
    ),
  },
  { weight: 10, arbitrary: fc.string({ maxLength: 40 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')) },
  { weight: 1, arbitrary: fc.constant('v'.repeat(20_000)) },
);
const headerSet = fc.dictionary(
  fc.constantFrom(
    'range',
    'if-match',
    'if-none-match',
    'if-modified-since',
    'if-unmodified-since',
    'content-md5',
    'x-amz-checksum-crc32',
    'x-amz-checksum-sha256',
    'x-amz-copy-source',
    'x-amz-metadata-directive',
    'content-type',
    'content-encoding',
    'x-amz-decoded-content-length',
    'x-amz-trailer',
    'x-amz-meta-a',
    'x-amz-storage-class',
    'x-amz-website-redirect-location',
    'x-amz-tagging',
  ),
  headerValue,
  { maxKeys: 4 },
);

const xml = (root: string, inner: string) => `<?xml version="1.0"?><${root}>${inner}</${root}>`;
/** Bodies: none, random bytes, bad aws-chunked framing, and bad XML for the operations that take XML. */
const body = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc
    .constantFrom(
      '5\r\nhello\r\n0\r\n\r\n',
      'zz\r\nabc',
      '3;chunk-signature=00\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
      'ffffffffffffff\r\nabc',
      xml('Delete', '<Object><Key>007</Key></Object>'),
      xml('Delete', '<Object></Object>'),
      xml('Delete', '<Object><Key>&bogus;</Key></Object>'),
      xml('Delete', '<Object><Key>a.jpg</Key></Object><Object><Key>photos/a.jpg</Key></Object>'),
      xml('Delete', '<Quiet>true</Quiet>'),
      '<Delete>',
      xml('CompleteMultipartUpload', '<Part><PartNumber>1</PartNumber></Part>'),
      xml('CompleteMultipartUpload', ''),
      xml('CompleteMultipartUpload', '<Part><PartNumber>x</PartNumber><ETag>1</ETag></Part>'),
      xml('CompleteMultipartUpload', '<Part><PartNumber>1</PartNumber><ETag>"abc"</ETag></Part>'),
      xml('Tagging', '<TagSet><Tag><Key>a</Key></Tag></TagSet>'),
      xml('CORSConfiguration', '<CORSRule/>'),
      '--xyz\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--xyz--\r\n',
      '--xyz\r\n\r\n',
    )
    .map((text) => Buffer.from(text)),
);

const requestOf = (uploadId: string) =>
  fc.record({
    method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH'),
    path,
    query: query(uploadId),
    headers: headerSet,
    body,
    signing: fc.constantFrom('signed', 'signed', 'signed', 'anonymous', 'wrong-secret'),
  });

type FuzzRequest = ReturnType<typeof requestOf> extends fc.Arbitrary<infer T> ? T : never;

/** Signs and sends one request (for setting up and checking). */
async function signedSend(server: S3ServerProcess, plain: Parameters<typeof send>[1]) {
  return send(server.endpoint, {
    ...plain,
    headers: { ...plain.headers, ...(await signedHeaders(server, plain)) },
  });
}

/** The request as bytes on the wire, signed (or not) as `signing` says. */
async function wire(server: S3ServerProcess, input: FuzzRequest): Promise<Buffer> {
  const plain = {
    method: input.method,
    path: input.path,
    query: input.query,
    headers: input.headers,
    body: input.body,
  };
  const secret = input.signing === 'wrong-secret' ? 'wrong' : server.secretAccessKey;
  const signed =
    input.signing === 'anonymous'
      ? { host: new URL(server.endpoint).host, ...input.headers }
      : await signedHeaders({ ...server, secretAccessKey: secret }, plain);
  const target =
    Object.keys(input.query).length === 0 ? input.path : `${input.path}?${queryString(input.query)}`;
  const lines = Object.entries({
    ...signed,
    'content-length': String(input.body.length),
    connection: 'close',
  });
  const head = `${input.method} ${target} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}`;
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), input.body]);
}

describe('the local S3 server under hostile requests', () => {
  let root: string;
  let server: S3ServerProcess;
  let uploadId: string;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'thumbnailer-s3-fuzz-'));
    await mkdir(join(root, 'data'));
    server = await startS3ServerProcess(join(root, 'data'));
    for (const key of ['a.jpg', 'photos/a.jpg', 'b']) {
      await signedSend(server, { method: 'PUT', path: `/uploads/${key}`, body: Buffer.from(key) });
    }
    const started = await signedSend(server, {
      method: 'POST',
      path: '/uploads/a.jpg',
      query: { uploads: '' },
    });
    uploadId = /<UploadId>([0-9a-f]+)<\/UploadId>/.exec(started.body)?.[1] ?? '';
  });
  afterAll(async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  });

  it(
    'answers every request with a status, never a server error, and never stops',
    async () => {
      await fc.assert(
        fc.asyncProperty(requestOf(uploadId), async (input) => {
          const answer = await sendBytes(server.endpoint, await wire(server, input));
          const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1]);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect(answer.slice(0, 200)).toMatch(/^HTTP\/1\.1 \d{3} /);
          // 501 is S3's honest answer for an operation it does not implement, not a failure.
          expect(status < 500 || status === 501 ? status : answer.slice(0, 600)).toBe(status);
          expect(server.child.exitCode).toBeNull();
        }),
        { numRuns: FUZZ_RUNS },
      );
      expect([...statuses.keys()].filter((status) => status >= 200 && status < 300).length).toBeGreaterThan(
        0,
      );
      // A bound against hangs that grows with the number of requests, not a performance assertion.
    },
    60_000 + FUZZ_RUNS * 100,
  );

  it('still serves signed requests afterwards, and never wrote outside its data directory', async () => {
    // In a bucket of its own: the requests above may have deleted the others (when they were empty).
    expect((await signedSend(server, { method: 'PUT', path: '/after-fuzz' })).status).toBe(200);
    const put = { method: 'PUT', path: '/after-fuzz/object', body: Buffer.from('still here') };
    expect((await signedSend(server, put)).status).toBe(200);
    expect((await signedSend(server, { method: 'GET', path: '/after-fuzz/object' })).body).toBe('still here');
    expect(await readdir(root)).toEqual(['data']);
    expect(server.child.exitCode).toBeNull();
  });
});
