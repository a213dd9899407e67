import { Transform, type TransformCallback } from 'node:stream';
import { CHECKSUM_DIGESTS, checksumName, type Digest, md5Digest, sha256Digest } from './checksums';
import { currentRequest } from './requestState';
import { s3Error, type S3rverContext } from './s3rverInternals';

/**
 * Checks a request body against what its headers say it is, as S3 does, before anything is stored: the
 * signed SHA-256 (`x-amz-content-sha256`), `Content-MD5`, and `x-amz-checksum-*`. s3rver checked none, so
 * a body damaged on the way (or changed after signing) was stored as if it were what the client sent.
 * (Run as the body is received: see requestBodies.)
 */

export interface Check {
  readonly digest: Digest;
  readonly expected: string;
  readonly error: () => Error;
  /** For an `x-amz-checksum-*` check, the header's name: once verified, the response echoes it. */
  readonly header?: string;
}

/** Passes the body through, and fails at its end when it is not what the headers say. */
export class BodyCheck extends Transform {
  // Taken now: the body's chunks arrive in the socket's async context, not the request's.
  private readonly request = currentRequest();

  constructor(private readonly checks: readonly Check[]) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const check of this.checks) {
      check.digest.update(chunk);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const failed = this.checks.find((check) => check.digest.base64() !== check.expected);
    if (failed === undefined) {
      for (const { header, expected } of this.checks) {
        if (header !== undefined) {
          this.request?.checksums.set(header, expected);
        }
      }
    }
    callback(failed?.error() ?? null);
  }
}

function md5Check(header: string): Check {
  const bytes = Buffer.from(header, 'base64');
  if (bytes.length !== 16 || bytes.toString('base64') !== header) {
    throw s3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.');
  }
  return {
    digest: md5Digest(),
    expected: header,
    error: () => s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.'),
  };
}

/** The checks the request's headers ask for. */
export function checksFor(context: S3rverContext): Check[] {
  const checks: Check[] = [];
  const sha256 = currentRequest()?.payloadSha256;
  if (sha256 !== undefined) {
    checks.push({
      digest: sha256Digest(),
      expected: Buffer.from(sha256, 'hex').toString('base64'),
      error: () =>
        s3Error(
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          {},
          400,
        ),
    });
  }
  const md5 = context.headers['content-md5'];
  if (typeof md5 === 'string') {
    checks.push(md5Check(md5));
  }
  for (const [name, digest] of Object.entries(CHECKSUM_DIGESTS)) {
    const value = context.headers[name];
    if (typeof value === 'string') {
      const message = `The ${checksumName(name)} you specified did not match the calculated checksum.`;
      const error = () => s3Error('BadDigest', message);
      checks.push({ digest: digest(), expected: value.trim(), error, header: name });
    }
  }
  return checks;
}
