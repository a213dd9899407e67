import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './dockerfile';
import type { S3Endpoint } from './s3Client';

export interface RunningLocalStack extends S3Endpoint {
  readonly child: ChildProcess;
  readonly galleryUrl: string;
  /** The local CDN's address, as the banner printed it. */
  readonly cdnUrl: string;
  /** The copy-paste upload command the banner printed. */
  readonly example: string;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Every complete line printed so far, each stream read on its own so no line is torn by another. */
  lines(): string[];
  /** The most memory the process has held at once (VmHWM, Linux), in bytes. */
  peakRssBytes(): Promise<number>;
  /** Waits until the output matches (a bound against hangs, not a performance assertion). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /**
   * Sends `signal` and resolves with the exit code once the process has exited. With `group`, the signal
   * goes to the whole process group this helper started, as a terminal's Ctrl-C does.
   */
  stop(signal?: NodeJS.Signals, target?: 'process' | 'group'): Promise<number | null>;
}

export interface LocalStackProcessOptions {
  /** Run through `npm start` as the README says, rather than the built entry point directly. */
  readonly viaNpm?: boolean;
  readonly env?: Record<string, string>;
}

/** A process's high-water mark of resident memory, from /proc (Linux only; that is where CI runs). */
export async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kilobytes === undefined) {
    throw new Error(`no VmHWM in /proc/${pid}/status`);
  }
  return Number(kilobytes) * 1024;
}

/** Starts the local stack (`dist/local/main.js`, built by globalSetup) and waits for its banner. */
export async function startLocalStackProcess(
  args: readonly string[],
  options: LocalStackProcessOptions = {},
): Promise<RunningLocalStack> {
  const [command, commandArgs] = options.viaNpm
    ? ['npm', ['start', '--silent', '--', ...args]]
    : [process.execPath, [join(REPO_ROOT, 'dist', 'local', 'main.js'), ...args]];
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a group signal reaches exactly what this helper started.
    detached: true,
  });
  const exited = once(child, 'exit');
  const printed = recordOutput(child);
  const [, endpoint = ''] = await printed.waitFor(/S3 endpoint +(http:\/\/127\.0\.0\.1:\d+)/);
  const [, galleryUrl = ''] = await printed.waitFor(/gallery +(http:\/\/127\.0\.0\.1:\d+\/)/);
  const [, cdnUrl = ''] = await printed.waitFor(/cdn +(http:\/\/127\.0\.0\.1:\d+\/)/);
  const [, example = ''] = await printed.waitFor(/^ {2}(AWS_ACCESS_KEY_ID=test .* s3 cp .*)$/m);
  return {
    child,
    endpoint,
    galleryUrl,
    cdnUrl,
    example,
    accessKeyId: 'test',
    secretAccessKey: 'test',
    ...printed,
    peakRssBytes: () => peakRssBytes(child.pid ?? 0),
    async stop(signal = 'SIGTERM', target = 'process') {
      if (child.exitCode === null && child.pid !== undefined) {
        process.kill(target === 'group' ? -child.pid : child.pid, signal);
        await exited;
      }
      return child.exitCode;
    },
  };
}

/** What a child prints, as it prints it: everything interleaved, and each stream's complete lines. */
function recordOutput(child: ChildProcessByStdio<null, Readable, Readable>) {
  let output = '';
  const streams = { stdout: '', stderr: '' };
  const collect = (stream: keyof typeof streams) => (chunk: Buffer) => {
    output += chunk.toString();
    streams[stream] += chunk.toString();
  };
  child.stdout.on('data', collect('stdout'));
  child.stderr.on('data', collect('stderr'));
  const completeLines = (text: string) =>
    text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean);

  async function waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(output);
      if (match) {
        return match;
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`local stack output never matched ${String(pattern)}; output so far:\n${output}`);
      }
      await sleep(50);
    }
  }

  return {
    output: () => output,
    lines: () => [...completeLines(streams.stdout), ...completeLines(streams.stderr)],
    waitFor,
  };
}
