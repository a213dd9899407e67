import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { crc32 } from 'node:zlib';
import { AwsChunkedDecoder } from '../../../../src/tools/local/s3server/awsChunkedDecoder';
import { ChunkSigner, signingKey } from '../../../../src/tools/local/s3server/signatureV4';

interface Encoding {
  readonly chunkSize?: number;
  readonly signed?: boolean;
  readonly trailer?: { readonly name: string; readonly value: string };
}

/** Frames `body` the way AWS SDKs do for streamed uploads. */
function awsChunked(body: Buffer, { chunkSize = 8192, signed = false, trailer }: Encoding = {}): Buffer {
  const signature = signed ? `;chunk-signature=${'ab'.repeat(32)}` : '';
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += chunkSize) {
    const data = body.subarray(offset, offset + chunkSize);
    parts.push(Buffer.from(`${data.length.toString(16)}${signature}\r\n`), data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${signature}\r\n`));
  if (trailer) {
    parts.push(Buffer.from(`${trailer.name}:${trailer.value}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Feeds `encoded` to a decoder in pieces of `pieceSize` bytes, as a socket might deliver it. */
function decode(encoded: Buffer, trailerName: string | undefined, pieceSize: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < encoded.length; offset += pieceSize) {
    pieces.push(encoded.subarray(offset, offset + pieceSize));
  }
  return buffer(Readable.from(pieces).pipe(new AwsChunkedDecoder(trailerName)));
}

const body = Buffer.from(Array.from({ length: 50_000 }, (_, index) => (index * 7919) % 251));
const crc32Base64 = (data: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
};
const hashBase64 = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('base64');

describe('AwsChunkedDecoder', () => {
  it.each([1, 7, 4096, 8194, 1 << 20])('decodes a body delivered %i bytes at a time', async (pieceSize) => {
    const trailer = { name: 'x-amz-checksum-crc32', value: crc32Base64(body) };
    expect((await decode(awsChunked(body, { trailer }), trailer.name, pieceSize)).equals(body)).toBe(true);
  });

  it('decodes signed chunks without a trailer', async () => {
    expect(
      (await decode(awsChunked(body, { signed: true, chunkSize: 1000 }), undefined, 333)).equals(body),
    ).toBe(true);
  });

  it('decodes an empty body', async () => {
    expect(await decode(awsChunked(Buffer.alloc(0)), undefined, 5)).toEqual(Buffer.alloc(0));
  });

  it.each([
    ['x-amz-checksum-crc32', crc32Base64(body)],
    ['x-amz-checksum-crc32c', undefined],
    ['x-amz-checksum-sha1', hashBase64('sha1', body)],
    ['x-amz-checksum-sha256', hashBase64('sha256', body)],
  ])('accepts a correct %s trailer and refuses a wrong one with BadDigest', async (name, value) => {
    if (value !== undefined) {
      await expect(decode(awsChunked(body, { trailer: { name, value } }), name, 4096)).resolves.toHaveLength(
        body.length,
      );
    }
    const wrong = { name, value: Buffer.from('nope').toString('base64') };
    await expect(decode(awsChunked(body, { trailer: wrong }), name, 4096)).rejects.toMatchObject({
      code: 'BadDigest',
    });
  });

  it('computes CRC32C correctly (the standard check value of "123456789" is E3069283)', async () => {
    const check = Buffer.from('123456789');
    const value = Buffer.from('e3069283', 'hex').toString('base64');
    const trailer = { name: 'x-amz-checksum-crc32c', value };
    expect(await decode(awsChunked(check, { trailer }), trailer.name, 3)).toEqual(check);
  });

  it('passes an algorithm it cannot check (CRC64NVME) through unverified', async () => {
    const trailer = { name: 'x-amz-checksum-crc64nvme', value: 'AAAAAAAAAAA=' };
    expect((await decode(awsChunked(body, { trailer }), trailer.name, 4096)).equals(body)).toBe(true);
  });

  it.each<[string, string, Buffer]>([
    ['a body cut off mid-chunk', 'IncompleteBody', awsChunked(body).subarray(0, 20_000)],
    ['a body without its final chunk', 'IncompleteBody', awsChunked(body).subarray(0, -5)],
    ['a chunk size that is not hex', 'InvalidRequest', Buffer.from('zz\r\nabc\r\n0\r\n\r\n')],
    ['a chunk size with trailing junk', 'InvalidRequest', Buffer.from('3 junk\r\nabc\r\n0\r\n\r\n')],
    ['a chunk not followed by CRLF', 'InvalidRequest', Buffer.from('3\r\nabcXY0\r\n\r\n')],
    ['a framing line that never ends', 'InvalidRequest', Buffer.alloc(10_000, 0x41)],
    ['a trailer line without a colon', 'InvalidRequest', Buffer.from('0\r\nnonsense\r\n\r\n')],
  ])('refuses %s with %s', async (_name, code, encoded) => {
    await expect(decode(encoded, undefined, 1000)).rejects.toMatchObject({ code });
  });

  describe("with chunk signatures (AWS's published streamed-upload example)", () => {
    const SIGNATURES = [
      'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
      '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
      'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
    ];
    const data = Buffer.alloc(66560, 'a');
    const signer = () =>
      new ChunkSigner(
        signingKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', {
          date: '20130524',
          region: 'us-east-1',
          service: 's3',
        }),
        '20130524T000000Z',
        '20130524/us-east-1/s3/aws4_request',
        '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
      );
    /** The example's body, with `change` applied to its chunks (size, signature, data). */
    function framed(change: (parts: [string, string, Buffer][]) => void = () => undefined): Buffer {
      const parts: [string, string, Buffer][] = [
        ['10000', `;chunk-signature=${SIGNATURES[0] ?? ''}`, data.subarray(0, 65536)],
        ['400', `;chunk-signature=${SIGNATURES[1] ?? ''}`, Buffer.from(data.subarray(65536))],
        ['0', `;chunk-signature=${SIGNATURES[2] ?? ''}`, Buffer.alloc(0)],
      ];
      change(parts);
      return Buffer.concat(
        parts.flatMap(([size, extension, chunk]) => [
          Buffer.from(`${size}${extension}\r\n`),
          chunk,
          Buffer.from('\r\n'),
        ]),
      );
    }
    const decodeSigned = (encoded: Buffer) =>
      buffer(Readable.from([encoded]).pipe(new AwsChunkedDecoder(undefined, undefined, signer())));

    it('decodes the body when every signature is the one AWS computed', async () => {
      expect((await decodeSigned(framed())).equals(data)).toBe(true);
    });

    it.each<[string, (parts: [string, string, Buffer][]) => void]>([
      ['a byte of a chunk changed', (parts) => void parts[1]?.[2].fill('b', 10, 11)],
      [
        'a chunk without its signature',
        (parts) => {
          parts[1]?.splice(1, 1, '');
        },
      ],
      ['the chunks swapped', (parts) => void parts.reverse()],
      ['the final chunk dropped', (parts) => void parts.splice(2, 1)],
    ])('refuses the body with %s', async (_name, change) => {
      await expect(decodeSigned(framed(change))).rejects.toMatchObject({
        code: expect.stringMatching(/^(SignatureDoesNotMatch|IncompleteBody)$/),
      });
    });
  });
});
