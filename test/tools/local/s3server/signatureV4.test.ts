import { createHash } from 'node:crypto';
import {
  canonicalHeaders,
  canonicalQuery,
  canonicalRequestText,
  ChunkSigner,
  EMPTY_SHA256,
  parseAuthorization,
  signHex,
  signingKey,
  stringToSign,
} from '../../../../src/tools/local/s3server/signatureV4';

// AWS's published examples (Amazon S3 API Reference, "Signature Calculations for the Authorization Header"
// and "... Transferring Payload in Multiple Chunks"): the key pair, the date and the expected signatures
// are AWS's own, so a pass means the server computes what S3 computes, not merely what it computes itself.
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DATE = '20130524T000000Z';
const SCOPE = { date: '20130524', region: 'us-east-1', service: 's3' };
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function signature(
  method: string,
  path: string,
  query: string,
  raw: string[],
  signed: string[],
  payload: string,
) {
  const request = canonicalRequestText({
    method,
    path,
    query: canonicalQuery(query, 'X-Amz-Signature'),
    headers: canonicalHeaders(raw, signed),
    signedHeaders: signed,
    payloadHash: payload,
  });
  return signHex(signingKey(SECRET, SCOPE), stringToSign(DATE, SCOPE, request));
}

/** The headers of AWS's streamed-upload example, and those it signs. */
const STREAMED_HEADERS = [
  'Host',
  's3.amazonaws.com',
  'x-amz-date',
  DATE,
  'x-amz-storage-class',
  'REDUCED_REDUNDANCY',
  'x-amz-content-sha256',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'Content-Encoding',
  'aws-chunked',
  'x-amz-decoded-content-length',
  '66560',
  'Content-Length',
  '66824',
];
const STREAMED_SIGNED = [
  'content-encoding',
  'content-length',
  'host',
  'x-amz-content-sha256',
  'x-amz-date',
  'x-amz-decoded-content-length',
  'x-amz-storage-class',
];

describe('SigV4 as S3 computes it', () => {
  it("signs AWS's GET Object example (header-signed, with a Range)", () => {
    const raw = [
      'Host',
      'examplebucket.s3.amazonaws.com',
      'Range',
      'bytes=0-9',
      'x-amz-content-sha256',
      EMPTY_SHA256,
    ];
    const signed = ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'];
    expect(signature('GET', '/test.txt', '', [...raw, 'x-amz-date', DATE], signed, EMPTY_SHA256)).toBe(
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it("signs AWS's presigned URL example (the signature itself left out of the query)", () => {
    const query =
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
      '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=ignored';
    const raw = ['Host', 'examplebucket.s3.amazonaws.com'];
    expect(signature('GET', '/test.txt', query, raw, ['host'], 'UNSIGNED-PAYLOAD')).toBe(
      'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it("chains AWS's streamed-upload example: seed, chunks of 64 KiB and 1 KiB, the final chunk, a trailer", () => {
    const seed = signature(
      'PUT',
      '/examplebucket/chunkObject.txt',
      '',
      STREAMED_HEADERS,
      STREAMED_SIGNED,
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    );
    expect(seed).toBe('4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9');
    const chain = new ChunkSigner(
      signingKey(SECRET, SCOPE),
      DATE,
      '20130524/us-east-1/s3/aws4_request',
      seed,
    );
    expect(chain.chunk(sha256(Buffer.alloc(65536, 'a')))).toBe(
      'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    );
    expect(chain.chunk(sha256(Buffer.alloc(1024, 'a')))).toBe(
      '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    );
    expect(chain.chunk(EMPTY_SHA256)).toBe(
      'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
    );
    // The trailer vector of AWS's common runtime (aws-crt) test suite, chained from the same final chunk.
    expect(chain.trailer(sha256('first:1st\nsecond:2nd\nthird:3rd\n'))).toBe(
      'df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c',
    );
  });

  it('sorts and encodes a canonical query as SigV4 does', () => {
    expect(canonicalQuery('prefix=a b&list-type=2&delimiter=%2F&uploads&x=%E0')).toBe(
      'delimiter=%2F&list-type=2&prefix=a%20b&uploads=&x=%25E0',
    );
  });

  it('reads an Authorization header, and nothing else as one', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=AKID/20130524/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
    expect(parseAuthorization(header)).toEqual({
      accessKeyId: 'AKID',
      scope: { date: '20130524', region: 'eu-west-1', service: 's3' },
      terminator: 'aws4_request',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'abc',
    });
    expect(parseAuthorization('AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abc')).toBeUndefined();
    expect(parseAuthorization('Basic dXNlcjpwYXNz')).toBeUndefined();
  });
});
