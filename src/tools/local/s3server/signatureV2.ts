import { createHmac } from 'node:crypto';
import { decodeOr } from './signatureV4';

/**
 * AWS Signature Version 2, which S3 still accepts and which the AWS CLI v1 (`aws s3 presign`) and boto3
 * (`generate_presigned_url`) use for presigned URLs by default. Pure functions; the checks are in
 * authentication.ts. https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
 */

/** The query parameters that are part of the resource a V2 signature covers. */
const SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'delete',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'select',
  'select-type',
  'storageClass',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** `/bucket/key` as sent, then the sub-resources, sorted, with decoded values. */
export function canonicalResource(rawPath: string, rawQuery: string): string {
  const subresources = rawQuery
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1 ? [pair] : [pair.slice(0, equals), decodeOr(pair.slice(equals + 1))];
    })
    .filter(([name]) => name !== undefined && SUBRESOURCES.has(name))
    .map((pair) => pair.join('='))
    .sort();
  return subresources.length === 0 ? rawPath : `${rawPath}?${subresources.join('&')}`;
}

/** The `x-amz-*` headers, `name:value` lines sorted by name, repeated headers joined by commas. */
export function canonicalAmzHeaders(rawHeaders: readonly string[]): string {
  const values = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    if (name.startsWith('x-amz-')) {
      values.set(name, [...(values.get(name) ?? []), (rawHeaders[index + 1] ?? '').trim()]);
    }
  }
  return [...values.keys()]
    .sort()
    .map((name) => `${name}:${(values.get(name) ?? []).join(',')}\n`)
    .join('');
}

export interface V2Request {
  readonly method: string;
  readonly contentMd5: string;
  readonly contentType: string;
  /** The Date header, or the Expires parameter of a presigned URL. */
  readonly date: string;
  readonly amzHeaders: string;
  readonly resource: string;
}

export const stringToSignV2 = (request: V2Request): string =>
  [
    request.method,
    request.contentMd5,
    request.contentType,
    request.date,
    `${request.amzHeaders}${request.resource}`,
  ].join('\n');

export const signV2 = (secretAccessKey: string, stringToSign: string): string =>
  createHmac('sha1', secretAccessKey).update(stringToSign, 'utf8').digest('base64');
