import { request } from 'node:http';
import { connect } from 'node:net';

/** What came back for a request: its status line's code and its headers, as the server wrote them. */
export interface RawAnswer {
  readonly status: number;
  readonly head: string;
  /** The body, when the answer ended by itself within the bytes read. */
  readonly body: string;
}

/**
 * Sends `bytes` as they are (no client may tidy a hostile request up) and resolves once the answer's head
 * has arrived; rejects when the connection closes with no answer at all. Event streams never end, so
 * this does not wait for bodies.
 */
export function rawRequest(port: number, bytes: Buffer | string, timeoutMs = 15_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    // A bound against a hang (a request the server never answers), not a performance assertion.
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(
        new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(bytes.toString().slice(0, 200))}`),
      );
    });
    let received = '';
    const settle = () => {
      const end = received.indexOf('\r\n\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      if (status === undefined || end < 0) {
        return false;
      }
      resolve({ status: Number(status), head: received.slice(0, end), body: received.slice(end + 4) });
      socket.destroy();
      return true;
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      settle();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!settle()) {
        reject(new Error(`no answer; the connection closed after ${JSON.stringify(received.slice(0, 200))}`));
      }
    });
    // Not end(): a half-closed connection lets the server drop a request it is still answering.
    socket.write(bytes);
  });
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** A GET with any headers, Host included (fetch may not set Host); reads the whole answer. */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
