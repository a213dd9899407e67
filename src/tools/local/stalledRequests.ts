import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long a connection may sit without a complete request head before it is answered with a 408. */
export const STALLED_REQUEST_MS = 10_000;

const REQUEST_TIMEOUT = [
  'HTTP/1.1 408 Request Timeout',
  'Content-Length: 0',
  'Connection: close',
  '',
  '',
].join('\r\n');

/**
 * Node's parser skips blank lines before a request line and then waits for the rest, and its own
 * headersTimeout is only checked every 30 s: a client that sends "\r\n" and nothing more (or connects and
 * stays silent) would hold a connection with no answer for a minute. Here a connection that has been idle
 * for `ms` before its first request is answered with a 408 and closed. One with a request or an answer in
 * progress (a long event stream, a slow download) is left alone, and an idle keep-alive connection (Node
 * times those out after keepAliveTimeout) is closed silently, as Node does: a 408 there could be read as
 * the answer to a request the client sent on it at that moment.
 */
export function answerStalledRequests(server: Server, ms = STALLED_REQUEST_MS): void {
  const served = new WeakSet<Socket>();
  server.on('request', (request: IncomingMessage) => {
    served.add(request.socket);
  });
  server.setTimeout(ms, (socket: Socket) => {
    const inProgress = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
    if (inProgress !== undefined && inProgress !== null) {
      return;
    }
    if (served.has(socket)) {
      socket.destroy();
      return;
    }
    socket.on('error', () => socket.destroy());
    socket.end(REQUEST_TIMEOUT);
  });
}
