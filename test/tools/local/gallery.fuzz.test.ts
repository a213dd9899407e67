import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type RunningGallery, startGallery } from '../../support/galleryHarness';
import { hostileRequests } from '../../support/hostileRequests';
import { type RunningLocalStack, startLocalStackProcess } from '../../support/localStackProcess';
import { httpGet, rawRequest } from '../../support/rawHttp';

/** More with FUZZ_RUNS=100000 (fast-check picks a new seed each run and prints it on failure). */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 3000);

/**
 * The server answers every request, hostile or not, with a final status (below 500 unless `serverErrors`,
 * which S3 uses for its own answers such as 501 NotImplemented), and serves on (`aliveStatus` to `GET /`).
 */
async function answersEveryRequest(
  port: number,
  host: string,
  numRuns: number,
  { endOnFailure = false, serverErrors = false, requests = hostileRequests(host), aliveStatus = 200 } = {},
) {
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      const { status } = await rawRequest(port, request);
      expect(status).toBeGreaterThanOrEqual(200);
      expect(status).toBeLessThan(serverErrors ? 600 : 500);
    }),
    {
      numRuns,
      // Where a crash would fail every later request too, the first failure is the one to report.
      endOnFailure,
      examples: [
        [Buffer.from(`GET /object/uploads/%E0 HTTP/1.1\r\nHost: ${host}\r\n\r\n`)],
        // Blank lines and nothing more: Node's parser skips them and waits; the server answers a 408.
        [Buffer.from('\n\r\n\r\n')],
      ],
    },
  );
  // Still serving: the gallery its page; the S3 server its refusal of an unsigned request.
  const page = await httpGet(`http://${host}/`);
  expect(page.status).toBe(aliveStatus);
}

describe('the gallery under hostile requests', () => {
  let gallery: RunningGallery;

  beforeAll(async () => {
    gallery = await startGallery();
  });
  afterAll(async () => {
    await gallery.stop();
  });

  it('answers every request and never fails inside', async () => {
    await answersEveryRequest(gallery.port, gallery.host, Math.ceil(FUZZ_RUNS / 5));
    expect(gallery.errors).toEqual([]);
  });
});

describe('npm start under hostile requests', () => {
  let workDir: string;
  let stack: RunningLocalStack;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-fuzz-'));
    stack = await startLocalStackProcess(['--port', '0', '--data-dir', join(workDir, 'data')]);
  });
  afterAll(async () => {
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  });
  const withOutput = (error: unknown) => {
    throw new Error(`${String(error)}\n\nnpm start printed:\n${stack.output()}`);
  };

  it('stays up and answers every request to its gallery', async () => {
    const { host, port } = new URL(stack.galleryUrl);
    await answersEveryRequest(Number(port), host, Math.ceil(FUZZ_RUNS / 10), { endOnFailure: true }).catch(
      withOutput,
    );
    expect(stack.child.exitCode).toBeNull();
    expect(stack.output()).not.toMatch(/^error /m);
  });

  it('stays up and answers every request to its local CDN', async () => {
    const { host, port } = new URL(stack.cdnUrl);
    const options = { endOnFailure: true, aliveStatus: 404 };
    await answersEveryRequest(Number(port), host, Math.ceil(FUZZ_RUNS / 10), options).catch(withOutput);
    expect(stack.child.exitCode).toBeNull();
    expect(stack.output()).not.toMatch(/^error /m);
  });

  it('stays up and answers every request to its S3 server', async () => {
    const { host, port } = new URL(stack.endpoint);
    const options = {
      endOnFailure: true,
      serverErrors: true,
      requests: hostileRequests(host),
      aliveStatus: 403,
    };
    await answersEveryRequest(Number(port), host, Math.ceil(FUZZ_RUNS / 10), options).catch(withOutput);
    expect(stack.child.exitCode).toBeNull();
  });
});
