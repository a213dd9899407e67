import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../support/dockerfile';

export const execFileAsync = promisify(execFile);
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Record<string, string>;
  /** Run as an unprivileged user (nobody) when the tests run as root, for whom no permission is denied. */
  readonly unprivileged?: boolean;
}

const NOBODY = 65534;
export const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** Runs the built `thumbnailer` command (globalSetup built it) and returns its exit code and output. */
export function thumbnailer(args: readonly string[], cwd: string, options: CliOptions = {}): Promise<CliRun> {
  const user = options.unprivileged && runningAsRoot() ? { uid: NOBODY, gid: NOBODY } : {};
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...user,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A fresh folder for one suite, open to the unprivileged user too. */
export async function workFolder(name: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), `thumbnailer-${name}-`));
  await chmod(folder, 0o777);
  return folder;
}

/** Removes a work folder; rm -rf, since some suites make trees deeper than Node's paths can reach. */
export const removeWorkFolder = (folder: string) => execFileAsync('rm', ['-rf', folder]);

/** Every file under `folder`, relative to it, sorted; the state folder left out unless asked for. */
export async function filesUnder(folder: string, withState = false): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .filter((path) => withState || !path.startsWith('.thumbnailer/'))
    .sort();
}

/** stderr's lines, sorted (jobs finish in any order). */
export const stderrLines = (run: CliRun): string[] => run.stderr.split('\n').filter(Boolean).sort();
