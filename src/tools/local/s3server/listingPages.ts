import { AsyncLocalStorage } from 'node:async_hooks';
import { compareKeys } from './listingWalk';
import type { S3rverApp, S3rverMiddleware } from './s3rverInternals';
import { xmlText } from './xmlBodies';

/**
 * Listing responses. Pages of ListObjectsV2 beyond the first: s3rver makes its continuation tokens with
 * DES, which OpenSSL 3 (Node 17 and later) no longer provides, so any listing of more than 1,000 keys
 * failed with a 500, and with it the local stack's catch-up at start. Here tokens are the last key or
 * common prefix listed, base64url: s3rver is asked for `start-after` it instead, and told the listing is
 * complete, so that it never reaches for DES; the response then gets the truncation and the token back.
 *
 * And `encoding-type=url`, which s3rver ignored: the AWS CLI and boto3 ask for it on every listing (keys
 * may hold characters XML cannot carry) and decode what comes back only when the response says it is
 * encoded; keys, prefixes and markers are percent-encoded and the response says so.
 */
const listing = new AsyncLocalStorage<{ lastOfTruncatedPage?: string }>();

const encodeToken = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');
const decodeToken = (token: string): string => Buffer.from(token, 'base64url').toString('utf8');

const ENCODED_ELEMENTS = /<(Key|Prefix|Delimiter|StartAfter|Marker|NextMarker)>([^<]*)<\/\1>/g;

/** The response with every key-bearing element percent-encoded, and saying so, as `encoding-type=url` asks. */
export function urlEncodeListing(xml: string): string {
  return xml
    .replace(ENCODED_ELEMENTS, (_whole, element: string, text: string) => {
      const value = encodeURIComponent(xmlText(text)).replace(/%2F/g, '/');
      return `<${element}>${value}</${element}>`;
    })
    .replace('</ListBucketResult>', '<EncodingType>url</EncodingType></ListBucketResult>');
}

function withToken(body: string, token: string | undefined, last: string | undefined): string {
  let result = body;
  if (last !== undefined) {
    const next = `<NextContinuationToken>${encodeToken(last)}</NextContinuationToken>`;
    result = result.replace('<IsTruncated>false</IsTruncated>', `<IsTruncated>true</IsTruncated>${next}`);
  }
  if (token !== undefined) {
    result = result.replace(
      /<StartAfter>[^<]*<\/StartAfter>/,
      `<ContinuationToken>${token}</ContinuationToken>`,
    );
  }
  return result;
}

/** A ListObjectsV2 continuation token, replaced in the query by the start-after it stands for. */
function takeToken(context: Parameters<S3rverMiddleware>[0]): string | undefined {
  const { 'continuation-token': token, ...query } = context.query;
  if (context.query['list-type'] !== '2' || typeof token !== 'string') {
    return undefined;
  }
  context.query = { ...query, 'start-after': decodeToken(token) };
  return token;
}

const listResponses: S3rverMiddleware = async (context, next) => {
  if (context.method !== 'GET') {
    await next();
    return;
  }
  const v2 = context.query['list-type'] === '2';
  const token = takeToken(context);
  const state: { lastOfTruncatedPage?: string } = {};
  await (v2 ? listing.run(state, next) : next());
  if (typeof context.body !== 'string' || !context.body.includes('<ListBucketResult')) {
    return;
  }
  const body = v2 ? withToken(context.body, token, state.lastOfTruncatedPage) : context.body;
  context.body = context.query['encoding-type'] === 'url' ? urlEncodeListing(body) : body;
};

/** Installs the above: the store's truncation is hidden from s3rver and reported by the middleware. */
export function pageListingsWithoutDes(app: S3rverApp): S3rverMiddleware {
  const listObjects = app.store.listObjects.bind(app.store);
  app.store.listObjects = async (bucket, options) => {
    const result = await listObjects(bucket, options);
    const state = listing.getStore();
    if (state === undefined || !result.isTruncated) {
      return result;
    }
    const candidates = [result.objects.at(-1)?.key, result.commonPrefixes.at(-1)].filter(
      (item): item is string => item !== undefined,
    );
    state.lastOfTruncatedPage = candidates.sort(compareKeys).at(-1);
    return { ...result, isTruncated: false };
  };
  return listResponses;
}
