import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Running digests of the checksums S3 accepts on uploads (`x-amz-checksum-*`, as a header or an
 * aws-chunked trailer, and Content-MD5), each rendered in base64 as the header carries it. CRC64NVME has
 * no implementation here and is passed unverified.
 */
export interface Digest {
  update(data: Buffer): void;
  base64(): string;
}

const uint32Base64 = (value: number): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
};

function crc32Digest(): Digest {
  let value = 0;
  return {
    update: (data) => {
      value = crc32(data, value);
    },
    base64: () => uint32Base64(value),
  };
}

const CRC32C_TABLE = Uint32Array.from({ length: 256 }, (_, index) => {
  let crc = index;
  for (let bit = 0; bit < 8; bit += 1) {
    crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return crc >>> 0;
});

function crc32cDigest(): Digest {
  let crc = 0xffffffff;
  return {
    update: (data) => {
      for (const byte of data) {
        crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
      }
    },
    base64: () => uint32Base64(crc ^ 0xffffffff),
  };
}

function hashDigest(algorithm: 'md5' | 'sha1' | 'sha256'): Digest {
  const hash = createHash(algorithm);
  return { update: (data) => hash.update(data), base64: () => hash.digest('base64') };
}

/** A digest for each checksum header (or trailer) name S3 verifies. */
export const CHECKSUM_DIGESTS: Readonly<Record<string, () => Digest>> = {
  'x-amz-checksum-crc32': crc32Digest,
  'x-amz-checksum-crc32c': crc32cDigest,
  'x-amz-checksum-sha1': () => hashDigest('sha1'),
  'x-amz-checksum-sha256': () => hashDigest('sha256'),
};

export const md5Digest = (): Digest => hashDigest('md5');
export const sha256Digest = (): Digest => hashDigest('sha256');

/** The algorithm's name as S3's error messages spell it: `x-amz-checksum-crc32` is `CRC32`. */
export const checksumName = (header: string): string => header.replace('x-amz-checksum-', '').toUpperCase();
