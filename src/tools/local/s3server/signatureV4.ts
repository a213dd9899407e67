import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * AWS Signature Version 4 as S3 computes it, for the local S3 server to verify what clients sign: the
 * canonical request, the string to sign, the signing key, and the chained signatures of streamed
 * (`aws-chunked`) bodies and their trailers. Pure functions; the server's checks are in authentication.ts.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

const hmac = (key: string | Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/** URI encoding as SigV4 spells it: everything but `A-Z a-z 0-9 - . _ ~` percent-encoded, in upper case. */
export const uriEncode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/** The credential scope: `<yyyymmdd>/<region>/<service>/aws4_request`. */
export interface Scope {
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

export const scopeText = (scope: Scope): string =>
  `${scope.date}/${scope.region}/${scope.service}/aws4_request`;

export function signingKey(secretAccessKey: string, scope: Scope): Buffer {
  const dateKey = hmac(`AWS4${secretAccessKey}`, scope.date);
  return hmac(hmac(hmac(dateKey, scope.region), scope.service), 'aws4_request');
}

export const signHex = (key: Buffer, stringToSign: string): string => hmac(key, stringToSign).toString('hex');

/** Compares signatures in constant time (a signature's length is no secret). */
export function signaturesEqual(provided: string, expected: string): boolean {
  const [a, b] = [Buffer.from(provided), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Percent-decoded, or as it is when it is not valid percent-encoded UTF-8. */
export const decodeOr = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** The canonical query string: names and values decoded, re-encoded, sorted; `omit` (the signature) left out. */
export function canonicalQuery(rawQuery: string, omit?: string): string {
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const [name, value] = equals === -1 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
      return [uriEncode(decodeOr(name)), uriEncode(decodeOr(value))] as const;
    })
    .filter(([name]) => name !== omit)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/**
 * The path as clients put it in the canonical request: S3's is the path as sent (no normalization, no
 * double encoding). A client whose HTTP stack re-spelt some characters signed the fully encoded form,
 * which is the second candidate.
 */
export function canonicalPaths(rawPath: string): string[] {
  const encoded = rawPath
    .split('/')
    .map((segment) => uriEncode(decodeOr(segment)))
    .join('/');
  return encoded === rawPath ? [rawPath] : [rawPath, encoded];
}

/** The canonical headers block for `signedHeaders`, from the request's raw header list. */
export function canonicalHeaders(rawHeaders: readonly string[], signedHeaders: readonly string[]): string {
  const values = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = (rawHeaders[index + 1] ?? '').trim().replace(/\s+/g, ' ');
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return signedHeaders.map((name) => `${name}:${(values.get(name) ?? []).join(',')}\n`).join('');
}

export interface CanonicalRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: string;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

export const canonicalRequestText = (request: CanonicalRequest): string =>
  [
    request.method,
    request.path,
    request.query,
    request.headers,
    request.signedHeaders.join(';'),
    request.payloadHash,
  ].join('\n');

export const stringToSign = (amzDate: string, scope: Scope, canonicalRequest: string): string =>
  [ALGORITHM, amzDate, scopeText(scope), sha256Hex(canonicalRequest)].join('\n');

/** Signs the chunks of a streamed body in turn, each signature chained from the one before. */
export class ChunkSigner {
  constructor(
    private readonly key: Buffer,
    private readonly amzDate: string,
    private readonly scope: string,
    private previous: string,
  ) {}

  /** The signature the next chunk must carry, given the SHA-256 (hex) of its data. */
  chunk(dataSha256: string): string {
    const text = [`${ALGORITHM}-PAYLOAD`, this.amzDate, this.scope, this.previous, EMPTY_SHA256, dataSha256];
    this.previous = signHex(this.key, text.join('\n'));
    return this.previous;
  }

  /** The signature of the trailing headers, given the SHA-256 of their `name:value\n` lines. */
  trailer(trailerSha256: string): string {
    const text = [`${ALGORITHM}-TRAILER`, this.amzDate, this.scope, this.previous, trailerSha256];
    return signHex(this.key, text.join('\n'));
  }
}

/** A SigV4 `Authorization` header's parts, or undefined when it is not one. */
export interface V4Authorization {
  readonly accessKeyId: string;
  readonly scope: Scope;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export function parseCredential(
  credential: string,
): Pick<V4Authorization, 'accessKeyId' | 'scope' | 'terminator'> | undefined {
  const parts = credential.split('/');
  if (parts.length !== 5) {
    return undefined;
  }
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = parts;
  return { accessKeyId, scope: { date, region, service }, terminator };
}

export function parseAuthorization(header: string): V4Authorization | undefined {
  const fields = new Map(
    header
      .slice(ALGORITHM.length)
      .split(',')
      .map((part) => part.trim().split('=') as [string, ...string[]])
      .map(([name, ...value]) => [name, value.join('=')] as const),
  );
  const credential = parseCredential(fields.get('Credential') ?? '');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!header.startsWith(`${ALGORITHM} `) || !credential || !signedHeaders || !signature) {
    return undefined;
  }
  return { ...credential, signedHeaders: signedHeaders.split(';'), signature };
}
