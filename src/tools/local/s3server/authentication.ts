import { acceptFormUpload } from './postPolicy';
import { currentRequest } from './requestState';
import { s3Error, type S3rverContext, type S3rverMiddleware } from './s3rverInternals';
import { canonicalAmzHeaders, canonicalResource, signV2, stringToSignV2 } from './signatureV2';
import {
  ALGORITHM,
  canonicalHeaders,
  canonicalPaths,
  canonicalQuery,
  canonicalRequestText,
  parseAuthorization,
  parseCredential,
  type Scope,
  scopeText,
  signaturesEqual,
  signHex,
  signingKey,
  stringToSign,
} from './signatureV4';

/**
 * Refuses every request that is not signed with one of the configured key pairs, as S3 does. s3rver
 * checked only that a request's access key id existed: a request with no credentials at all was
 * accepted, and SigV4 signatures were never computed, so any signature passed.
 *
 * Verified here: SigV4 in the Authorization header (with a signed, unsigned or streamed payload; the body
 * itself is checked by bodyChecks and the aws-chunked decoder), SigV4 presigned URLs, SigV2 headers and
 * presigned URLs (what the AWS CLI v1 and boto3 presign by default), and browser-form POSTs (postPolicy).
 * Header-signed requests must be dated within 15 minutes of the server's clock, S3's rule; presigned
 * URLs are good from their date until it plus X-Amz-Expires (at most 7 days).
 */

export interface AuthenticationOptions {
  /** Secret access key by access key id. */
  readonly secrets: ReadonlyMap<string, string>;
  /** Where form uploads are held while their policy is checked. */
  readonly spoolFolder: string;
  readonly now?: () => number;
}

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const PAYLOAD_HASH =
  /^([0-9a-f]{64}|UNSIGNED-PAYLOAD|STREAMING-(UNSIGNED-PAYLOAD-TRAILER|AWS4-HMAC-SHA256-PAYLOAD(-TRAILER)?))$/;

const accessDenied = (message = 'Access Denied', detail?: Record<string, unknown>) =>
  s3Error('AccessDenied', message, detail);

/** Milliseconds since the epoch of an `x-amz-date` (`yyyymmddThhmmssZ`), NaN when malformed. */
export function amzDateTime(amzDate: string): number {
  const parts = AMZ_DATE.exec(amzDate);
  return parts ? Date.parse(`${parts[1]}-${parts[2]}-${parts[3]}T${parts[4]}:${parts[5]}:${parts[6]}Z`) : NaN;
}

const isoSeconds = (time: number) => new Date(time).toISOString().replace(/\.\d+/, '');

function checkSkew(requestTime: number, now: number, sent: string): void {
  if (Number.isNaN(requestTime)) {
    throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  }
  if (Math.abs(now - requestTime) > MAX_CLOCK_SKEW_MS) {
    throw s3Error(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: sent,
        ServerTime: isoSeconds(now),
        MaxAllowedSkewMilliseconds: MAX_CLOCK_SKEW_MS,
      },
    );
  }
}

function secretOf(secrets: ReadonlyMap<string, string>, accessKeyId: string): string {
  const secret = secrets.get(accessKeyId);
  if (secret === undefined) {
    throw s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      AWSAccessKeyId: accessKeyId,
    });
  }
  return secret;
}

/** The request target as sent: its path and its query string, both still percent-encoded. */
export function rawTarget(context: S3rverContext): { path: string; query: string } {
  let url = context.originalUrl;
  if (!url.startsWith('/')) {
    // An absolute-form request target (`PUT http://host/bucket/key HTTP/1.1`).
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    url = parsed === undefined ? '/' : `${parsed.pathname}${parsed.search}`;
  }
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

function checkScope(scope: Scope, terminator: string, amzDate: string, malformed: string): void {
  const problem =
    scope.service !== 's3'
      ? "Credential should be scoped to correct service: 's3'."
      : terminator !== 'aws4_request'
        ? "Credential should be scoped with a valid terminator: 'aws4_request'."
        : scope.date !== amzDate.slice(0, 8)
          ? 'Invalid credential date. Date is not the same as X-Amz-Date.'
          : scope.region === ''
            ? 'The region must not be empty.'
            : undefined;
  if (problem !== undefined) {
    throw s3Error(malformed, problem);
  }
}

/** S3 refuses x-amz-* headers a signature does not cover (they could change what the request does). */
function checkAllSigned(context: S3rverContext, signedHeaders: readonly string[]): void {
  const unsigned = Object.keys(context.headers).filter(
    (name) => (name.startsWith('x-amz-') || name === 'host') && !signedHeaders.includes(name),
  );
  if (unsigned.length > 0) {
    throw accessDenied('There were headers present in the request which were not signed', {
      HeadersNotSigned: unsigned.join(', '),
    });
  }
}

interface V4Check {
  readonly accessKeyId: string;
  readonly key: Buffer;
  readonly amzDate: string;
  readonly scope: Scope;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  readonly signature: string;
  /** The query parameter left out of the canonical query (a presigned URL's own signature). */
  readonly omit?: string;
}

function verifyV4(context: S3rverContext, check: V4Check): void {
  const target = rawTarget(context);
  const requests = canonicalPaths(target.path).map((path) =>
    canonicalRequestText({
      method: context.method,
      path,
      query: canonicalQuery(target.query, check.omit),
      headers: canonicalHeaders(context.req.rawHeaders, check.signedHeaders),
      signedHeaders: check.signedHeaders,
      payloadHash: check.payloadHash,
    }),
  );
  const texts = requests.map((request) => stringToSign(check.amzDate, check.scope, request));
  if (!texts.some((text) => signaturesEqual(check.signature, signHex(check.key, text)))) {
    throw s3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { AWSAccessKeyId: check.accessKeyId, StringToSign: texts[0], CanonicalRequest: requests[0] },
    );
  }
}

const header = (context: S3rverContext, name: string): string | undefined => {
  const value = context.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

function verifyHeaderV4(context: S3rverContext, options: AuthenticationOptions, now: number): void {
  const auth = parseAuthorization(header(context, 'authorization') ?? '');
  if (auth === undefined) {
    throw s3Error(
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
    );
  }
  const secret = secretOf(options.secrets, auth.accessKeyId);
  const amzDate = header(context, 'x-amz-date') ?? '';
  checkSkew(amzDateTime(amzDate), now, amzDate);
  checkScope(auth.scope, auth.terminator, amzDate, 'AuthorizationHeaderMalformed');
  const payloadHash = header(context, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    throw s3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  if (!PAYLOAD_HASH.test(payloadHash)) {
    throw s3Error(
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a supported STREAMING- value, or a valid sha256 value.',
      {
        ArgumentName: 'x-amz-content-sha256',
        ArgumentValue: payloadHash,
      },
    );
  }
  checkAllSigned(context, auth.signedHeaders);
  const key = signingKey(secret, auth.scope);
  verifyV4(context, { ...auth, key, amzDate, payloadHash });
  rememberPayload(payloadHash, {
    signingKey: key,
    amzDate,
    scope: scopeText(auth.scope),
    seedSignature: auth.signature,
  });
}

/** Hands what the body must match to the body checks and the aws-chunked decoder. */
function rememberPayload(
  payloadHash: string,
  signing: NonNullable<ReturnType<typeof currentRequest>>['chunkSigning'],
): void {
  const state = currentRequest();
  if (state === undefined) {
    return;
  }
  if (/^[0-9a-f]{64}$/.test(payloadHash)) {
    state.payloadSha256 = payloadHash;
  }
  if (payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD')) {
    state.chunkSigning = signing;
  }
}

const queryError = (message: string) => s3Error('AuthorizationQueryParametersError', message);

function presignedParameters(context: S3rverContext): Record<string, string> {
  const names = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ];
  const values = Object.fromEntries(names.map((name) => [name, context.query[name]]));
  if (Object.values(values).some((value) => typeof value !== 'string')) {
    throw queryError(
      `Query-string authentication version 4 requires the ${names.join(', ')} parameters, once each.`,
    );
  }
  if (values['X-Amz-Algorithm'] !== ALGORITHM) {
    throw queryError(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  }
  return values as Record<string, string>;
}

function checkPresignedTime(amzDate: string, expires: string, now: number): void {
  const start = amzDateTime(amzDate);
  if (Number.isNaN(start)) {
    throw queryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  const seconds = /^\d{1,6}$/.test(expires) ? Number(expires) : NaN;
  if (!(seconds >= 1 && seconds <= 604800)) {
    throw queryError('X-Amz-Expires must be a whole number of seconds from 1 to 604800 (7 days)');
  }
  if (now + MAX_CLOCK_SKEW_MS < start) {
    throw accessDenied('Request is not valid yet', { 'X-Amz-Date': amzDate, ServerTime: isoSeconds(now) });
  }
  if (now > start + seconds * 1000) {
    throw accessDenied('Request has expired', {
      'X-Amz-Expires': expires,
      Expires: isoSeconds(start + seconds * 1000),
      ServerTime: isoSeconds(now),
    });
  }
}

function verifyPresignedV4(context: S3rverContext, options: AuthenticationOptions, now: number): void {
  const parameters = presignedParameters(context);
  const credential = parseCredential(parameters['X-Amz-Credential'] ?? '');
  if (credential === undefined) {
    throw queryError('X-Amz-Credential must be <access key id>/<date>/<region>/s3/aws4_request');
  }
  const secret = secretOf(options.secrets, credential.accessKeyId);
  const amzDate = parameters['X-Amz-Date'] ?? '';
  checkPresignedTime(amzDate, parameters['X-Amz-Expires'] ?? '', now);
  checkScope(credential.scope, credential.terminator, amzDate, 'AuthorizationQueryParametersError');
  const signedHeaders = (parameters['X-Amz-SignedHeaders'] ?? '').split(';');
  checkAllSigned(context, signedHeaders);
  const hash = context.query['X-Amz-Content-Sha256'];
  const payloadHash = typeof hash === 'string' ? hash : 'UNSIGNED-PAYLOAD';
  const key = signingKey(secret, credential.scope);
  const signature = parameters['X-Amz-Signature'] ?? '';
  verifyV4(context, {
    ...credential,
    key,
    amzDate,
    signedHeaders,
    payloadHash,
    signature,
    omit: 'X-Amz-Signature',
  });
  rememberPayload(payloadHash, undefined);
}

function verifyV2(
  context: S3rverContext,
  accessKeyId: string,
  signature: string,
  date: string,
  secrets: AuthenticationOptions['secrets'],
): void {
  const secret = secretOf(secrets, accessKeyId);
  const target = rawTarget(context);
  // A bucket's own resource is `/bucket` as sent, or `/bucket/` as botocore signs it.
  const paths = /^\/[^/]+$/.test(target.path) ? [target.path, `${target.path}/`] : [target.path];
  const texts = paths.map((path) =>
    stringToSignV2({
      method: context.method,
      contentMd5: header(context, 'content-md5') ?? '',
      contentType: header(context, 'content-type') ?? '',
      date,
      amzHeaders: canonicalAmzHeaders(context.req.rawHeaders),
      resource: canonicalResource(path, target.query),
    }),
  );
  // A `+` of base64 arrives as a space when a client left it unencoded in a query string.
  const provided = signature.replace(/ /g, '+');
  if (!texts.some((text) => signaturesEqual(provided, signV2(secret, text)))) {
    throw s3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { AWSAccessKeyId: accessKeyId, StringToSign: texts[0] },
    );
  }
}

function verifyHeaderV2(context: S3rverContext, options: AuthenticationOptions, now: number): void {
  const parts = /^AWS ([^:\s]+):(\S+)$/.exec(header(context, 'authorization') ?? '');
  if (parts === null) {
    throw s3Error(
      'InvalidArgument',
      'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature',
    );
  }
  const amzDate = header(context, 'x-amz-date');
  const sent = amzDate ?? header(context, 'date') ?? '';
  checkSkew(Date.parse(sent), now, sent);
  // With x-amz-date, the Date line of the string to sign is empty.
  verifyV2(context, parts[1] ?? '', parts[2] ?? '', amzDate === undefined ? sent : '', options.secrets);
}

function verifyPresignedV2(context: S3rverContext, options: AuthenticationOptions, now: number): void {
  const { AWSAccessKeyId: accessKeyId, Signature: signature, Expires: expires } = context.query;
  if (typeof accessKeyId !== 'string' || typeof signature !== 'string' || typeof expires !== 'string') {
    throw accessDenied(
      'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
    );
  }
  const expiry = /^\d{1,12}$/.test(expires) ? Number(expires) * 1000 : NaN;
  if (Number.isNaN(expiry)) {
    throw accessDenied(`Invalid date (should be seconds since epoch): ${expires}`);
  }
  if (now > expiry) {
    throw accessDenied('Request has expired', { Expires: isoSeconds(expiry), ServerTime: isoSeconds(now) });
  }
  verifyV2(context, accessKeyId, signature, expires, options.secrets);
}

type Mechanism = 'header-v4' | 'header-v2' | 'presigned-v4' | 'presigned-v2' | 'form' | 'preflight' | 'none';

function isFormUpload(context: S3rverContext): boolean {
  const target = currentRequest()?.target;
  return (
    context.method === 'POST' &&
    target !== undefined &&
    target.bucket !== '' &&
    target.key === undefined &&
    Object.keys(context.query).length === 0 &&
    /^multipart\/form-data/i.test(header(context, 'content-type') ?? '')
  );
}

function headerMechanism(authorization: string): Mechanism {
  if (authorization.startsWith(`${ALGORITHM} `)) {
    return 'header-v4';
  }
  return authorization.startsWith('AWS ') ? 'header-v2' : unsupported(authorization);
}

function mechanismOf(context: S3rverContext): Mechanism {
  // A form carries its credentials in its fields, whatever else the request says.
  if (isFormUpload(context)) {
    return 'form';
  }
  const authorization = header(context, 'authorization');
  const presignedV4 = 'X-Amz-Algorithm' in context.query || 'X-Amz-Signature' in context.query;
  const presignedV2 = 'Signature' in context.query;
  if ([authorization !== undefined, presignedV4, presignedV2].filter(Boolean).length > 1) {
    throw s3Error(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }
  if (authorization !== undefined) {
    return headerMechanism(authorization);
  }
  if (presignedV4 || presignedV2) {
    return presignedV4 ? 'presigned-v4' : 'presigned-v2';
  }
  return context.method === 'OPTIONS' ? 'preflight' : 'none';
}

function unsupported(authorization: string): never {
  throw s3Error('InvalidArgument', 'Unsupported Authorization Type', {
    ArgumentName: 'Authorization',
    ArgumentValue: authorization.slice(0, 64),
  });
}

/** The authentication mend: every request but a CORS preflight must prove it holds a configured key. */
export function authenticate(options: AuthenticationOptions): S3rverMiddleware {
  const clock = options.now ?? Date.now;
  const verifiers: Record<Exclude<Mechanism, 'form' | 'preflight' | 'none'>, typeof verifyHeaderV4> = {
    'header-v4': verifyHeaderV4,
    'header-v2': verifyHeaderV2,
    'presigned-v4': verifyPresignedV4,
    'presigned-v2': verifyPresignedV2,
  };
  return async (context, next) => {
    const mechanism = mechanismOf(context);
    if (mechanism === 'none') {
      throw accessDenied();
    }
    if (mechanism === 'form') {
      await acceptFormUpload(context, options, clock());
    } else if (mechanism !== 'preflight') {
      verifiers[mechanism](context, options, clock());
    }
    await next();
  };
}
