/**
 * What a hostile user's trial of `npm start` found, each class against the real stack in a child process
 * (ended only by the PID this test started): two stacks on one data folder, stopping (signals, what a stop
 * waits for and for how long), relative paths, and rejected uploads redone at every start.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalStack } from '../../../src/tools/local/localStack';
import { parseLocalStackArguments } from '../../../src/tools/local/localStackArguments';
import { solidImage } from '../../support/images';
import { DATA_LOCK_FILE } from '../../../src/tools/local/dataLock';
import { SPOOL_FOLDER } from '../../../src/tools/local/s3server/spool';
import { REPO_ROOT } from '../../support/dockerfile';
import { type RunningLocalStack, startLocalStackProcess } from '../../support/localStackProcess';
import { s3ClientFor } from '../../support/s3Client';
import { startS3rver } from '../../support/s3rverServer';
import { startPartialUpload, waitForEntries } from '../../support/s3Requests';

const run = promisify(execFile);

/** A second `npm start` to its exit: its code and what it printed on stderr. */
async function startAndExit(args: string[]): Promise<{ code: number; stderr: string }> {
  const result = await run(process.execPath, [join(REPO_ROOT, 'dist/local/main.js'), ...args], {
    cwd: REPO_ROOT,
    timeout: 60_000,
  }).catch((error: unknown) => error as { code: number; stderr: string });
  return { code: (result as { code?: number }).code ?? 0, stderr: result.stderr };
}

/** Resolves with the exit code once the stack has exited by itself (after a signal sent here). */
async function exited(stack: RunningLocalStack): Promise<number | null> {
  if (stack.child.exitCode === null) {
    await once(stack.child, 'exit');
  }
  return stack.child.exitCode;
}

/** Sends the rest of a partial upload's body and resolves with the answer's status code. */
async function finishUpload(socket: Socket, remainingBytes: number): Promise<number> {
  let received = '';
  const answered = new Promise<number>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      if (status !== undefined) {
        resolve(Number(status));
      }
    });
    socket.on('close', () => {
      reject(new Error(`closed with no answer: ${received}`));
    });
  });
  socket.write(Buffer.alloc(remainingBytes, 'x'));
  const status = await answered;
  socket.destroy();
  return status;
}

/** Waits until an upload's body is being received (spooled): the stack counts it as in progress. */
const spooled = () => waitForEntries(join(dataDir, SPOOL_FOLDER), (entries) => entries >= 1);

const signal = (stack: RunningLocalStack, name: NodeJS.Signals) => process.kill(stack.child.pid ?? 0, name);

let workDir: string;
let dataDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-trial-'));
  dataDir = join(workDir, 'data');
});
afterEach(() => rm(workDir, { recursive: true, force: true }));

describe('npm start: one stack per data folder', () => {
  it('refuses a second start (and --fresh) on a folder in use, naming the PID, losing nothing of an upload in flight', async () => {
    const first = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    // Large enough to be spooled to disk: what the second start's clean-up used to delete.
    const socket = await startPartialUpload(first, '/uploads/big.bin', 3_000_000, 2_000_000);
    await spooled();
    for (const extra of [[], ['--fresh']]) {
      const second = await startAndExit(['--port', '0', '--data-dir', dataDir, ...extra]);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`is in use by PID ${first.child.pid} (another npm start)`);
    }
    expect(await readdir(join(dataDir, SPOOL_FOLDER))).toHaveLength(1);
    expect(await finishUpload(socket, 1_000_000)).toBe(200);
    await first.waitFor(/^rejected +uploads\/big\.bin/m);
    expect(await first.stop()).toBe(0);
    await expect(readFile(join(dataDir, DATA_LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('takes over the lock a stack killed with -9 left behind', async () => {
    const killed = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    await killed.stop('SIGKILL');
    expect(await readFile(join(dataDir, DATA_LOCK_FILE), 'utf8')).toMatch(
      new RegExp(`^${killed.child.pid}\n`),
    );
    const next = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    expect(await next.stop()).toBe(0);
    await expect(readFile(join(dataDir, DATA_LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });
});

describe('npm start: stopping', () => {
  it('treats SIGHUP (the terminal closed) as a stop: says what it waits for and finishes the upload', async () => {
    const stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    const socket = await startPartialUpload(stack, '/uploads/hup.bin', 3_000_000, 2_000_000);
    await spooled();
    signal(stack, 'SIGHUP');
    await stack.waitFor(
      /^SIGHUP: finishing uploads already received, then stopping \(in progress: 1 upload being received, 0 records being made or queued; waiting at most 30 s/m,
    );
    expect(await finishUpload(socket, 1_000_000)).toBe(200);
    expect(await exited(stack)).toBe(0);
    expect(stack.output()).toMatch(/^rejected +uploads\/hup\.bin/m);
    expect(stack.output()).toMatch(/^stopped$/m);
  });

  it('waits at most --drain-seconds, says for what, and the next start takes the folder', async () => {
    const stack = await startLocalStackProcess([
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--drain-seconds',
      '1',
    ]);
    expect(stack.output()).toContain('waiting at most 1 s; Ctrl-C again exits at once');
    const socket = await startPartialUpload(stack, '/uploads/stalled.bin', 3_000_000, 2_000_000);
    await spooled();
    signal(stack, 'SIGINT');
    expect(await exited(stack)).toBe(1);
    expect(stack.output()).toMatch(
      /^gave up waiting after 1 s for 1 upload being received, 0 records being made or queued: uploads cut off were never acknowledged/m,
    );
    socket.destroy();
    const next = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    expect(await next.stop()).toBe(0);
  });

  it('exits at once on a second Ctrl-C, saying what it did not wait for', async () => {
    const stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    const socket = await startPartialUpload(stack, '/uploads/stalled.bin', 3_000_000, 2_000_000);
    await spooled();
    signal(stack, 'SIGINT');
    await stack.waitFor(/^SIGINT: finishing uploads/m);
    // Past the window in which npm's own repeat of one Ctrl-C is taken for the same request.
    await sleep(1500);
    signal(stack, 'SIGINT');
    expect(await exited(stack)).toBe(130);
    expect(stack.output()).toMatch(
      /^SIGINT again: exiting now, without waiting for 1 upload being received/m,
    );
    socket.destroy();
  });
});

describe('npm start: paths and restarts', () => {
  it('resolves a relative --data-dir against the folder npm start was run in (INIT_CWD)', async () => {
    const stack = await startLocalStackProcess(['--port', '0', '--data-dir', 'relative/data'], {
      env: { INIT_CWD: workDir },
    });
    expect(stack.output()).toContain(
      `  data          ${join(workDir, 'relative', 'data')}  (kept across restarts`,
    );
    expect(await stack.stop()).toBe(0);
    expect(await readdir(join(workDir, 'relative', 'data'))).toContain('uploads');
  });

  it('remembers rejected uploads across restarts, and handles a changed one again', async () => {
    const first = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    const s3 = s3ClientFor(first);
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'notes.jpg', Body: 'not an image' }));
    s3.destroy();
    await first.waitFor(/^rejected +uploads\/notes\.jpg: not-an-image/m);
    expect(await first.stop()).toBe(0);

    const second = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    const items = (await (await fetch(`${second.galleryUrl}api/items`)).json()) as unknown[];
    expect(items).toEqual([
      expect.objectContaining({ key: 'notes.jpg', status: 'rejected', reason: 'not-an-image' }),
    ]);
    expect(await second.stop()).toBe(0);
    expect(second.output()).not.toMatch(/^rejected/m);

    const offline = await startS3rver(['uploads', 'thumbnails'], dataDir);
    const offlineS3 = s3ClientFor(offline);
    await offlineS3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'notes.jpg', Body: 'other text' }));
    offlineS3.destroy();
    await offline.stop();
    const third = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    await third.waitFor(/^rejected +uploads\/notes\.jpg: not-an-image/m);
    expect(await third.stop()).toBe(0);
  });
});

describe('npm start: a failure that retries cannot mend', () => {
  it('says on each attempt and on giving up what failed, in words that agree', async () => {
    const lines: string[] = [];
    const args = parseLocalStackArguments(['--port', '0', '--gallery-port', '0', '--data-dir', dataDir], {});
    if (!args) {
      throw new Error('no arguments parsed');
    }
    const stack = await startLocalStack({
      ...args,
      env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
      print: (line) => lines.push(line),
      retryDelaysMs: [10, 10],
    });
    const s3 = s3ClientFor({ endpoint: stack.endpoint, accessKeyId: 'test', secretAccessKey: 'test' });
    // A real fault: the thumbnail bucket gone, so every write of the thumbnail fails.
    await s3.send(new DeleteBucketCommand({ Bucket: 'thumbnails' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'cat.jpg', Body: await solidImage(64, 64) }),
    );
    await stack.idle();
    s3.destroy();
    await stack.stop();
    const cause = 'The specified bucket does not exist';
    expect(lines.filter((line) => line.includes('cat.jpg'))).toEqual([
      expect.stringMatching(
        new RegExp(`^retry +uploads/cat\\.jpg: attempt 1 of 3 failed: .*${cause}.*; trying again in 10 ms$`),
      ),
      expect.stringMatching(
        new RegExp(`^retry +uploads/cat\\.jpg: attempt 2 of 3 failed: .*${cause}.*; trying again in 10 ms$`),
      ),
      expect.stringMatching(
        new RegExp(
          `^failed +uploads/cat\\.jpg: attempt 3 of 3 failed: .*${cause}.*; gave up \\(Lambda would send it to the dead-letter queue\\)$`,
        ),
      ),
    ]);
    expect(lines.join('\n')).not.toMatch(/will be retried/);
  });
});

describe('the README and docs/local-stack.md quote the banner npm start prints', () => {
  it('word for word, but for the ports, the data paths and the CPU count', async () => {
    const stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir, '--concurrency', '2']);
    expect(await stack.stop()).toBe(0);
    const [s3Port, galleryPort, cdnPort] = [stack.endpoint, stack.galleryUrl, stack.cdnUrl].map(
      (url) => new URL(url).port,
    );
    const printed = stack.output().slice(0, stack.output().indexOf('\n\n\nSIGTERM'));
    const asQuoted = printed
      .replaceAll(`127.0.0.1:${s3Port}`, '127.0.0.1:4569')
      .replaceAll(`127.0.0.1:${galleryPort}`, '127.0.0.1:4570')
      .replaceAll(`127.0.0.1:${cdnPort}`, '127.0.0.1:4571')
      .replaceAll(dataDir, '/path/to/thumbnailer/.local-s3');
    for (const document of ['README.md', 'docs/local-stack.md']) {
      const text = await readFile(join(REPO_ROOT, document), 'utf8');
      expect(text).toContain(`\`\`\`text\n${asQuoted}\n\`\`\``);
    }
  });
});

describe('npm start with RENDITIONS', () => {
  it('names the renditions in its banner and every rendition made in its line for an upload', async () => {
    const renditions = [
      { name: 'square', width: 64, height: 64, fit: 'cover', formats: ['webp', 'jpeg'] },
      { name: 'card', width: 120, height: 90, formats: ['webp'] },
    ];
    const stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir], {
      env: { RENDITIONS: JSON.stringify(renditions) },
    });
    try {
      expect(stack.output()).toMatch(
        /^ {2}buckets +uploads -> thumbnails {2}\(square 64x64 cover webp,jpeg; card 120x90 inside webp\)$/m,
      );
      const s3 = s3ClientFor(stack);
      const body = await solidImage(400, 300, 'png');
      await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cat.png', Body: body }));
      s3.destroy();
      await stack.waitFor(
        /^made +uploads\/cat\.png -> thumbnails: square 64x64 \(webp [\d.]+ (B|KB), jpeg [\d.]+ (B|KB)\), card 120x90 \(webp [\d.]+ (B|KB)\) \(\d+ ms\)$/m,
      );
    } finally {
      expect(await stack.stop()).toBe(0);
    }
  });
});
