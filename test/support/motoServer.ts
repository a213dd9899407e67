import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { S3Endpoint } from './s3Client';

export interface RunningMoto extends S3Endpoint {
  stop(): Promise<void>;
}

const READY = /Running on http:\/\/127\.0\.0\.1:(\d+)/;

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match?.[1]) {
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`moto_server exited (${String(code)}) before serving:\n${output}`));
    });
  });
}

/** moto_server on 127.0.0.1 and a port of its choosing (port 0), ended by PID when the suite is done. */
export async function startMotoServer(): Promise<RunningMoto> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await waitForPort(child);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'test',
    secretAccessKey: 'test',
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
