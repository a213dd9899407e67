import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type Fault =
  | { readonly kind: 'pass' }
  | { readonly kind: 'error'; readonly status: 500 | 503; readonly code: 'InternalError' | 'SlowDown' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'delay'; readonly ms: number };

export const PASS: Fault = { kind: 'pass' };
export const INTERNAL_ERROR: Fault = { kind: 'error', status: 500, code: 'InternalError' };
export const SLOW_DOWN: Fault = { kind: 'error', status: 503, code: 'SlowDown' };
export const RESET: Fault = { kind: 'reset' };

export interface ProxiedRequest {
  readonly method: string;
  /** Decoded path, e.g. `/thumbnails/photos/cat.jpg.jpg`. */
  readonly path: string;
}

export type FaultPlan = (request: ProxiedRequest) => Fault;

export interface FaultProxy {
  readonly endpoint: string;
  /** Every request seen, with the fault applied to it. */
  readonly log: Array<ProxiedRequest & { fault: Fault['kind'] }>;
  setPlan(plan: FaultPlan): void;
  stop(): Promise<void>;
}

function forward(target: URL, incoming: IncomingMessage, outgoing: ServerResponse): void {
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
      answer.pipe(outgoing);
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
