import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { replaceBody } from './requestBodies';
import { spoolFile } from './spool';
import { checkKeyLength } from './keyRouting';
import { currentRequest } from './requestState';
import { formParser, s3Error, type S3rverContext } from './s3rverInternals';
import { signV2 } from './signatureV2';
import { ALGORITHM, parseCredential, signaturesEqual, signHex, signingKey } from './signatureV4';

/**
 * Browser-form uploads (POST Object): S3 stores the file only when the form carries a policy signed with
 * one of the account's keys, the policy has not expired, and every field satisfies its conditions.
 * s3rver ignored the policy and its signature, so any page could upload. The body is spooled to disk,
 * read once here to check, then handed to s3rver's own POST handler unchanged.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */

/** Fields (lower case) S3 does not require a policy condition for. */
const UNCONDITIONED = new Set(['policy', 'x-amz-signature', 'signature', 'awsaccesskeyid', 'file']);

export interface FormUpload {
  /** Every field before the file, names in lower case (S3 ignores those after it). */
  readonly fields: ReadonlyMap<string, string>;
  readonly fileSize: number | undefined;
}

const malformed = () =>
  s3Error('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');

/** Collects what readForm returns, from busboy's events. */
class FormCollector {
  readonly fields = new Map<string, string>();
  fileSize: number | undefined;
  truncated = false;

  field(name: string, value: string, valueTruncated: boolean): void {
    this.truncated ||= valueTruncated;
    if (this.fileSize !== undefined) {
      return;
    }
    if (name.toLowerCase() === 'file') {
      this.fileSize = Buffer.byteLength(value);
    } else {
      this.fields.set(name.toLowerCase(), value);
    }
  }

  file(name: string, file: Readable): void {
    let size = 0;
    file.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    file.on('end', () => {
      if (name.toLowerCase() === 'file' && this.fileSize === undefined) {
        this.fileSize = size;
      }
    });
  }
}

/** Reads the fields and the file's size from a spooled form. */
export function readForm(path: string, headers: S3rverContext['headers']): Promise<FormUpload> {
  return new Promise((resolve, reject) => {
    const collector = new FormCollector();
    const fail = () => {
      reject(malformed());
    };
    let parser;
    try {
      parser = formParser(headers);
    } catch {
      fail();
      return;
    }
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      collector.field(name, value, valueTruncated);
    });
    parser.on('file', (name, file) => {
      collector.file(name, file);
    });
    parser.on('finish', () => {
      // A field cut short (busboy stops at 1 MiB, as s3rver's own parse would) would be stored cut short.
      if (collector.truncated) {
        reject(
          s3Error(
            'MaxPostPreDataLengthExceededError',
            'Your POST request fields preceding the upload file were too large.',
          ),
        );
      }
      resolve({ fields: collector.fields, fileSize: collector.fileSize });
    });
    parser.on('error', fail);
    createReadStream(path).on('error', fail).pipe(parser);
  });
}

type Condition = readonly unknown[] | Readonly<Record<string, unknown>>;

interface Policy {
  readonly expiration: number;
  readonly conditions: readonly Condition[];
}

const policyError = (message: string) => s3Error('InvalidPolicyDocument', `Invalid Policy: ${message}`);
const denied = (message: string) => s3Error('AccessDenied', `Invalid according to Policy: ${message}`);

export function parsePolicy(encoded: string): Policy {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw policyError('Invalid JSON.');
  }
  const { expiration, conditions } = (document ?? {}) as { expiration?: unknown; conditions?: unknown };
  const time = typeof expiration === 'string' ? Date.parse(expiration) : NaN;
  if (Number.isNaN(time)) {
    throw policyError("Invalid 'expiration' value.");
  }
  if (!Array.isArray(conditions) || !conditions.every((item) => typeof item === 'object' && item !== null)) {
    throw policyError("Invalid 'conditions' value.");
  }
  return { expiration: time, conditions: conditions as Condition[] };
}

/** The value a condition names: a form field, or the bucket the form is posted to. */
const valueOf = (name: string, upload: FormUpload, bucket: string): string | undefined =>
  name === 'bucket' ? bucket : upload.fields.get(name);

/** `{"field": "value"}`: each named field must equal its value exactly. */
function checkExact(
  condition: Readonly<Record<string, unknown>>,
  upload: FormUpload,
  bucket: string,
): string[] {
  return Object.entries(condition).map(([name, expected]) => {
    if (valueOf(name.toLowerCase(), upload, bucket) !== expected) {
      throw denied(`Policy Condition failed: ["eq", "$${name}", ${JSON.stringify(expected)}]`);
    }
    return name.toLowerCase();
  });
}

/** `["eq" | "starts-with", "$field", "value"]` or `["content-length-range", min, max]`. */
function checkOperator(condition: readonly unknown[], upload: FormUpload, bucket: string): string[] {
  const [operator, subject, operand] = condition;
  const op = typeof operator === 'string' ? operator.toLowerCase() : '';
  if (op === 'content-length-range') {
    return checkLength(upload.fileSize ?? 0, subject, operand);
  }
  const wellFormed = (op === 'eq' || op === 'starts-with') && typeof subject === 'string';
  if (!wellFormed || typeof operand !== 'string') {
    throw policyError(`Invalid condition: ${JSON.stringify(condition).slice(0, 200)}`);
  }
  return [compareField(condition, op, subject, operand, upload, bucket)];
}

function compareField(
  condition: readonly unknown[],
  op: string,
  subject: string,
  operand: string,
  upload: FormUpload,
  bucket: string,
): string {
  const name = subject.replace(/^\$/, '').toLowerCase();
  const value = valueOf(name, upload, bucket) ?? '';
  if (op === 'eq' ? value !== operand : !value.startsWith(operand)) {
    throw denied(`Policy Condition failed: ${JSON.stringify(condition)}`);
  }
  return name;
}

/** Checks one condition; returns the fields it covers. */
const checkCondition = (condition: Condition, upload: FormUpload, bucket: string): string[] =>
  Array.isArray(condition)
    ? checkOperator(condition, upload, bucket)
    : checkExact(condition as Readonly<Record<string, unknown>>, upload, bucket);

function checkLength(size: number, min: unknown, max: unknown): string[] {
  if (typeof min !== 'number' || typeof max !== 'number') {
    throw policyError('content-length-range needs two numbers.');
  }
  if (size < min) {
    throw s3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
      MinSizeAllowed: min,
    });
  }
  if (size > max) {
    throw s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      MaxSizeAllowed: max,
    });
  }
  return [];
}

/** Checks the policy's expiry and conditions, and that no field goes unconditioned. */
export function checkPolicy(policy: Policy, upload: FormUpload, bucket: string, now: number): void {
  if (now > policy.expiration) {
    throw denied('Policy expired.');
  }
  const covered = new Set(
    policy.conditions.flatMap((condition) => checkCondition(condition, upload, bucket)),
  );
  const extra = [...upload.fields.keys()].filter(
    (name) => !UNCONDITIONED.has(name) && !name.startsWith('x-ignore-') && !covered.has(name),
  );
  if (extra.length > 0) {
    throw denied(`Extra input fields: ${extra.join(', ')}`);
  }
}

const signatureMismatch = () =>
  s3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  );

const unknownKey = () =>
  s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');

function checkV4Signature(
  fields: FormUpload['fields'],
  policy: string,
  signature: string,
  secrets: ReadonlyMap<string, string>,
): void {
  const credential = parseCredential(fields.get('x-amz-credential') ?? '');
  const secret = credential && secrets.get(credential.accessKeyId);
  if (fields.get('x-amz-algorithm') !== ALGORITHM || !credential || secret === undefined) {
    throw unknownKey();
  }
  if (!signaturesEqual(signature, signHex(signingKey(secret, credential.scope), policy))) {
    throw signatureMismatch();
  }
}

function checkV2Signature(
  fields: FormUpload['fields'],
  policy: string,
  signature: string,
  secrets: ReadonlyMap<string, string>,
): void {
  const secret = secrets.get(fields.get('awsaccesskeyid') ?? '');
  if (secret === undefined) {
    throw unknownKey();
  }
  if (!signaturesEqual(signature, signV2(secret, policy))) {
    throw signatureMismatch();
  }
}

/** Verifies the policy's signature (SigV4 fields, or SigV2's AWSAccessKeyId and signature). */
export function checkPolicySignature(upload: FormUpload, secrets: ReadonlyMap<string, string>): void {
  const { fields } = upload;
  const policy = fields.get('policy');
  const v4 = fields.get('x-amz-signature');
  const v2 = fields.get('signature');
  if (policy === undefined || (v4 === undefined && v2 === undefined)) {
    throw s3Error('AccessDenied', 'Access Denied');
  }
  if (v4 !== undefined) {
    checkV4Signature(fields, policy, v4, secrets);
  } else {
    checkV2Signature(fields, policy, v2 ?? '', secrets);
  }
}

/** Fields that never become response headers: the key, and those S3 reads itself. */
const NOT_HEADERS = new Set([
  ...UNCONDITIONED,
  'key',
  'success_action_redirect',
  'redirect',
  'success_action_status',
]);

/**
 * What s3rver would take from the form and fail on later: a field value that becomes a response header
 * but cannot be one (every GET of the object would fail with a 500), a redirect that is no URL (the
 * upload was stored, then the request failed with a 500), a key S3 refuses.
 */
function checkFields(upload: FormUpload): void {
  for (const [name, value] of upload.fields) {
    if (!NOT_HEADERS.has(name) && /[^\t\x20-\x7e\x80-\xff]/.test(value)) {
      throw s3Error('InvalidArgument', `The form field ${name} holds characters a header cannot carry.`, {
        ArgumentName: name,
      });
    }
  }
  for (const name of ['success_action_redirect', 'redirect']) {
    const value = upload.fields.get(name);
    if (value !== undefined && !URL.canParse(value)) {
      throw s3Error('InvalidArgument', `The form field ${name} is not a URL.`, { ArgumentName: name });
    }
  }
  checkKeyLength(upload.fields.get('key') ?? '');
}

/** The form-POST authentication: spools, checks, and replays the body for s3rver. */
export async function acceptFormUpload(
  context: S3rverContext,
  options: { readonly secrets: ReadonlyMap<string, string>; readonly spoolFolder: string },
  now: number,
): Promise<void> {
  const spool = await spoolFile(options.spoolFolder);
  await pipeline(context.req, createWriteStream(spool.path));
  const upload = await readForm(spool.path, context.headers);
  checkPolicySignature(upload, options.secrets);
  checkPolicy(
    parsePolicy(upload.fields.get('policy') ?? ''),
    upload,
    currentRequest()?.target?.bucket ?? '',
    now,
  );
  checkFields(upload);
  replaceBody(context, spool.path, context.req.headers);
  const state = currentRequest();
  if (state !== undefined) {
    state.bodyReceived = true;
  }
}
