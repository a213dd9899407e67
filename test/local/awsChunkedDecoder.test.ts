import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { crc32 } from 'node:zlib';
import { AwsChunkedDecoder } from '../../src/local/awsChunkedDecoder';

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

  it.each<[string, Buffer, string]>([
    ['a body cut off mid-chunk', awsChunked(body).subarray(0, 20_000), 'IncompleteBody'],
    ['a body without its final chunk', awsChunked(body).subarray(0, -5), 'IncompleteBody'],
    ['a chunk size that is not hex', Buffer.from('zz\r\nabc\r\n0\r\n\r\n'), 'InvalidRequest'],
    ['a chunk not followed by CRLF', Buffer.from('3\r\nabcXY0\r\n\r\n'), 'InvalidRequest'],
    ['a framing line that never ends', Buffer.alloc(10_000, 0x41), 'InvalidRequest'],
  ])('refuses %s with %s', async (_name, encoded, code) => {
    await expect(decode(encoded, undefined, 1000)).rejects.toMatchObject({ code });
  });
});
