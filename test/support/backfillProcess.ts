import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { REPO_ROOT } from './dockerfile';
import type { S3Endpoint } from './s3Client';

/** `npm run backfill`'s entry point, as built by globalSetup. */
export const BACKFILL = join(REPO_ROOT, 'dist', 'backfill', 'main.js');

export interface BackfillRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningBackfill {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves once the process has exited, with what it printed. */
  readonly finished: Promise<BackfillRun>;
  /** What it has printed on stdout so far. */
  stdout(): string;
}

/** Starts the backfill command against a local S3 server, with its key pair and nothing else inherited. */
export function startBackfill(
  args: readonly string[],
  server: S3Endpoint,
  env: Record<string, string> = {},
): RunningBackfill {
  const child = spawn(process.execPath, [BACKFILL, '--endpoint', server.endpoint, ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<BackfillRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, finished, stdout: () => stdout };
}

/** Runs the backfill command to its end. */
export const runBackfill = (args: readonly string[], server: S3Endpoint, env?: Record<string, string>) =>
  startBackfill(args, server, env).finished;

/** The summary's count for one outcome (`made`, `skipped`, `refused`, `failed`), and its reasons. */
export function summaryLine(run: BackfillRun, outcome: string): { count: number; reasons: string } {
  const match = new RegExp(`^ {2}${outcome} +([\\d,]+)(?: {2}\\((.*)\\))?$`, 'm').exec(run.stdout);
  if (!match) {
    throw new Error(`no "${outcome}" line in the summary:\n${run.stdout}\n${run.stderr}`);
  }
  return { count: Number((match[1] ?? '').replace(/,/g, '')), reasons: match[2] ?? '' };
}
