import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder } from './awsChunkedDecoder';
import { BodyCheck, checksFor } from './bodyChecks';
import { currentRequest } from './requestState';
import { s3Error, type S3rverContext, type S3rverMiddleware } from './s3rverInternals';
import { ChunkSigner } from './signatureV4';
import { spoolFile } from './spool';

/**
 * Receives every request body whole, before s3rver sees it: decoded from `aws-chunked` when it is framed
 * so (what current SDKs and CLIs send for streamed uploads; s3rver stored the framing as data), its chunk
 * signatures and checksums checked, into a spool file (or memory, when small) that s3rver then reads. Like S3, a refused upload
 * stores nothing and leaves any earlier object under the key untouched.
 *
 * Also why every body is spooled: s3rver reads a body from the socket only after awaiting other work,
 * so a body that ended or failed before it listened (a check that failed at once, a client that went
 * away) left its handler waiting forever, holding the request (and the shutdown that waits for it).
 */

const isAwsChunked = (headers: IncomingHttpHeaders): boolean =>
  (headers['content-encoding'] ?? '').split(',').some((part) => part.trim() === 'aws-chunked') ||
  String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');

/** The headers s3rver should see: the decoded length, without the aws-chunked framing's own headers. */
function decodedHeaders(headers: IncomingHttpHeaders, size: number): IncomingHttpHeaders {
  const declared = headers['x-amz-decoded-content-length'];
  if (declared !== undefined && declared !== String(size)) {
    throw s3Error(
      'IncompleteBody',
      'You did not provide the number of bytes specified by the x-amz-decoded-content-length header.',
    );
  }
  const rewritten: IncomingHttpHeaders = { ...headers, 'content-length': String(size) };
  delete rewritten['x-amz-decoded-content-length'];
  delete rewritten['content-encoding'];
  const remaining = (headers['content-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== 'aws-chunked' && part !== '');
  if (remaining.length > 0) {
    rewritten['content-encoding'] = remaining.join(', ');
  }
  return rewritten;
}

/** The aws-chunked decoder for the request, checking chunk signatures when the stream is signed. */
function chunkedDecoder(headers: IncomingHttpHeaders): AwsChunkedDecoder {
  const trailer = headers['x-amz-trailer'];
  const signing = currentRequest()?.chunkSigning;
  const signatures =
    signing && new ChunkSigner(signing.signingKey, signing.amzDate, signing.scope, signing.seedSignature);
  return new AwsChunkedDecoder(typeof trailer === 'string' ? trailer : undefined, s3Error, signatures);
}

/** S3's largest single upload (PutObject, UploadPart): 5 GiB. */
const MAX_BODY_BYTES = 5 * 1024 ** 3;

/** Bodies up to this size are held in memory rather than spooled (at most this much per request). */
const IN_MEMORY_BYTES = 1024 * 1024;

/** Hands s3rver the received body (a spool file's path, or the bytes), as if it were the request's own. */
export function replaceBody(
  context: S3rverContext,
  body: string | Buffer,
  headers: IncomingHttpHeaders,
): void {
  const stream = typeof body === 'string' ? createReadStream(body) : Readable.from([body]);
  currentRequest()?.cleanups.push(() => Promise.resolve(void stream.destroy()));
  context.req.headers = headers;
  context.req = Object.assign(stream, { headers, rawHeaders: context.req.rawHeaders });
}

/** Receives the body through `stages` into memory when it is small, into a spool file otherwise. */
async function receive(
  context: S3rverContext,
  stages: Transform[],
  spoolFolder: string,
): Promise<string | Buffer> {
  const length = Number(context.req.headers['content-length']);
  if (length <= IN_MEMORY_BYTES) {
    const chunks: Buffer[] = [];
    const collect = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    await pipeline([context.req, ...stages, collect]);
    return Buffer.concat(chunks);
  }
  const spool = await spoolFile(spoolFolder);
  await pipeline([context.req, ...stages, createWriteStream(spool.path)]);
  return spool.path;
}

/** As S3 does on PutObject and UploadPart: the checksums it verified, so the SDKs report them. */
function echoChecksums(context: S3rverContext): void {
  if (context.status === 200 && context.method === 'PUT') {
    for (const [name, value] of currentRequest()?.checksums ?? []) {
      context.set(name, value);
    }
  }
}

export function receiveBodies(spoolFolder: string): S3rverMiddleware {
  return async (context, next) => {
    const state = currentRequest();
    if ((context.method !== 'PUT' && context.method !== 'POST') || state?.bodyReceived === true) {
      await next();
      return;
    }
    const { headers } = context.req;
    if (Number(headers['content-length']) > MAX_BODY_BYTES) {
      throw s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        MaxSizeAllowed: MAX_BODY_BYTES,
      });
    }
    const chunked = isAwsChunked(headers);
    const stages: Transform[] = chunked ? [chunkedDecoder(headers)] : [];
    const checks = checksFor(context);
    if (checks.length > 0) {
      stages.push(new BodyCheck(checks));
    }
    const body = await receive(context, stages, spoolFolder);
    const size = typeof body === 'string' ? (await stat(body)).size : body.length;
    replaceBody(context, body, chunked ? decodedHeaders(headers, size) : headers);
    await next();
    echoChecksums(context);
  };
}
