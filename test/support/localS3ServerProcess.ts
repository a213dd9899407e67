import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Recovery } from '../../src/tools/local/s3server/storeRecovery';
import { REPO_ROOT } from './dockerfile';
import type { S3Endpoint } from './s3Client';

export interface S3ServerProcess extends S3Endpoint {
  readonly child: ChildProcess;
  readonly recovered: Recovery;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends `signal` to the process (by its own PID) and resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The local S3 server alone in a child process over `directory`, ready to take requests. */
export async function startS3ServerProcess(directory: string): Promise<S3ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(REPO_ROOT, 'test', 'support', 'runLocalS3Server.ts'),
      directory,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = once(child, 'exit');
  // A bound against hangs, not a performance assertion.
  for (let waited = 0; !/^READY /m.test(output); waited += 50) {
    if (child.exitCode !== null || waited > 120_000) {
      throw new Error(`the S3 server process did not start:\n${output}`);
    }
    await sleep(50);
  }
  const [, endpoint = '', recovery = '{}'] = /^READY (\S+) (.*)$/m.exec(output) ?? [];
  return {
    child,
    endpoint,
    accessKeyId: 'test',
    secretAccessKey: 'test',
    recovered: JSON.parse(recovery) as Recovery,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, signal);
        await exited;
      }
    },
  };
}
