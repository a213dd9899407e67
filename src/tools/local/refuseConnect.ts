import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Node hands CONNECT requests to 'connect' listeners and, with none, drops the connection unanswered; a
 * server that must answer every request refuses them instead, as S3 does, with a 405.
 */
export function refuseConnect(server: Server, allow: string): void {
  const refusal = [
    'HTTP/1.1 405 Method Not Allowed',
    `Allow: ${allow}`,
    'Content-Length: 0',
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  server.on('connect', (_request, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(refusal);
  });
}
