import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Readable } from 'node:stream';
import type S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import S3Error from 's3rver/lib/models/error';

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
  readonly query: Record<string, string | string[] | undefined>;
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

interface S3rverApp {
  /** Koa's middleware list; composed when the server starts listening, so additions must come first. */
  readonly middleware: S3rverMiddleware[];
  readonly store: { getMetadata(bucket: string, key: string): Promise<Record<string, string>> };
  readonly httpServer?: Server;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
}

export const appOf = (server: S3rver): S3rverApp => server as unknown as S3rverApp;

/** s3rver checks that a request's access key exists (it does not verify SigV4 signatures). */
export function acceptAccessKey(accessKeyId: string, secretAccessKey: string): void {
  DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

/** An error s3rver turns into the S3 XML error response with this code (and its HTTP status). */
export const s3Error = (code: string, message: string): Error => new S3Error(code, message);
