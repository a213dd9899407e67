import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { refuseConnect } from '../refuseConnect';
import { answerStalledRequests } from '../stalledRequests';
import { listen } from '../listen';
import { LOCAL_HOST } from '../s3server/localS3Server';
import { functionHeaders, policyHeaders, viewerRequestOf } from './edgeHeaders';
import { readOrigin } from './s3Origin';
import { isViewerResponse, type ViewerFunction, type ViewerResponse } from './viewerFunction';

/**
 * What the distribution fails over to when a rendition is not in the bucket: the on-demand entry point
 * (src/function/processor/onDemand.ts), called with the rewritten URI (the stored key, percent-encoded,
 * with a leading `/`) as CloudFront calls the function URL.
 */
export type OnDemandRenderer = (request: {
  method: string;
  path: string;
}) => Promise<{ statusCode: number; headers: Record<string, string>; body?: Buffer }>;

export interface CdnOptions {
  readonly port: number;
  /** The viewer-request function, with the table of this configuration put in (loadViewerFunction). */
  readonly viewer: ViewerFunction;
  /** A client of the local S3 server. */
  readonly s3: S3Client;
  readonly thumbnailBucket: string;
  /** Called on a miss; without one, a miss is a 404. */
  readonly renderer?: OnDemandRenderer | undefined;
  /** Told of anything that went wrong inside (the request got a 5xx, the server goes on). */
  readonly onError: (error: unknown) => void;
}

export interface CdnServer {
  readonly url: string;
  stop(): Promise<void>;
}

type Answer = (status: number, headers: OutgoingHttpHeaders, body?: Buffer | string) => void;

function answerer(request: IncomingMessage, response: ServerResponse): Answer {
  return (status, headers, body) => {
    response.writeHead(status, { ...headers, ...policyHeaders(request) });
    // HEAD and 304 carry no body, whatever was given.
    response.end(request.method === 'HEAD' || status === 304 ? undefined : body);
  };
}

const text = (message: string): [OutgoingHttpHeaders, string] => [
  { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  `${message}\n`,
];

/** What a viewer function answered itself, as CloudFront sends it (a body, when it gave one). */
function functionAnswer(result: ViewerResponse & { body?: unknown }, answer: Answer): void {
  const { body } = result as { body?: string | { encoding?: string; data?: string } };
  const data =
    typeof body === 'string'
      ? body
      : body?.data !== undefined && body.encoding === 'base64'
        ? Buffer.from(body.data, 'base64')
        : body?.data;
  answer(result.statusCode, functionHeaders(result.headers), data);
}

/** The stored key a rewritten URI names: the function encodes each segment with encodeURIComponent. */
const storedKey = (uri: string): string => uri.slice(1).split('/').map(decodeURIComponent).join('/');

async function onMiss(options: CdnOptions, method: string, path: string, answer: Answer): Promise<void> {
  if (!options.renderer) {
    answer(404, ...text('no such rendition in the thumbnail bucket (and no on-demand renderer)'));
    return;
  }
  const made = await options.renderer({ method, path }).catch((error: unknown) => {
    options.onError(error);
    return undefined;
  });
  if (!made) {
    answer(502, ...text('the on-demand renderer failed (the terminal says why)'));
    return;
  }
  answer(made.statusCode, made.headers, made.body);
}

/** What CloudFront refuses before any function runs: a method the behaviour does not allow, a non-path. */
function refusal(request: IncomingMessage): [number, string] | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    // What CloudFront answers a method the behaviour does not allow.
    return [403, 'this distribution allows only GET and HEAD'];
  }
  if (!request.url?.startsWith('/')) {
    return [400, 'the request target must be a path'];
  }
  return undefined;
}

/** The viewer function's verdict; a function that throws gets CloudFront's 503. */
function runViewer(options: CdnOptions, request: IncomingMessage, answer: Answer) {
  const [uri = '', query = ''] = (request.url ?? '').split(/\?(.*)/s);
  try {
    return options.viewer(viewerRequestOf(request, uri, query));
  } catch (error) {
    options.onError(error);
    answer(503, ...text('the viewer-request function failed (the terminal says why)'));
    return undefined;
  }
}

/** The rewritten request to the S3 origin, then (on a miss) to the renderer. */
async function forward(options: CdnOptions, uri: string, request: IncomingMessage, response: ServerResponse) {
  const answer = answerer(request, response);
  const origin = await readOrigin(options.s3, options.thumbnailBucket, storedKey(uri), request);
  if (origin.kind === 'missing') {
    await onMiss(options, request.method ?? 'GET', uri, answer);
  } else if (origin.kind === 'refused') {
    answer(origin.status, ...text('the range asked for is not within the object'));
  } else if (origin.body) {
    response.writeHead(origin.status, { ...origin.headers, ...policyHeaders(request) });
    // Fails only when the viewer goes away (or the S3 server does, mid-object): the answer is cut short.
    await pipeline(origin.body, response).catch(() => undefined);
  } else {
    answer(origin.status, origin.headers);
  }
}

/** One request, as the distribution handles it: the viewer function, then S3, then (on a miss) the renderer. */
async function handle(
  options: CdnOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const answer = answerer(request, response);
  const refused = refusal(request);
  if (refused) {
    answer(refused[0], ...text(refused[1]));
    return;
  }
  const result = runViewer(options, request, answer);
  if (result === undefined) {
    return;
  }
  if (isViewerResponse(result)) {
    functionAnswer(result, answer);
    return;
  }
  await forward(options, result.uri, request, response);
}

/** The last resort: a 502 (what CloudFront answers when its origin fails) if nothing was sent yet. */
function failed(options: CdnOptions, request: IncomingMessage, response: ServerResponse, error: unknown) {
  options.onError(error);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  try {
    answerer(request, response)(502, ...text('the local CDN failed on this request (the terminal says why)'));
  } catch {
    response.destroy();
  }
}

/**
 * The local CDN on 127.0.0.1: the delivery stack's URL scheme (docs/delivery.md) served from the local
 * thumbnail bucket by the same viewer-request function, with the on-demand failover when given one.
 */
export async function startCdnServer(options: CdnOptions): Promise<CdnServer> {
  // Every request is answered, whatever it holds: nothing a request does may stop the server.
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      failed(options, request, response, error);
    });
  });
  refuseConnect(server, 'GET, HEAD');
  answerStalledRequests(server);
  const port = await listen(server, options.port);
  server.on('error', options.onError);
  return {
    url: `http://${LOCAL_HOST}:${port}/`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
