import { AsyncLocalStorage } from 'node:async_hooks';
import type { S3rverMiddleware } from './s3rverInternals';

/**
 * What the mends learn about one request and pass on to the parts of s3rver that run for it (the store,
 * the event listener), which only see their own arguments: kept in async-local storage for the request.
 */

/** One version of an object made visible by a request, with the sequencer it took when it was. */
export interface Commit {
  readonly bucket: string;
  readonly key: string;
  /** Absent for removals. */
  readonly size?: number;
  readonly md5?: string;
  readonly sequencer: string;
}

/** What a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body's chunk signatures chain from. */
export interface ChunkSigning {
  readonly signingKey: Buffer;
  readonly amzDate: string;
  readonly scope: string;
  readonly seedSignature: string;
}

export interface RequestState {
  /** The bucket and key the request names, decoded (set by keyRouting; no key for bucket requests). */
  target?: { readonly bucket: string; readonly key?: string | undefined };
  /** S3 calls a finished multipart upload `CompleteMultipartUpload`; s3rver reports it as a `Post`. */
  readonly completesMultipart: boolean;
  /** The SHA-256 the body must have (x-amz-content-sha256), when the request signed one. */
  payloadSha256?: string;
  chunkSigning?: ChunkSigning;
  /** The conditional-write headers of a PutObject or CompleteMultipartUpload. */
  writeCondition?: { readonly ifMatch?: string; readonly ifNoneMatch?: string };
  readonly commits: Map<string, Commit>;
  /** The `x-amz-checksum-*` values the body was verified against (header or trailer), echoed as S3 does. */
  readonly checksums: Map<string, string>;
  /** Set once the body has been received whole into a spool file (a form's, by its policy check). */
  bodyReceived?: boolean;
  /** Run once the request has been handled (removing its spooled body, say). */
  readonly cleanups: Array<() => Promise<void>>;
}

const requests = new AsyncLocalStorage<RequestState>();

export const currentRequest = (): RequestState | undefined => requests.getStore();

const commitName = (bucket: string, key: string) => `${bucket}/${key}`;

export function recordCommit(commit: Commit): void {
  requests.getStore()?.commits.set(commitName(commit.bucket, commit.key), commit);
}

export function commitOf(bucket: string, key: string): Commit | undefined {
  return requests.getStore()?.commits.get(commitName(bucket, key));
}

/** Runs the rest of the request with its own state. */
export const trackRequests: S3rverMiddleware = (context, next) => {
  const state: RequestState = {
    completesMultipart: context.method === 'POST' && context.query.uploadId !== undefined,
    commits: new Map(),
    checksums: new Map(),
    cleanups: [],
  };
  return requests.run(state, async () => {
    try {
      await next();
    } finally {
      await Promise.all(state.cleanups.map((cleanup) => cleanup()));
    }
  });
};

let sequence = 0n;
/** S3's sequencer: a hex string that grows with each event for a key; time plus a counter serves. */
export function nextSequencer(): string {
  sequence += 1n;
  return ((BigInt(Date.now()) << 20n) | (sequence & 0xfffffn)).toString(16).toUpperCase().padStart(16, '0');
}
