import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { CHECKSUM_DIGESTS, checksumName, type Digest } from './checksums';
import { signaturesEqual } from './signatureV4';
import { currentRequest } from './requestState';

/**
 * Decodes an `aws-chunked` request body, as current AWS SDKs and CLIs send it for streamed uploads:
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n ...]\r\n
 *
 * into the plain bytes, and checks the trailing checksum (`x-amz-checksum-*`) when it names CRC32, CRC32C,
 * SHA-1 or SHA-256. Given the signatures a signed stream (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) must
 * carry, it also checks each chunk's and the trailer's. Servers that do not understand the encoding store
 * the framing as data, silently.
 */

export type ChunkedErrorCode = 'IncompleteBody' | 'BadDigest' | 'InvalidRequest' | 'SignatureDoesNotMatch';

export type ErrorFactory = (code: ChunkedErrorCode, message: string) => Error;

const defaultError: ErrorFactory = (code, message) => Object.assign(new Error(message), { code });

const MAX_LINE_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');
const SIGNATURE_TRAILER = 'x-amz-trailer-signature';

/** The signatures a signed stream's chunks and trailer must carry, in order (see signatureV4.ts). */
export interface ChunkSignatures {
  chunk(dataSha256: string): string;
  trailer(trailerSha256: string): string;
}

type State =
  { phase: 'size' } | { phase: 'data'; remaining: number } | { phase: 'data-end' } | { phase: 'trailers' };

export class AwsChunkedDecoder extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private state: State = { phase: 'size' };
  private finished = false;
  private readonly digest: Digest | undefined;
  private readonly trailerName: string | undefined;
  /** The current chunk's claimed signature and running hash, for a signed stream. */
  private chunk: { signature: string; hash: Hash } | undefined;
  private readonly trailers: string[] = [];
  private trailerSigned = false;
  // Taken now: the body's chunks arrive in the socket's async context, not the request's.
  private readonly request = currentRequest();

  /**
   * @param trailerName the `x-amz-trailer` request header, naming the checksum the trailer will carry
   * @param signatures for a signed stream, what each chunk's and the trailer's signature must be
   */
  constructor(
    trailerName: string | undefined,
    private readonly makeError: ErrorFactory = defaultError,
    private readonly signatures?: ChunkSignatures,
  ) {
    super();
    this.trailerName = trailerName?.toLowerCase().trim();
    this.digest = this.trailerName === undefined ? undefined : CHECKSUM_DIGESTS[this.trailerName]?.();
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
    const [sizeText = '', ...extensions] = line.split(';');
    if (!/^[0-9a-fA-F]{1,13}$/.test(sizeText.trim())) {
      throw this.makeError(
        'InvalidRequest',
        `bad aws-chunked chunk size line: ${JSON.stringify(line.slice(0, 40))}`,
      );
    }
    const size = Number.parseInt(sizeText, 16);
    this.startChunk(extensions);
    if (size === 0) {
      this.endChunk();
      this.state = { phase: 'trailers' };
    } else {
      this.state = { phase: 'data', remaining: size };
    }
    return true;
  }

  private startChunk(extensions: readonly string[]): void {
    if (this.signatures === undefined) {
      return;
    }
    const signature = extensions.find((extension) => extension.startsWith('chunk-signature='));
    if (signature === undefined) {
      throw this.makeError(
        'SignatureDoesNotMatch',
        'a chunk of a signed aws-chunked body has no chunk-signature',
      );
    }
    this.chunk = { signature: signature.slice('chunk-signature='.length), hash: createHash('sha256') };
  }

  private endChunk(): void {
    if (this.signatures === undefined || this.chunk === undefined) {
      return;
    }
    const expected = this.signatures.chunk(this.chunk.hash.digest('hex'));
    if (!signaturesEqual(this.chunk.signature, expected)) {
      throw this.makeError(
        'SignatureDoesNotMatch',
        'The chunk signature we calculated does not match the one provided.',
      );
    }
    this.chunk = undefined;
  }

  private readData(remaining: number): boolean {
    const data = this.pending.subarray(0, remaining);
    this.pending = this.pending.subarray(data.length);
    this.digest?.update(data);
    this.chunk?.hash.update(data);
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
    this.endChunk();
    this.state = { phase: 'size' };
    return true;
  }

  private readTrailerLine(): boolean {
    const line = this.takeLine();
    if (line === undefined) {
      return false;
    }
    if (line === '') {
      this.endTrailers();
      return false;
    }
    const separator = line.indexOf(':');
    const name = line.slice(0, separator).trim().toLowerCase();
    const value = line.slice(separator + 1).trim();
    if (separator <= 0) {
      throw this.makeError(
        'InvalidRequest',
        `bad aws-chunked trailer line: ${JSON.stringify(line.slice(0, 40))}`,
      );
    }
    if (name === SIGNATURE_TRAILER) {
      this.checkTrailerSignature(value);
      return true;
    }
    this.trailers.push(`${name}:${value}\n`);
    if (name === this.trailerName && this.digest) {
      if (value !== this.digest.base64()) {
        throw this.makeError(
          'BadDigest',
          `The ${checksumName(name)} you specified did not match the calculated checksum.`,
        );
      }
      this.request?.checksums.set(name, value);
    }
    return true;
  }

  private checkTrailerSignature(signature: string): void {
    const expected = this.signatures?.trailer(
      createHash('sha256').update(this.trailers.join('')).digest('hex'),
    );
    if (expected === undefined || !signaturesEqual(signature, expected)) {
      throw this.makeError(
        'SignatureDoesNotMatch',
        'The trailer signature we calculated does not match the one provided.',
      );
    }
    this.trailerSigned = true;
  }

  private endTrailers(): void {
    // A signed stream that announced a trailer must sign it too.
    if (this.signatures !== undefined && this.trailerName !== undefined && !this.trailerSigned) {
      throw this.makeError(
        'SignatureDoesNotMatch',
        'The trailer of a signed aws-chunked body carries no x-amz-trailer-signature.',
      );
    }
    this.finished = true;
  }
}
