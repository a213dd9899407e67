import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { HandlerDependencies } from '../handlers/s3Event';
import { explicitFormatPath, type OriginPath, parseOriginPath } from '../../core/delivery/originPath';
import { OUTPUT_FORMATS } from '../../core/engine/thumbnailOptions';
import { readServedObject, type ServedObject } from '../../aws/s3/thumbnailStore';
import { StepFailedError } from '../../common/errors';
import { printable } from '../../common/text';
import { processStoredObject } from './processStoredObject';
import { publishOutcome } from './publishOutcome';
import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import type { RecordDependencies } from './processRecord';
import type { RecordOutcome } from './recordOutcome';
import { failureDetails, reportOutcome } from './reportOutcome';
import { duringStep } from './stepFailure';

/** A request as CloudFront forwards it to the origin: `path` is the stored key, percent-encoded. */
export interface OnDemandRequest {
  readonly method: string;
  readonly path: string;
}

export interface OnDemandResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

/**
 * Lambda's largest buffered response payload (6 MB, in bytes as its error message gives them). The body
 * travels base64-encoded (4 bytes for every 3) inside a JSON document with the headers.
 */
export const LAMBDA_PAYLOAD_LIMIT = 6_291_556;
const ENVELOPE_BYTES = 16 * 1024;
/** The largest rendition answered inline; a larger one is a redirect to its stored object. */
export const MAX_INLINE_BYTES = Math.floor((LAMBDA_PAYLOAD_LIMIT - ENVELOPE_BYTES) / 4) * 3;

export interface OnDemandDependencies extends HandlerDependencies {
  /** The largest body answered inline (default {@link MAX_INLINE_BYTES}; tests set less). */
  readonly maxInlineBytes?: number | undefined;
}

/**
 * How long a refusal may be cached: long enough to absorb a burst of requests for a URL that names
 * nothing, short enough that an original uploaded after a first request is served within a minute.
 */
export const REFUSAL_CACHE_CONTROL = 'public, max-age=60';

const text = (statusCode: number, message: string, headers: Record<string, string>): OnDemandResponse => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body: Buffer.from(`${message}\n`),
});

const notFound = () => text(404, 'Not Found', { 'cache-control': REFUSAL_CACHE_CONTROL });
/** An original that exists but can never be made into a rendition (not an image, too many pixels). */
const unprocessable = () =>
  text(422, 'Unprocessable: the original cannot be made into this rendition', {
    'cache-control': REFUSAL_CACHE_CONTROL,
  });
const unavailable = () =>
  text(503, 'Service Unavailable', { 'cache-control': 'no-store', 'retry-after': '1' });
const methodNotAllowed = () =>
  text(405, 'Method Not Allowed', { allow: 'GET, HEAD', 'cache-control': 'no-store' });

function served(object: ServedObject, data: Buffer, cacheControl: string): OnDemandResponse {
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    'content-length': String(data.length),
    'cache-control': object.cacheControl ?? cacheControl,
  };
  if (object.eTag !== undefined) headers.etag = object.eTag;
  if (object.lastModified !== undefined) headers['last-modified'] = object.lastModified.toUTCString();
  return { statusCode: 200, headers, body: data };
}

/** Too large for Lambda's payload: the explicit-format URL, which CloudFront serves from S3 now it is stored. */
function redirect(route: Extract<OriginPath, { ok: true }>): OnDemandResponse {
  const location = explicitFormatPath(
    route.rendition,
    OUTPUT_FORMATS[route.format].extension,
    route.sourceKey,
  );
  return { statusCode: 307, headers: { location, 'cache-control': 'no-store' } };
}

/** What a rendition request is answered with when the record flow did not leave its object stored. */
function refusalFor(outcome: RecordOutcome): OnDemandResponse {
  if (outcome.status === 'rejected') return unprocessable();
  // Overwritten between the HEAD and the download: the next request makes the version now there.
  if (outcome.status === 'skipped' && outcome.reason === 'superseded') return unavailable();
  return notFound();
}

const madeOrCurrent = (outcome: RecordOutcome) =>
  outcome.status === 'made' || (outcome.status === 'skipped' && outcome.reason === 'already-current');

/**
 * Runs one task per id at a time: a caller asking for an id already running shares its promise. Requests
 * for several renditions of one source (a page loading its `srcset`) then cost one decode.
 */
function shared<T>() {
  const running = new Map<string, Promise<T>>();
  return (id: string, start: () => Promise<T>): Promise<T> => {
    const pending = running.get(id);
    if (pending) return pending;
    const run = start().finally(() => running.delete(id));
    running.set(id, run);
    return run;
  };
}

/** The record flow of one source, logged and counted as an upload's record is. */
async function makeAndReport(
  deps: OnDemandDependencies,
  recordDeps: RecordDependencies,
  object: { bucket: string; key: string },
): Promise<RecordOutcome> {
  const started = performance.now();
  const outcome = await processStoredObject(object, recordDeps);
  const durationMs = Math.round(performance.now() - started);
  const record = { ...object, eventName: 'ObjectCreated:Put', eTag: outcome.sourceETag };
  reportOutcome(deps, record, outcome, durationMs);
  deps.metrics.publishStoredMetrics();
  if (outcome.status === 'made') {
    await announce(deps, recordDeps, record, outcome);
  }
  return outcome;
}

/**
 * Renditions made on demand are announced as an upload's are (Thumbnails Ready), so that an app waiting
 * for the event hears of them. A failure to publish is logged, not answered with an error: what was
 * asked for is stored, and the viewer gets it.
 */
async function announce(
  deps: OnDemandDependencies,
  recordDeps: RecordDependencies,
  record: S3ObjectEvent,
  outcome: RecordOutcome,
): Promise<void> {
  if (!deps.publisher) return;
  try {
    await publishOutcome(record, outcome, recordDeps, deps.publisher);
  } catch (error) {
    deps.logger.error('on-demand renditions made, but their event was not published', {
      key: printable(record.key),
      ...failureDetails(error),
    });
  }
}

const logged = (path: string) => printable(path.slice(0, 2048));

/** A failure of S3 (or of anything else) answered as a 503 that no cache keeps, logged with its step. */
function failed(deps: OnDemandDependencies, path: string, error: unknown): OnDemandResponse {
  deps.logger.error('on-demand request failed, answered 503', {
    path: logged(path),
    ...failureDetails(error),
    ...(error instanceof StepFailedError ? {} : { unexpected: true }),
  });
  deps.metrics.addMetric('TransientFailures', MetricUnit.Count, 1);
  deps.metrics.publishStoredMetrics();
  return unavailable();
}

const headersOnly = ({ statusCode, headers }: OnDemandResponse): OnDemandResponse => ({
  statusCode,
  headers,
});

/**
 * The on-demand origin: CloudFront fails over to it when S3 has no object for a rendition's key. It makes
 * only configured renditions of originals under the source prefix, exactly as an upload does (the record
 * flow of a stored object: stamps, manifest, renditions already current skipped, one log line and the
 * metrics of each record), then answers with the stored object and its own `Cache-Control`. Every missing
 * rendition of the source is made in the one decode, and requests for one source at once in this process
 * share it. Anything that names nothing it may make is a 404 that says no more; a failure of S3 is a 503
 * never cached; it never throws.
 */
export function createOnDemandRenderer(deps: OnDemandDependencies) {
  const recordDeps: RecordDependencies = { s3: deps.s3, config: deps.config, metadata: deps.metadata };
  const { config, logger } = deps;
  const maxInlineBytes = deps.maxInlineBytes ?? MAX_INLINE_BYTES;
  const once = shared<RecordOutcome>();

  async function answer(path: string): Promise<OnDemandResponse> {
    const route = parseOriginPath(path, config);
    const bucket = config.sourceBucket;
    if (!route.ok || bucket === undefined) {
      const reason = route.ok ? 'SOURCE_BUCKET is not set: no original can be found' : route.reason;
      logger.info('on-demand request refused', { path: logged(path), reason });
      return notFound();
    }
    const object = { bucket, key: route.sourceKey };
    const outcome = await once(`${bucket}/${route.sourceKey}`, () => makeAndReport(deps, recordDeps, object));
    if (!madeOrCurrent(outcome)) return refusalFor(outcome);
    const location = { bucket: config.thumbnailBucket, key: route.storedKey };
    const stored = await duringStep('check-thumbnail', () =>
      readServedObject(deps.s3, location, maxInlineBytes),
    );
    if (stored === undefined) return notFound();
    return stored.data === undefined ? redirect(route) : served(stored, stored.data, config.cacheControl);
  }

  return async function render(request: OnDemandRequest): Promise<OnDemandResponse> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed();
    const response = await answer(request.path).catch((error: unknown) => failed(deps, request.path, error));
    return request.method === 'HEAD' ? headersOnly(response) : response;
  };
}
