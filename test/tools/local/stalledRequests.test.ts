import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { answerStalledRequests } from '../../../src/tools/local/stalledRequests';

/** Everything the server writes on one connection until it closes it. */
function conversation(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      resolve(received);
    });
    socket.write(bytes);
  });
}

describe('answerStalledRequests', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_request, response) => response.end('ok'));
    // Short bounds so that the test does not wait the real 10 s; the behaviour is the same.
    server.keepAliveTimeout = 300;
    answerStalledRequests(server, 600);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers blank lines and nothing more with a 408, then closes', async () => {
    expect(await conversation(port, '\r\n\r\n')).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('answers a request head that never ends with a 408', async () => {
    expect(await conversation(port, 'GET / HTTP/1.1\r\nHost: x\r\n')).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after its answer without writing anything more', async () => {
    const answer = await conversation(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
  });
});
