import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';

/**
 * Decodes an `aws-chunked` request body, as current AWS SDKs and CLIs send it for streamed uploads:
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n ...]\r\n
 *
 * into the plain bytes, and checks the trailing checksum (`x-amz-checksum-*`) when it names CRC32, CRC32C,
 * SHA-1 or SHA-256. Servers that do not understand the encoding store the framing as data, silently.
 */

export type ChunkedErrorCode = 'IncompleteBody' | 'BadDigest' | 'InvalidRequest';

export type ErrorFactory = (code: ChunkedErrorCode, message: string) => Error;

const defaultError: ErrorFactory = (code, message) => Object.assign(new Error(message), { code });

const MAX_LINE_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');

/** Running digests for the checksum algorithms S3 accepts in trailers (CRC64NVME is passed unverified). */
interface Digest {
  update(data: Buffer): void;
  base64(): string;
}

function crc32Digest(): Digest {
  let value = 0;
  return {
    update: (data) => {
      value = crc32(data, value);
    },
    base64: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(value >>> 0);
      return out.toString('base64');
    },
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
    base64: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
      return out.toString('base64');
    },
  };
}

function hashDigest(algorithm: 'sha1' | 'sha256'): Digest {
  const hash: Hash = createHash(algorithm);
  return { update: (data) => hash.update(data), base64: () => hash.digest('base64') };
}

const DIGESTS: Record<string, () => Digest> = {
  'x-amz-checksum-crc32': crc32Digest,
  'x-amz-checksum-crc32c': crc32cDigest,
  'x-amz-checksum-sha1': () => hashDigest('sha1'),
  'x-amz-checksum-sha256': () => hashDigest('sha256'),
};

type State =
  { phase: 'size' } | { phase: 'data'; remaining: number } | { phase: 'data-end' } | { phase: 'trailers' };

export class AwsChunkedDecoder extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private state: State = { phase: 'size' };
  private finished = false;
  private readonly digest: Digest | undefined;
  private readonly trailerName: string | undefined;

  /** @param trailerName the `x-amz-trailer` request header, naming the checksum the trailer will carry */
  constructor(
    trailerName: string | undefined,
    private readonly makeError: ErrorFactory = defaultError,
  ) {
    super();
    this.trailerName = trailerName?.toLowerCase().trim();
    this.digest = this.trailerName === undefined ? undefined : DIGESTS[this.trailerName]?.();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    try {
      while (this.pending.length > 0 && !this.finished && this.step()) {
        // each step consumes from `pending` until it needs more input
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(
      this.finished
        ? null
        : this.makeError('IncompleteBody', 'the aws-chunked body ended before its last chunk'),
    );
  }

  /** Advances the state machine once; false when more input is needed. */
  private step(): boolean {
    switch (this.state.phase) {
      case 'size':
        return this.readSizeLine();
      case 'data':
        return this.readData(this.state.remaining);
      case 'data-end':
        return this.readDataEnd();
      case 'trailers':
        return this.readTrailerLine();
    }
  }

  private takeLine(): string | undefined {
    const end = this.pending.indexOf(CRLF);
    if (end === -1) {
      if (this.pending.length > MAX_LINE_BYTES) {
        throw this.makeError('InvalidRequest', 'aws-chunked framing line too long');
      }
      return undefined;
    }
    const line = this.pending.subarray(0, end).toString('latin1');
    this.pending = this.pending.subarray(end + CRLF.length);
    return line;
  }

  private readSizeLine(): boolean {
    const line = this.takeLine();
    if (line === undefined) {
      return false;
    }
    const size = Number.parseInt(line.split(';')[0] ?? '', 16);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw this.makeError(
        'InvalidRequest',
        `bad aws-chunked chunk size line: ${JSON.stringify(line.slice(0, 40))}`,
      );
    }
    this.state = size === 0 ? { phase: 'trailers' } : { phase: 'data', remaining: size };
    return true;
  }

  private readData(remaining: number): boolean {
    const data = this.pending.subarray(0, remaining);
    this.pending = this.pending.subarray(data.length);
    this.digest?.update(data);
    this.push(data);
    const left = remaining - data.length;
    this.state = left === 0 ? { phase: 'data-end' } : { phase: 'data', remaining: left };
    return left === 0;
  }

  private readDataEnd(): boolean {
    if (this.pending.length < CRLF.length) {
      return false;
    }
    if (!this.pending.subarray(0, CRLF.length).equals(CRLF)) {
      throw this.makeError('InvalidRequest', 'aws-chunked chunk not followed by CRLF');
    }
    this.pending = this.pending.subarray(CRLF.length);
    this.state = { phase: 'size' };
    return true;
  }

  private readTrailerLine(): boolean {
    const line = this.takeLine();
    if (line === undefined) {
      return false;
    }
    if (line === '') {
      this.finished = true;
      return false;
    }
    const separator = line.indexOf(':');
    const name = line.slice(0, separator).trim().toLowerCase();
    const value = line.slice(separator + 1).trim();
    if (name === this.trailerName && this.digest && value !== this.digest.base64()) {
      throw this.makeError(
        'BadDigest',
        `The ${name.replace('x-amz-checksum-', '').toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
    return true;
  }
}
