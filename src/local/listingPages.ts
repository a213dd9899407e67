import { AsyncLocalStorage } from 'node:async_hooks';
import type { S3rverApp, S3rverMiddleware } from './s3rverInternals';

/**
 * Pages of ListObjectsV2 beyond the first. s3rver makes its continuation tokens with DES, which
 * OpenSSL 3 (Node 17 and later) no longer provides, so any listing of more than 1,000 keys failed with a
 * 500, and with it the local stack's catch-up at start. Here tokens are the last key listed, base64url:
 * s3rver is asked for `start-after` that key instead, and told the listing is complete, so that it never
 * reaches for DES; the response then gets the truncation and the token back.
 */
const listing = new AsyncLocalStorage<{ lastKeyOfTruncatedPage?: string }>();

const encodeToken = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');
const decodeToken = (token: string): string => Buffer.from(token, 'base64url').toString('utf8');

const paginate: S3rverMiddleware = async (context, next) => {
  if (context.method !== 'GET' || context.query['list-type'] !== '2') {
    await next();
    return;
  }
  const { 'continuation-token': token, ...query } = context.query;
  if (typeof token === 'string') {
    context.query = { ...query, 'start-after': decodeToken(token) };
  }
  const state: { lastKeyOfTruncatedPage?: string } = {};
  await listing.run(state, next);
  if (typeof context.body !== 'string') {
    return;
  }
  let body = context.body;
  if (state.lastKeyOfTruncatedPage !== undefined) {
    const nextToken = `<NextContinuationToken>${encodeToken(state.lastKeyOfTruncatedPage)}</NextContinuationToken>`;
    body = body.replace('<IsTruncated>false</IsTruncated>', `<IsTruncated>true</IsTruncated>${nextToken}`);
  }
  if (typeof token === 'string') {
    body = body.replace(/<StartAfter>[^<]*<\/StartAfter>/, `<ContinuationToken>${token}</ContinuationToken>`);
  }
  context.body = body;
};

/** Installs the paging above: the store's truncation is hidden from s3rver and reported by the middleware. */
export function pageListingsWithoutDes(app: S3rverApp): S3rverMiddleware {
  const listObjects = app.store.listObjects.bind(app.store);
  app.store.listObjects = async (bucket, options) => {
    const result = await listObjects(bucket, options);
    const state = listing.getStore();
    if (state === undefined || !result.isTruncated) {
      return result;
    }
    state.lastKeyOfTruncatedPage = result.objects.at(-1)?.key;
    return { ...result, isTruncated: false };
  };
  return paginate;
}
