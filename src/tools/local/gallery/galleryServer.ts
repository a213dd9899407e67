import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import { refuseConnect } from '../refuseConnect';
import { answerStalledRequests } from '../stalledRequests';
import { listen } from '../listen';
import { LOCAL_HOST } from '../s3server/localS3Server';
import { type GalleryAsset, loadGalleryAssets } from './galleryAssets';
import { answer, hostIsOurs, pagePolicy, type Refusal, writeHead } from './galleryHeaders';
import { objectAddress, serveManifest, serveObject } from './galleryObjects';
import type { GalleryState } from './galleryState';

export interface GalleryServer {
  readonly url: string;
  stop(): Promise<void>;
}

export interface GalleryOptions {
  readonly port: number;
  readonly state: GalleryState;
  /** A client of the local S3 server, signing as the stack itself. */
  readonly s3: S3Client;
  readonly sourceBucket: string;
  readonly thumbnailBucket: string;
  /** THUMBNAIL_PREFIX: where the manifests are (`<prefix>_manifests/<source key>.json`). */
  readonly thumbnailPrefix: string;
  /** The local CDN's address: the page shows every rendition through it. */
  readonly cdnUrl: string;
  /** The folder holding the page's static files (index.html, gallery.css, gallery.js). */
  readonly assetsDirectory: string;
  /** Told of anything that went wrong inside the gallery (the request got a 500, the server goes on). */
  readonly onError: (error: unknown) => void;
}

interface Gallery extends GalleryOptions {
  readonly assets: ReadonlyMap<string, GalleryAsset>;
  /** The Host header every request must name: the address printed, `127.0.0.1:<port>`. */
  host: string;
}

/** Server-sent events: one message per change, so the page refetches the list. */
function streamChanges(state: GalleryState, request: IncomingMessage, response: ServerResponse): void {
  writeHead(response, 200, { 'content-type': 'text/event-stream' });
  if (request.method === 'HEAD') {
    // A stream has no end to wait for: HEAD gets the head alone.
    response.end();
    return;
  }
  response.write('retry: 2000\n\n');
  const unsubscribe = state.subscribe(() => response.write('data: changed\n\n'));
  request.on('close', unsubscribe);
  response.on('close', unsubscribe);
}

function json(response: ServerResponse, body: unknown): void {
  writeHead(response, 200, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

type Route = (gallery: Gallery, request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** The routes at fixed paths (the page's files are added from the assets). */
const ROUTES: Readonly<Record<string, Route>> = {
  '/api/items': (gallery, _request, response) => {
    json(response, gallery.state.list());
  },
  '/api/published': (gallery, _request, response) => {
    json(response, gallery.state.publishedEvents());
  },
  '/api/buckets': (gallery, _request, response) => {
    json(response, {
      source: gallery.sourceBucket,
      thumbnails: gallery.thumbnailBucket,
      cdn: gallery.cdnUrl,
    });
  },
  '/api/manifest': (gallery, request, response) => {
    const query = new URLSearchParams((request.url ?? '').split(/\?(.*)/s)[1] ?? '');
    return serveManifest(gallery, query.get('key') ?? '', response);
  },
  '/api/events': (gallery, request, response) => {
    streamChanges(gallery.state, request, response);
  },
  '/favicon.ico': (_gallery, _request, response) => {
    writeHead(response, 204);
    response.end();
  },
};

function serveAsset(gallery: Gallery, path: string, asset: GalleryAsset, response: ServerResponse): void {
  const policy = path === '/' ? { 'content-security-policy': pagePolicy(gallery.cdnUrl) } : {};
  writeHead(response, 200, {
    'content-type': asset.contentType,
    'content-length': asset.body.length,
    ...policy,
  });
  response.end(asset.body);
}

/** Every route; each answers, and none reads anything but what the path names. */
async function route(gallery: Gallery, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const [path = '', search = ''] = (request.url ?? '').split(/\?(.*)/s);
  const asset = gallery.assets.get(path);
  const fixed = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  if (asset) {
    serveAsset(gallery, path, asset, response);
  } else if (fixed) {
    await fixed(gallery, request, response);
  } else if (path === '/object' || path.startsWith('/object/')) {
    await serveAddressed(gallery, path, new URLSearchParams(search), response);
  } else {
    answer(response, 404, 'not found');
  }
}

async function serveAddressed(
  gallery: Gallery,
  path: string,
  query: URLSearchParams,
  response: ServerResponse,
) {
  const address = objectAddress(path, query);
  if (!address) {
    answer(response, 400, 'malformed percent-escape in the path');
    return;
  }
  await serveObject(gallery.s3, [gallery.sourceBucket, gallery.thumbnailBucket], address, response);
}

/** What every request passes before any route: the right Host, a method that reads, an origin-form path. */
function refusal(gallery: Gallery, request: IncomingMessage): Refusal | undefined {
  if (!hostIsOurs(request, gallery.host)) {
    const url = `http://${gallery.host}/`;
    return [421, `This gallery answers only at ${url}, the address it printed when it started; open that.`];
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return [405, 'the gallery only reads: GET or HEAD', { allow: 'GET, HEAD' }];
  }
  if (!request.url?.startsWith('/')) {
    return [400, 'the request target must be a path'];
  }
  return undefined;
}

async function handle(gallery: Gallery, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const refused = refusal(gallery, request);
  if (refused) {
    answer(response, ...refused);
  } else {
    await route(gallery, request, response);
  }
}

/** The last resort for a request whose route threw: a 500 if nothing was sent yet, else a cut connection. */
function failed(gallery: Gallery, response: ServerResponse, error: unknown): void {
  gallery.onError(error);
  try {
    if (!response.headersSent) {
      answer(response, 500, 'the gallery failed on this request (the terminal says why)');
      return;
    }
  } catch {
    // Fall through: nothing more can be said on this connection.
  }
  response.destroy();
}

/** The gallery on 127.0.0.1: each original beside its thumbnail, with sizes and status. */
export async function startGalleryServer(options: GalleryOptions): Promise<GalleryServer> {
  const gallery: Gallery = { ...options, assets: await loadGalleryAssets(options.assetsDirectory), host: '' };
  // Every request is answered, whatever it holds: nothing a request does may stop the server.
  const server = createServer((request, response) => {
    handle(gallery, request, response).catch((error: unknown) => {
      failed(gallery, response, error);
    });
  });
  refuseConnect(server, 'GET, HEAD');
  answerStalledRequests(server);
  const port = await listen(server, options.port);
  gallery.host = `${LOCAL_HOST}:${port}`;
  // After listening, an error (say, out of file descriptors while accepting) is news, not a crash.
  server.on('error', options.onError);
  return {
    url: `http://${gallery.host}/`,
    stop: () =>
      new Promise((resolve) => {
        // Event streams never end by themselves.
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
