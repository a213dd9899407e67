import { currentRequest } from './requestState';
import { s3Error, type S3rverMiddleware } from './s3rverInternals';

/**
 * Routes every key S3 allows to s3rver's object handlers. s3rver's router matches a key as one or more
 * non-empty path segments, so a key with an empty segment (`photos//double.jpg`, `/leading.jpg`) matched
 * no route and got Koa's plain-text 404; here the key is decoded once and handed on as a single
 * (encoded) segment, which the router decodes back into the whole key.
 *
 * Also refuses what S3 refuses before any handler runs: a path that is not valid percent-encoded UTF-8
 * (400 InvalidURI; s3rver's own decoding threw, and one of its handlers answered 500), a bucket name S3
 * could not have (400 InvalidBucketName: a name such as `..` made s3rver's store work on the folder
 * above the data directory), and a key over 1,024 bytes (400 KeyTooLongError; s3rver stored it).
 */

export const MAX_KEY_BYTES = 1024;
const BUCKET_NAME = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function decoded(text: string, uri: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw s3Error('InvalidURI', "Couldn't parse the specified URI.", { URI: uri.slice(0, 1024) });
  }
}

export function checkBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket)) {
    throw s3Error('InvalidBucketName', 'The specified bucket is not valid.', {
      BucketName: bucket.slice(0, 255),
    });
  }
}

export function checkKeyLength(key: string): void {
  const size = Buffer.byteLength(key);
  if (size > MAX_KEY_BYTES) {
    throw s3Error('KeyTooLongError', 'Your key is too long', { Size: size, MaxSizeAllowed: MAX_KEY_BYTES });
  }
}

export const routeKeys: S3rverMiddleware = async (context, next) => {
  const parts = /^\/([^/]*)(?:\/([\s\S]*))?$/.exec(context.path);
  if (parts === null) {
    throw s3Error('InvalidURI', "Couldn't parse the specified URI.", { URI: context.path.slice(0, 1024) });
  }
  const bucket = decoded(parts[1] ?? '', context.path);
  const key = parts[2] === undefined || parts[2] === '' ? undefined : decoded(parts[2], context.path);
  if (bucket !== '' || key !== undefined) {
    checkBucketName(bucket);
  }
  if (key !== undefined) {
    checkKeyLength(key);
    context.path = `/${bucket}/${encodeURIComponent(key)}`;
  }
  const state = currentRequest();
  if (state !== undefined) {
    state.target = { bucket, key };
  }
  await next();
};
