import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type Fault =
  | { readonly kind: 'pass' }
  | { readonly kind: 'error'; readonly status: 500 | 503; readonly code: 'InternalError' | 'SlowDown' }
  | { readonly kind: 'reset' }
  /** Forwards the request, then drops the connection half-way through the answer's body. */
  | { readonly kind: 'cut' }
  /** Answers 403 AccessDenied, as S3 does for a missing permission (or, without ListBucket, a missing key). */
  | { readonly kind: 'denied' }
  | { readonly kind: 'delay'; readonly ms: number };

export const PASS: Fault = { kind: 'pass' };
export const INTERNAL_ERROR: Fault = { kind: 'error', status: 500, code: 'InternalError' };
export const SLOW_DOWN: Fault = { kind: 'error', status: 503, code: 'SlowDown' };
export const RESET: Fault = { kind: 'reset' };
export const CUT: Fault = { kind: 'cut' };
export const DENIED: Fault = { kind: 'denied' };

export interface ProxiedRequest {
  readonly method: string;
  /** Decoded path, e.g. `/thumbnails/photos/cat.jpg.jpg`. */
  readonly path: string;
}

export type FaultPlan = (request: ProxiedRequest) => Fault;

/**
 * Injects one of `faults`, chosen in turn, into a `fraction` of requests picked by a seeded generator:
 * the same seed picks the same requests in the same order, so a failing run can be replayed.
 */
export function randomFaults(fraction: number, faults: readonly Fault[], seed = 1): FaultPlan {
  let state = seed;
  let next = 0;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    if ((state >>> 0) / 0x1_0000_0000 >= fraction) {
      return PASS;
    }
    next += 1;
    return faults[next % faults.length] ?? PASS;
  };
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Every request seen, with the fault applied to it. */
  readonly log: Array<ProxiedRequest & { fault: Fault['kind'] }>;
  setPlan(plan: FaultPlan): void;
  stop(): Promise<void>;
}

function forward(target: URL, incoming: IncomingMessage, outgoing: ServerResponse, cut = false): void {
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: incoming.method,
      path: incoming.url,
      headers: incoming.headers,
    },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!cut) {
        answer.pipe(outgoing);
        return;
      }
      const length = Number(answer.headers['content-length'] ?? 0);
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        const room = Math.max(0, Math.floor(length / 2) - sent);
        outgoing.write(chunk.subarray(0, room));
        sent += Math.min(room, chunk.length);
        if (sent >= Math.floor(length / 2)) {
          answer.destroy();
          outgoing.socket?.destroy();
        }
      });
      answer.on('end', () => outgoing.socket?.destroy());
    },
  );
  upstream.on('error', () => outgoing.destroy());
  incoming.pipe(upstream);
}

function replyWithError(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  status: number,
  code: string,
): void {
  // Read the whole request first, as S3 does, so the client sees the error rather than a broken pipe.
  incoming.resume();
  incoming.once('end', () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`;
    outgoing.writeHead(status, { 'content-type': 'application/xml' });
    outgoing.end(incoming.method === 'HEAD' ? undefined : body);
  });
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a real S3 server that injects the faults real S3 produces
 * under stress (500s, 503 SlowDown, connection resets, slow answers) on the requests a plan selects.
 */
export async function startFaultProxy(targetEndpoint: string): Promise<FaultProxy> {
  const target = new URL(targetEndpoint);
  let plan: FaultPlan = () => PASS;
  const log: FaultProxy['log'] = [];
  const server = createServer((incoming, outgoing) => {
    const path = decodeURIComponent(new URL(incoming.url ?? '/', 'http://proxy').pathname);
    const fault = plan({ method: incoming.method ?? 'GET', path });
    log.push({ method: incoming.method ?? 'GET', path, fault: fault.kind });
    switch (fault.kind) {
      case 'pass':
        forward(target, incoming, outgoing);
        return;
      case 'error':
        replyWithError(incoming, outgoing, fault.status, fault.code);
        return;
      case 'reset':
        incoming.socket.destroy();
        return;
      case 'cut':
        forward(target, incoming, outgoing, true);
        return;
      case 'denied':
        replyWithError(incoming, outgoing, 403, 'AccessDenied');
        return;
      case 'delay':
        setTimeout(() => {
          forward(target, incoming, outgoing);
        }, fault.ms);
        return;
    }
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    setPlan(next) {
      plan = next;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
