import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { manifestKey, thumbnailKey } from '../../src/core/thumbnailKey';
import { getObject, listKeys, putObject } from '../support/bucketContents';
import { type CorpusFile, corpusEntries, hostileCorpus } from '../support/hostileCorpus';
import { describeImage } from '../support/images';
import { inParallel } from '../support/inParallel';
import { type RunningLocalStack, startLocalStackProcess } from '../support/localStackProcess';
import { byKey, type RecordLog, recordLogs } from '../support/recordLogs';
import { reportFigures } from '../support/reliabilityReport';
import { s3ClientFor } from '../support/s3Client';

const MEBIBYTE = 1024 * 1024;
/** The byte limit the stack runs with: small, so that the limit's neighbours are cheap to upload. */
const MAX_INPUT_BYTES = MEBIBYTE;
/** What the stack may hold at once: the memory the Lambda function is given. */
const MEMORY_BUDGET_BYTES = 512 * MEBIBYTE;
/** A bound against hangs only: every file is expected within a fraction of it. */
const HANG_BOUND_MS = 60_000;

/**
 * Every file of the hostile corpus, uploaded into the local stack (the Lambda's own handler behind a
 * real S3 server, in its own process), must end exactly as the corpus says: one log line with the
 * reason, no thumbnail for anything refused, and a process that is still up and within its memory.
 */
describe('hostile input through the whole pipeline', () => {
  let workDir: string;
  let stack: RunningLocalStack;
  let s3: S3Client;
  let corpus: CorpusFile[];
  let logs: Map<string, RecordLog[]>;

  beforeAll(async () => {
    corpus = await hostileCorpus(MAX_INPUT_BYTES);
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-hostile-'));
    // One image at a time, as in a Lambda instance: libvips keeps one error buffer per thread, and with
    // decodes failing side by side, one refusal's detail was once another's message.
    stack = await startLocalStackProcess(['--port', '0', '--data-dir', workDir, '--concurrency', '1'], {
      env: {
        MAX_INPUT_BYTES: String(MAX_INPUT_BYTES),
        POWERTOOLS_LOG_LEVEL: 'INFO',
        MALLOC_ARENA_MAX: '2',
        MALLOC_TRIM_THRESHOLD_: '131072',
      },
    });
    s3 = s3ClientFor(stack);
    await inParallel(corpus, 8, (file) => putObject(s3, 'uploads', file.key, file.body));
    logs = await waitForEveryKey(
      stack,
      corpus.map((file) => file.key),
    );
  }, 2 * HANG_BOUND_MS);
  afterAll(async () => {
    s3.destroy();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('holds at least 40 files', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
  });

  const cases = corpusEntries(MAX_INPUT_BYTES).map(([key, , expected]) => ({
    key,
    name:
      Buffer.byteLength(key) > 80
        ? `${JSON.stringify(key.slice(0, 12))}... (${Buffer.byteLength(key)} bytes)`
        : JSON.stringify(key),
    outcome: expected.status === 'made' ? `made, ${expected.size.join('x')}` : `rejected, ${expected.reason}`,
  }));

  it.each(cases)('$name: $outcome', async ({ key }) => {
    const file = corpus.find((candidate) => candidate.key === key) as CorpusFile;
    const lines = logs.get(file.key) ?? [];
    const expected = file.expected;
    const thumbnail = await getObject(s3, 'thumbnails', thumbnailKey(file.key, '', 'jpg'));
    if (expected.status === 'rejected') {
      expect({ key: file.key, lines: lines.length, thumbnail }).toEqual({
        key: file.key,
        lines: 1,
        thumbnail: undefined,
      });
      expect(lines[0]).toMatchObject({
        level: 'ERROR',
        message: 'image rejected, not retrying',
        reason: expected.reason,
        detail: expect.stringMatching(expected.detail),
      });
      return;
    }
    expect({ key: file.key, lines: lines.map((line) => line.message) }).toEqual({
      key: file.key,
      lines: ['thumbnail made'],
    });
    const { width, height } = await describeImage(thumbnail?.body ?? Buffer.alloc(0));
    expect({ key: file.key, size: [width, height] }).toEqual({ key: file.key, size: expected.size });
    if (file.payload !== undefined) {
      expect(thumbnail?.body.includes(file.payload)).toBe(false);
    }
  });

  it('stays up, within its memory budget, with a thumbnail for exactly the valid files', async () => {
    const peak = await stack.peakRssBytes();
    const made = corpus.filter((file) => file.expected.status === 'made');
    expect(stack.child.exitCode).toBeNull();
    expect(peak).toBeLessThan(MEMORY_BUDGET_BYTES);
    const stored = await listKeys(s3, 'thumbnails');
    expect(stored.filter((key) => !key.startsWith('_manifests/'))).toEqual(
      made.map((file) => thumbnailKey(file.key, '', 'jpg')).sort(),
    );
    // One manifest per image made, and none for a refused one.
    expect(stored.filter((key) => key.startsWith('_manifests/'))).toEqual(
      made.map((file) => manifestKey(file.key, '')).sort(),
    );
    expect(await listKeys(s3, 'uploads')).toEqual(corpus.map((file) => file.key).sort());
    await reportFigures('hostile-input', {
      files: corpus.length,
      refused: corpus.length - made.length,
      made: made.length,
      peakRssMiB: Math.round(peak / MEBIBYTE),
    });
  });

  it('never prints what a file contains: no text payload, no bytes', () => {
    expect(stack.output()).not.toMatch(/polyglot"\)|just some text|\uFFFD/);
  });

  it('never prints a raw control character, so no key can forge a line', () => {
    expect(stack.output()).not.toMatch(/uploads\/special\/tab\t/);
    expect(stack.output()).toMatch(/uploads\/special\/tab\\tand\\nnewline\.jpg/);
  });
});

async function waitForEveryKey(stack: RunningLocalStack, keys: readonly string[]) {
  const deadline = Date.now() + HANG_BOUND_MS;
  for (;;) {
    const logs = byKey(recordLogs(stack.lines()));
    const missing = keys.filter((key) => !logs.has(key));
    if (missing.length === 0 || Date.now() > deadline || stack.child.exitCode !== null) {
      return logs;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
