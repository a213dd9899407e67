import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Readable } from 'node:stream';
import type S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import S3Error from 's3rver/lib/models/error';
import FilesystemStore from 's3rver/lib/stores/filesystem';

/**
 * Everything the local stack uses of s3rver beyond its typed API, in one place. s3rver 3.7.1 is its final
 * release and is pinned exactly, so these internals cannot move under us; the local-stack tests exercise
 * each of them.
 */

/** The slice of a Koa context the hooks below read and write. */
export interface S3rverContext {
  readonly method: string;
  /** Path-style request path: `/<bucket>/<key>`. */
  readonly path: string;
  /** Koa re-encodes the query string when this is assigned, so an assignment rewrites the request. */
  query: Record<string, string | string[] | undefined>;
  /** The response body; s3rver's XML by the time outer middleware sees it after `next()`. */
  body?: unknown;
  readonly headers: IncomingHttpHeaders;
  /** s3rver reads every request body from here, so replacing it replaces the body. */
  req: Readable & { headers: IncomingHttpHeaders };
}

export type S3rverMiddleware = (context: S3rverContext, next: () => Promise<void>) => Promise<void>;

/** The notification s3rver emits after storing or deleting an object (its own shape, not S3's). */
export interface S3rverEvent {
  readonly Records: ReadonlyArray<{
    readonly eventName: string;
    readonly requestParameters: { readonly sourceIPAddress: string };
    readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string } };
  }>;
}

/** An object as s3rver hands it to its store. */
export interface S3rverObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string>;
}

export interface S3rverStore {
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
  /** Where s3rver keeps one of an object's files (`object`, `metadata.json`, ...). */
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  listObjects(bucket: string, options: Record<string, unknown>): Promise<S3rverListing>;
}

/** One page of keys, as s3rver's store returns it to the ListObjects controllers. */
export interface S3rverListing {
  readonly objects: ReadonlyArray<{ readonly key: string }>;
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
}

export interface S3rverApp {
  /** Koa's middleware list; composed when the server starts listening, so additions must come first. */
  readonly middleware: S3rverMiddleware[];
  readonly store: S3rverStore;
  readonly httpServer?: Server;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
}

export const appOf = (server: S3rver): S3rverApp => server as unknown as S3rverApp;

/** Replaces how s3rver's filesystem store turns keys into paths, for every store (they are static). */
export function useKeyPaths(encode: (key: string) => string, decode: (path: string) => string): void {
  FilesystemStore.encodeKeyPath = encode;
  FilesystemStore.decodeKeyPath = decode;
}

/** s3rver checks that a request's access key exists (it does not verify SigV4 signatures). */
export function acceptAccessKey(accessKeyId: string, secretAccessKey: string): void {
  DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

/** An error s3rver turns into the S3 XML error response with this code (and its HTTP status). */
export const s3Error = (code: string, message: string): Error => new S3Error(code, message);

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
