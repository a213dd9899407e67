import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Readable } from 'node:stream';
import type S3rver from 's3rver';
import Busboy from 'busboy';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import S3Error from 's3rver/lib/models/error';
import FilesystemStore from 's3rver/lib/stores/filesystem';

/**
 * Everything the local stack uses of s3rver beyond its typed API, in one place. s3rver 3.7.1 is its final
 * release and is pinned exactly (and with it, through the lockfile, its own dependencies such as busboy),
 * so these internals cannot move under us; the local-stack tests exercise each of them.
 */

/** The slice of a Koa context the mends read and write. */
export interface S3rverContext {
  readonly method: string;
  /** Path-style request path, still percent-encoded: `/<bucket>/<key>`. Assigning it reroutes the request. */
  path: string;
  /** The request line's target as the client sent it, before any mend rewrote the path. */
  readonly originalUrl: string;
  /** Koa re-encodes the query string when this is assigned, so an assignment rewrites the request. */
  query: Record<string, string | string[] | undefined>;
  /** The response body; s3rver's XML by the time outer middleware sees it after `next()`. */
  body?: unknown;
  status: number;
  /** The response's Content-Type (Koa's `ctx.type`). */
  type: string;
  length: number | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string;
  /** s3rver reads every request body from here, so replacing it replaces the body. */
  req: Readable & { headers: IncomingHttpHeaders; readonly rawHeaders: readonly string[] };
  set(field: string, value: string): void;
  set(fields: Record<string, string>): void;
}

export type S3rverMiddleware = (context: S3rverContext, next: () => Promise<void>) => Promise<void>;

/** One record of the notification s3rver emits after storing or deleting an object (its shape, not S3's). */
export interface S3rverEventRecord {
  readonly eventName: string;
  readonly requestParameters: { readonly sourceIPAddress: string };
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string };
  };
}

export interface S3rverEvent {
  readonly Records: readonly S3rverEventRecord[];
}

/** An object as s3rver hands it to its store. */
export interface S3rverObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string>;
}

/** What the store answers for an object's metadata: the stored fields plus the intrinsic ones. */
export type S3rverMetadata = Readonly<Record<string, string | number>> & {
  readonly etag: string;
  readonly 'last-modified': string;
  readonly 'content-length': number | string;
};

export interface S3rverListOptions {
  readonly delimiter?: string | undefined;
  readonly startAfter?: string | undefined;
  readonly prefix?: string | undefined;
  readonly maxKeys?: number | undefined;
}

export interface S3rverStore {
  readonly rootDirectory: string;
  getBucket(bucket: string): Promise<unknown>;
  listBuckets(): Promise<unknown[]>;
  getMetadata(bucket: string, key: string): Promise<S3rverMetadata>;
  /** Where s3rver keeps one of an object's files (`object`, `metadata.json`, ...). */
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  copyObject(
    sourceBucket: string,
    sourceKey: string,
    bucket: string,
    key: string,
    replacement: Record<string, string> | null,
  ): Promise<S3rverMetadata>;
  deleteObject(bucket: string, key: string): Promise<void>;
  listObjects(bucket: string, options: S3rverListOptions): Promise<S3rverListing>;
  putPart(bucket: string, uploadId: string, partNumber: string, content: Readable): Promise<{ md5: string }>;
}

/** One page of keys, as s3rver's store returns it to the ListObjects controllers. */
export interface S3rverListing {
  readonly objects: ReadonlyArray<{
    readonly key: string;
    readonly metadata: S3rverMetadata;
    readonly size: number;
    readonly lastModifiedDate: Date;
  }>;
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
}

export interface S3rverApp {
  /** Koa's middleware list; composed when the server starts listening, so additions must come first. */
  readonly middleware: S3rverMiddleware[];
  readonly store: S3rverStore;
  readonly httpServer?: Server;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
  emit(event: 'event', payload: S3rverEvent): void;
}

export const appOf = (server: S3rver): S3rverApp => server as unknown as S3rverApp;

/** Emits an event in s3rver's shape, for an operation a mend carries out itself. */
export function emitEvent(
  app: S3rverApp,
  eventName: string,
  bucket: string,
  key: string,
  sourceIp: string,
): void {
  app.emit('event', {
    Records: [
      {
        eventName,
        requestParameters: { sourceIPAddress: sourceIp },
        s3: { bucket: { name: bucket }, object: { key } },
      },
    ],
  });
}

/** Replaces how s3rver's filesystem store turns keys into paths, for every store (they are static). */
export function useKeyPaths(encode: (key: string) => string, decode: (path: string) => string): void {
  FilesystemStore.encodeKeyPath = encode;
  FilesystemStore.decodeKeyPath = decode;
}

/** The key paths in use (the same functions for every store). */
export const keyPaths = {
  encode: (key: string): string => FilesystemStore.encodeKeyPath(key),
  decode: (path: string): string => FilesystemStore.decodeKeyPath(path),
};

/** s3rver looks up each request's access key (it verifies no SigV4 signature; the mends do). */
export function acceptAccessKey(accessKeyId: string, secretAccessKey: string): void {
  DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

/**
 * An error s3rver turns into the S3 XML error response with this code. Its HTTP status comes from
 * s3rver's table of S3 codes; `status` gives it for codes the table lacks (it would answer 500).
 */
export function s3Error(
  code: string,
  message: string,
  detail?: Record<string, unknown>,
  status?: number,
): Error {
  const error = new S3Error(code, message, detail);
  if (status !== undefined) {
    Object.assign(error, { status, expose: status < 500 });
  }
  return error;
}

export interface FormParser {
  on(
    event: 'field',
    listener: (name: string, value: string, nameTruncated: boolean, valueTruncated: boolean) => void,
  ): this;
  on(event: 'file', listener: (name: string, file: Readable) => void): this;
  on(event: 'finish', listener: () => void): this;
  on(event: 'error', listener: (error: unknown) => void): this;
  end(): void;
}

/** busboy, the multipart/form-data parser s3rver's own POST handler uses, so both read a form alike. */
export const formParser = (headers: IncomingHttpHeaders): FormParser & NodeJS.WritableStream =>
  new Busboy({ headers }) as FormParser & NodeJS.WritableStream;

/** s3rver's listen(): the HTTP server when given a callback, a promise of it otherwise. */
type Listen = (
  port: number,
  address: string,
  options: unknown,
  listening?: () => void,
) => Server | Promise<Server>;

/**
 * s3rver listens without an 'error' listener, so a taken port was an unhandled 'error' event that killed
 * the process with a stack trace; after this, `run()` rejects with the listen error (EADDRINUSE, ...).
 */
export function rejectListenErrors(server: S3rver): void {
  const target = server as unknown as { listen: Listen };
  const listen = target.listen.bind(server);
  target.listen = (port, address, options) =>
    new Promise<Server>((resolve, reject) => {
      const http = listen(port, address, options, () => {
        http.off('error', reject);
        resolve(http);
      }) as Server;
      http.once('error', reject);
    });
}
