import type { Server } from 'node:http';
import { LOCAL_HOST } from './s3server/localS3Server';

/** Listens on 127.0.0.1 and resolves with the port (the one picked, for port 0). */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOCAL_HOST, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
