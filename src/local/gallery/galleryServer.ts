import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { httpStatusOf } from '../../s3/httpStatusOf';
import { LOCAL_HOST } from '../localS3Server';
import { galleryPage } from './galleryPage';
import type { GalleryState } from './galleryState';

export interface GalleryServer {
  readonly url: string;
  stop(): Promise<void>;
}

export interface GalleryOptions {
  readonly port: number;
  readonly state: GalleryState;
  readonly s3: S3Client;
  readonly sourceBucket: string;
  readonly thumbnailBucket: string;
}

/** Streams an object from the local S3 server; only the two buckets of the pipeline are served. */
async function serveObject(options: GalleryOptions, path: string, response: ServerResponse): Promise<void> {
  const [bucket = '', ...rest] = path.split('/').map(decodeURIComponent);
  if (bucket !== options.sourceBucket && bucket !== options.thumbnailBucket) {
    response.writeHead(404).end();
    return;
  }
  try {
    const object = await options.s3.send(new GetObjectCommand({ Bucket: bucket, Key: rest.join('/') }));
    response.writeHead(200, {
      'content-type': object.ContentType ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    (object.Body as Readable).pipe(response);
  } catch (error) {
    response.writeHead(httpStatusOf(error) === 404 ? 404 : 502).end();
  }
}

/** Server-sent events: one message per change, so the page refetches the list. */
function streamChanges(state: GalleryState, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  response.write('retry: 2000\n\n');
  const unsubscribe = state.subscribe(() => response.write('data: changed\n\n'));
  request.on('close', unsubscribe);
}

function route(options: GalleryOptions, request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://gallery').pathname;
  if (request.method !== 'GET') {
    response.writeHead(405).end();
  } else if (path === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(galleryPage(options.sourceBucket, options.thumbnailBucket));
  } else if (path === '/api/items') {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(options.state.list()));
  } else if (path === '/api/events') {
    streamChanges(options.state, request, response);
  } else if (path === '/favicon.ico') {
    response.writeHead(204).end();
  } else if (path.startsWith('/object/')) {
    void serveObject(options, path.slice('/object/'.length), response);
  } else {
    response.writeHead(404).end();
  }
}

/** The gallery on 127.0.0.1: each original beside its thumbnail, with sizes and status. */
export async function startGalleryServer(options: GalleryOptions): Promise<GalleryServer> {
  const server = createServer((request, response) => {
    route(options, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, LOCAL_HOST, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${LOCAL_HOST}:${port}/`,
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
