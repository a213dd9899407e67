import { createHash, createHmac } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignatureV4 } from '@smithy/signature-v4';
import type { S3Endpoint } from './s3Client';

/**
 * Hand-made requests to an S3 server, for what no SDK sends: wrong signatures, tampered bodies, signed
 * aws-chunked streams, raw paths. Signatures come from the SDK's own signer (@smithy/signature-v4), not
 * from the server's code under test.
 */

/** The SHA-256 / HMAC-SHA256 the SDK's signer is given (its own packages do the same over node:crypto). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') {
    return Buffer.from(data);
  }
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

export function signerFor(endpoint: S3Endpoint, region = 'us-east-1'): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
    sha256: NodeSha256,
    // S3 signs the path as sent: no normalization, no second encoding.
    uriEscapePath: false,
  });
}

export interface PlainRequest {
  readonly method: string;
  /** The path as sent, percent-encoded: `/bucket/key`. */
  readonly path: string;
  /** Decoded names and values; sent encoded as SigV4 encodes them. */
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface PlainResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const encode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

export const queryString = (query: Readonly<Record<string, string>> = {}): string =>
  Object.entries(query)
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .join('&');

/** Sends the request exactly as given (node:http keeps the path as it is; fetch would normalize it). */
export function send(endpoint: string, plain: PlainRequest): Promise<PlainResponse> {
  const url = new URL(endpoint);
  const query = queryString(plain.query);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: plain.method,
        path: query === '' ? plain.path : `${plain.path}?${query}`,
        headers: { ...plain.headers, ...(plain.body ? { 'content-length': String(plain.body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
        });
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(plain.body);
  });
}

/** The request as the SDK's signer takes it. */
function toSign(endpoint: S3Endpoint, plain: PlainRequest) {
  const url = new URL(endpoint.endpoint);
  return {
    method: plain.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: plain.path,
    query: { ...plain.query },
    headers: { host: url.host, ...plain.headers },
    body: plain.body,
  };
}

/** The request's headers once signed with SigV4 in the Authorization header (as the SDKs sign). */
export async function signedHeaders(
  endpoint: S3Endpoint,
  plain: PlainRequest,
  options: { signingDate?: Date; region?: string } = {},
): Promise<Record<string, string>> {
  const signer = signerFor(endpoint, options.region);
  return (await signer.sign(toSign(endpoint, plain), { signingDate: options.signingDate })).headers;
}

export async function sendSigned(
  endpoint: S3Endpoint,
  plain: PlainRequest,
  options: { signingDate?: Date; region?: string } = {},
): Promise<PlainResponse> {
  return send(endpoint.endpoint, { ...plain, headers: await signedHeaders(endpoint, plain, options) });
}

/** A SigV4 presigned URL for the request (the SDK's own presigning, without its checksum parameters). */
export async function presignedUrl(
  endpoint: S3Endpoint,
  plain: PlainRequest,
  options: { signingDate?: Date; expiresIn?: number } = {},
): Promise<string> {
  const signed = await signerFor(endpoint).presign(toSign(endpoint, { ...plain, body: undefined }), {
    signingDate: options.signingDate,
    expiresIn: options.expiresIn ?? 900,
  });
  return `${endpoint.endpoint}${plain.path}?${queryString(signed.query as Record<string, string>)}`;
}

/** Writes `bytes` to the server as they are and reads the whole answer (the request closes the connection). */
export function sendBytes(endpoint: string, bytes: Buffer): Promise<string> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const done = () => {
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
    });
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', reject);
    // A server that never answers gets an empty answer (a bound against hangs, not a timing assertion).
    socket.setTimeout(30_000, () => socket.destroy());
    // Not ended: a half-closed connection may lose its answer. `Connection: close` makes the server end it.
    socket.write(bytes);
  });
}

/** The `<Code>` of an S3 XML error body. */
export const errorCode = (body: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];

const amzDateOf = (date: Date) => date.toISOString().replace(/[-:]|\.\d+/g, '');
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const EMPTY_SHA256 = sha256Hex('');

/**
 * The fields of a browser upload form (POST Object) with a SigV4-signed policy: the policy's conditions
 * cover `fields` (each must match exactly) plus `conditions`, unless `sign` is false or the policy's
 * `expiration` is given.
 */
export async function signedFormFields(
  endpoint: S3Endpoint,
  bucket: string,
  fields: Readonly<Record<string, string>>,
  options: { conditions?: unknown[]; expiration?: string; signingDate?: Date; secretAccessKey?: string } = {},
): Promise<Record<string, string>> {
  const date = options.signingDate ?? new Date();
  const amzDate = amzDateOf(date);
  const credential = `${endpoint.accessKeyId}/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const signing = {
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': credential,
    'x-amz-date': amzDate,
  };
  const all = { ...fields, ...signing };
  const conditions = [
    { bucket },
    ...Object.entries(all).map(([name, value]) => ({ [name]: value })),
    ...(options.conditions ?? []),
  ];
  const expiration = options.expiration ?? new Date(Date.now() + 3_600_000).toISOString();
  const policy = Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
  const signer = signerFor({
    ...endpoint,
    secretAccessKey: options.secretAccessKey ?? endpoint.secretAccessKey,
  });
  return { ...all, policy, 'x-amz-signature': await signer.sign(policy, { signingDate: date }) };
}

export interface StreamOptions {
  readonly chunkSize?: number;
  /** A checksum trailer (name and value), signed with the trailer signature. */
  readonly trailer?: { readonly name: string; readonly value: string };
  /** Flips a byte of this chunk after signing it. */
  readonly corruptChunk?: number;
  readonly signingDate?: Date;
}

const SIGNATURE_LENGTH = 64;

function split(data: Buffer, chunkSize: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    chunks.push(data.subarray(offset, offset + chunkSize));
  }
  return [...chunks, Buffer.alloc(0)];
}

/** The framed length, known before signing: every signature has 64 characters. */
function framedLength(chunks: readonly Buffer[], trailer: StreamOptions['trailer']): number {
  const framing = (chunk: Buffer) =>
    `${chunk.length.toString(16)};chunk-signature=`.length +
    SIGNATURE_LENGTH +
    2 +
    chunk.length +
    (chunk.length > 0 ? 2 : 0);
  const trailerLength = trailer
    ? `${trailer.name}:${trailer.value}\r\nx-amz-trailer-signature:`.length + SIGNATURE_LENGTH + 2
    : 0;
  return chunks.reduce((sum, chunk) => sum + framing(chunk), 0) + trailerLength + 2;
}

function streamHeaders(
  data: Buffer,
  chunks: readonly Buffer[],
  trailer: StreamOptions['trailer'],
): Record<string, string> {
  return {
    'content-encoding': 'aws-chunked',
    'content-length': String(framedLength(chunks, trailer)),
    'x-amz-decoded-content-length': String(data.length),
    'x-amz-content-sha256': `STREAMING-AWS4-HMAC-SHA256-PAYLOAD${trailer ? '-TRAILER' : ''}`,
    ...(trailer ? { 'x-amz-trailer': trailer.name } : {}),
  };
}

/** One chunk of a signed aws-chunked body, its data flipped in its first byte when `corrupt`. */
function frame(chunk: Buffer, signature: string, corrupt: boolean): Buffer {
  const data = Buffer.from(chunk);
  if (corrupt && data.length > 0) {
    data[0] = (data[0] ?? 0) ^ 0xff;
  }
  const end = chunk.length > 0 ? '\r\n' : '';
  return Buffer.concat([
    Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`),
    data,
    Buffer.from(end),
  ]);
}

/**
 * A PutObject as an SDK with signed streaming would send it (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, every
 * aws-chunked chunk signed, each signature chained from the one before), ready for `send`.
 */
export async function signedStreamingPut(
  endpoint: S3Endpoint,
  path: string,
  data: Buffer,
  options: StreamOptions = {},
): Promise<PlainRequest> {
  const signingDate = options.signingDate ?? new Date();
  const chunks = split(data, options.chunkSize ?? 64 * 1024);
  const headers = streamHeaders(data, chunks, options.trailer);
  const signed = await signedHeaders(endpoint, { method: 'PUT', path, headers }, { signingDate });
  const signer = signerFor(endpoint);
  const amzDate = amzDateOf(signingDate);
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const sign = (kind: string, ...hashes: string[]) =>
    signer.sign([`AWS4-HMAC-SHA256-${kind}`, amzDate, scope, previous, ...hashes].join('\n'), {
      signingDate,
    });
  let previous = /Signature=([0-9a-f]{64})/.exec(signed.authorization ?? '')?.[1] ?? '';
  const framed: Buffer[] = [];
  for (const [index, chunk] of chunks.entries()) {
    previous = await sign('PAYLOAD', EMPTY_SHA256, sha256Hex(chunk));
    framed.push(frame(chunk, previous, index === options.corruptChunk));
  }
  const { trailer } = options;
  if (trailer) {
    const line = `${trailer.name}:${trailer.value}`;
    framed.push(
      Buffer.from(`${line}\r\nx-amz-trailer-signature:${await sign('TRAILER', sha256Hex(`${line}\n`))}\r\n`),
    );
  }
  framed.push(Buffer.from('\r\n'));
  return { method: 'PUT', path, headers: signed, body: Buffer.concat(framed) };
}

/**
 * Starts a signed PutObject of `totalBytes` and sends only `sentBytes` of its body, leaving the
 * connection open: an upload still arriving (for killing the server, or dropping the client, mid-way).
 */
export async function startPartialUpload(
  endpoint: S3Endpoint,
  path: string,
  totalBytes: number,
  sentBytes: number,
): Promise<Socket> {
  const put = {
    method: 'PUT',
    path,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(totalBytes) },
  };
  const headers = await signedHeaders(endpoint, put);
  const url = new URL(endpoint.endpoint);
  const socket = connect(Number(url.port), url.hostname);
  socket.on('error', () => undefined);
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`PUT ${path} HTTP/1.1\r\n${head}\r\n`);
  socket.write(Buffer.alloc(sentBytes, 'x'));
  return socket;
}

/** Waits until `folder` holds `count` entries (a bound against hangs, not a timing assertion). */
export async function waitForEntries(folder: string, count: (entries: number) => boolean): Promise<void> {
  for (let waited = 0; !count((await readdir(folder).catch(() => [])).length); waited += 20) {
    if (waited > 60_000) {
      throw new Error(`${folder} never held the entries waited for`);
    }
    await sleep(20);
  }
}

/** A multipart/form-data POST of `fields` and a file to `/uploads`, as a browser form sends it. */
export async function formPost(fields: Record<string, string>, file: Buffer): Promise<PlainRequest> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    form.append(name, value);
  }
  form.append('file', new Blob([file]), 'photo.jpg');
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  const body = Buffer.from(await request.arrayBuffer());
  return {
    method: 'POST',
    path: '/uploads',
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
    body,
  };
}
