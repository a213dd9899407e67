import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder } from './awsChunkedDecoder';
import { currentRequest } from './requestState';
import { s3Error, type S3rverMiddleware } from './s3rverInternals';
import { ChunkSigner } from './signatureV4';
import { spoolFile } from './spool';

/**
 * Makes s3rver understand `aws-chunked` bodies (what current SDKs and CLIs send for streamed uploads).
 * The body is decoded into a spool file, its chunk signatures (for a signed stream) and trailing checksum
 * checked, before s3rver sees anything: like S3, a refused upload stores nothing and leaves any earlier
 * object under the key untouched. (s3rver stored the framing as data.)
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

export function decodeAwsChunked(spoolFolder: string): S3rverMiddleware {
  return async (context, next) => {
    const { headers, rawHeaders } = context.req;
    if (!isAwsChunked(headers)) {
      await next();
      return;
    }
    const trailer = headers['x-amz-trailer'];
    const signing = currentRequest()?.chunkSigning;
    const signatures =
      signing && new ChunkSigner(signing.signingKey, signing.amzDate, signing.scope, signing.seedSignature);
    const spool = await spoolFile(spoolFolder);
    await pipeline(
      context.req,
      new AwsChunkedDecoder(typeof trailer === 'string' ? trailer : undefined, s3Error, signatures),
      createWriteStream(spool.path),
    );
    const rewritten = decodedHeaders(headers, (await stat(spool.path)).size);
    context.req.headers = rewritten;
    const body = createReadStream(spool.path);
    currentRequest()?.cleanups.push(() => Promise.resolve(void body.destroy()));
    context.req = Object.assign(body, { headers: rewritten, rawHeaders });
    await next();
  };
}
