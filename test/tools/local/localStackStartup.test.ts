import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PortUnavailableError, startLocalStack } from '../../../src/tools/local/localStack';
import { parseLocalStackArguments } from '../../../src/tools/local/localStackArguments';
import { REPO_ROOT } from '../../support/dockerfile';

const run = promisify(execFile);

/** `npm start`'s entry point, to its exit: its code and what it printed. */
async function startAndExit(args: string[]): Promise<{ code: number; stderr: string }> {
  const result = await run(process.execPath, [join(REPO_ROOT, 'dist/local/main.js'), ...args], {
    cwd: REPO_ROOT,
    timeout: 60_000,
  }).catch((error: unknown) => error as { code: number; stderr: string });
  return { code: (result as { code?: number }).code ?? 0, stderr: result.stderr };
}

/** Holds a port on 127.0.0.1, as another program would. */
async function occupy(port = 0): Promise<[Server, number]> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return [server, typeof address === 'object' && address ? address.port : port];
}

async function freePort(): Promise<number> {
  const [server, port] = await occupy();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm start when it cannot start', () => {
  let workDir: string;
  let taken: Server;
  let port: number;

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-startup-'));
    [taken, port] = await occupy();
  });
  afterEach(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await rm(workDir, { recursive: true, force: true });
  });

  it.each([
    ['S3', ['--port', 'PORT'], '--port <port> or LOCAL_S3_PORT=<port>'],
    [
      'gallery',
      ['--port', '0', '--gallery-port', 'PORT'],
      '--gallery-port <port> or LOCAL_GALLERY_PORT=<port>',
    ],
  ])(
    'says which port is taken (%s) and how to pick another, with no stack trace',
    async (which, args, how) => {
      const data = join(workDir, 'data');
      const { code, stderr } = await startAndExit([
        ...args.map((arg) => arg.replace('PORT', String(port))),
        '--data-dir',
        data,
      ]);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `npm start: the ${which} port ${port} is taken (something is already listening on 127.0.0.1:${port}; another npm start?); pick another with ${how} (0 picks a free one)\n`,
      );
    },
  );

  it('stops the S3 server it started when the gallery port is taken', async () => {
    const s3Port = await freePort();
    const args = parseLocalStackArguments(['--port', String(s3Port), '--gallery-port', String(port)], {});
    if (!args) {
      throw new Error('no arguments parsed');
    }
    const options = { ...args, dataDir: join(workDir, 'data'), env: {}, print: () => undefined };
    await expect(startLocalStack(options)).rejects.toThrow(PortUnavailableError);
    // Nothing is left listening: the S3 port is free again.
    const [again] = await occupy(s3Port);
    await new Promise((resolve) => again.close(resolve));
  });

  it('refuses --fresh on a folder it did not make, deleting nothing, with exit code 2', async () => {
    const folder = join(workDir, 'documents');
    await mkdir(join(folder, 'uploads'), { recursive: true });
    await writeFile(join(folder, 'notes.txt'), 'mine');
    const { code, stderr } = await startAndExit(['--port', '0', '--fresh', '--data-dir', folder]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^npm start: --data-dir ".*documents" holds files the local stack did not make .*--fresh deletes only/,
    );
    expect((await readdir(folder)).sort()).toEqual(['notes.txt', 'uploads']);
  });
});
