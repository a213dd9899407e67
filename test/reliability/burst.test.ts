import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/function/config';
import { makeThumbnail } from '../../src/core/engine/makeThumbnail';
import type { RecordResult } from '../../src/function/processor/recordOutcome';
import { type BurstObject, burstCorpus } from '../support/burstCorpus';
import { getObject, listKeys, putObject } from '../support/bucketContents';
import { captureOutput } from '../support/captureOutput';
import { handlerFor } from '../support/handlerHarness';
import { inParallel } from '../support/inParallel';
import { type RunningLocalStack, startLocalStackProcess } from '../support/localStackProcess';
import { byKey, type RecordLog, recordLogs } from '../support/recordLogs';
import { reportFigures } from '../support/reliabilityReport';
import { s3ClientFor } from '../support/s3Client';
import { s3Event } from '../support/s3Events';

const MEBIBYTE = 1024 * 1024;
const MEMORY_BUDGET_BYTES = 512 * MEBIBYTE;
const COUNTS = { valid: 600, notAnImage: 200, corrupt: 200 };
const CLIENTS = 4;
const UPLOADS_IN_FLIGHT = 16;
/** Every tenth object's event is delivered twice more, by a second handler, as Lambda may. */
const REDELIVERED_EVERY = 10;
/** A bound against hangs only. */
const HANG_BOUND_MS = 180_000;

/**
 * Load: a thousand uploads from concurrent clients into the local stack (the Lambda's own handler behind
 * a real S3 server, in its own process), then the same burst with every object uploaded twice and some
 * events delivered three times.
 */
describe('a burst of uploads', () => {
  let workDir: string;
  let stack: RunningLocalStack;
  let clients: S3Client[];
  const expected = new Map<string, Buffer>();

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-burst-'));
    stack = await startLocalStackProcess(['--port', '0', '--data-dir', workDir], {
      env: { POWERTOOLS_LOG_LEVEL: 'INFO', MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' },
    });
    clients = Array.from({ length: CLIENTS }, () => s3ClientFor(stack, 5));
  });
  afterAll(async () => {
    for (const client of clients) {
      client.destroy();
    }
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  /** The thumbnail the pure core makes of each valid image: what the pipeline must store, byte for byte. */
  async function expectThumbnails(objects: readonly BurstObject[]) {
    const { thumbnail } = loadConfig({ THUMBNAIL_BUCKET: 'thumbnails' });
    for (const object of objects.filter(({ kind }) => kind === 'valid')) {
      expected.set(object.key, (await makeThumbnail(object.body, thumbnail)).data);
    }
  }

  /**
   * Uploads every object once, or twice in a row, from CLIENTS clients with UPLOADS_IN_FLIGHT at once,
   * telling `uploaded` as each object lands.
   */
  const upload = (
    objects: readonly BurstObject[],
    times: 1 | 2 = 1,
    uploaded: (upload: Uploaded, index: number) => void = () => undefined,
  ) =>
    inParallel(objects, UPLOADS_IN_FLIGHT, async (object, index): Promise<Uploaded> => {
      const client = clients[index % CLIENTS] as S3Client;
      const eTag = await putObject(client, 'uploads', object.key, object.body);
      const eTagAgain = times === 2 ? await putObject(client, 'uploads', object.key, object.body) : eTag;
      uploaded({ object, eTag, eTagAgain }, index);
      return { object, eTag, eTagAgain };
    });

  async function waitForLogs(
    objects: readonly BurstObject[],
    perKey: number,
  ): Promise<Map<string, RecordLog[]>> {
    const deadline = Date.now() + HANG_BOUND_MS;
    for (;;) {
      const logs = byKey(recordLogs(stack.lines()));
      const done = objects.every((object) => (logs.get(object.key)?.length ?? 0) >= perKey);
      if (done || Date.now() > deadline || stack.child.exitCode !== null) {
        return logs;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Exactly one thumbnail per valid image, byte for byte what the core makes, and none for the rest. */
  async function expectStoredThumbnails(objects: readonly BurstObject[], prefix: string) {
    const valid = objects.filter(({ kind }) => kind === 'valid');
    const stored = (await listKeys(clients[0] as S3Client, 'thumbnails')).filter((key) =>
      key.startsWith(prefix),
    );
    expect(stored).toEqual(valid.map(({ key }) => `${key}.jpg`).sort());
    const mismatched = await inParallel(valid, 16, async ({ key }) => {
      const thumbnail = await getObject(clients[0] as S3Client, 'thumbnails', `${key}.jpg`);
      return thumbnail?.body.equals(expected.get(key) ?? Buffer.alloc(0)) ? [] : [key];
    });
    expect(mismatched.flat()).toEqual([]);
  }

  /** The one log line each refused object got (or every line, for objects delivered more than once). */
  function refusals(objects: readonly BurstObject[], logs: Map<string, RecordLog[]>) {
    return objects
      .filter(({ kind }) => kind !== 'valid')
      .flatMap(({ key, kind }) =>
        (logs.get(key) ?? []).map((line) => ({ kind, reason: line.reason, message: line.message })),
      )
      .filter(({ kind, reason, message }) => kind !== reason || message !== 'image rejected, not retrying');
  }

  it(
    'makes exactly one thumbnail per valid image, of the right size, and refuses the rest once each',
    async () => {
      const objects = await burstCorpus('first/', COUNTS);
      await expectThumbnails(objects);
      await upload(objects);
      const logs = await waitForLogs(objects, 1);

      const lineCounts = objects.map(({ key }) => logs.get(key)?.length ?? 0);
      expect({
        missing: lineCounts.filter((count) => count === 0).length,
        repeated: lineCounts.filter((count) => count > 1).length,
      }).toEqual({
        missing: 0,
        repeated: 0,
      });
      const valid = objects.filter(({ kind }) => kind === 'valid');
      const wrong = valid.flatMap((object) => {
        const [line] = logs.get(object.key) ?? [];
        return madeAsExpected(object, line) ? [] : [{ key: object.key, line }];
      });
      expect(wrong).toEqual([]);
      expect(refusals(objects, logs)).toEqual([]);
      await expectStoredThumbnails(objects, 'first/');

      const peak = await stack.peakRssBytes();
      expect(peak).toBeLessThan(MEMORY_BUDGET_BYTES);
      await reportFigures('burst', {
        uploads: objects.length,
        valid: COUNTS.valid,
        notAnImage: COUNTS.notAnImage,
        corrupt: COUNTS.corrupt,
        thumbnails: valid.length,
        peakRssMiB: Math.round(peak / MEBIBYTE),
      });
    },
    2 * HANG_BOUND_MS,
  );

  it(
    'uploaded twice and redelivered: still one byte-identical thumbnail per image, duplicate work skipped',
    async () => {
      const objects = await burstCorpus('twice/', COUNTS);
      await expectThumbnails(objects);
      // Lambda delivers at least once: as each chosen object lands, a second handler gets its event twice
      // more, both at once and while the stack is still working through the burst.
      const output = captureOutput();
      const { handler } = handlerFor({ ...stack }, { SOURCE_BUCKET: 'uploads' });
      const redeliveries: Array<Promise<RecordResult[]>> = [];
      const redeliver = ({ object, eTagAgain }: Uploaded, index: number) => {
        if (index % REDELIVERED_EVERY === 0) {
          const event = s3Event('uploads', [{ key: object.key, size: object.body.length, eTag: eTagAgain }]);
          redeliveries.push(
            Promise.all([handler(event), handler(event)]).then((both) =>
              both.flatMap(({ records }) => records),
            ),
          );
        }
      };
      let first: Uploaded[];
      let redelivered: RecordResult[];
      try {
        // Each object twice in a row by the same client, as a retrying uploader would.
        first = await upload(objects, 2, redeliver);
        redelivered = (await Promise.all(redeliveries)).flat();
      } finally {
        output.restore();
      }
      const logs = await waitForLogs(objects, 2);

      // The same bytes make the same ETag: to the pipeline, the second upload is the first again.
      expect(first.filter(({ eTag, eTagAgain }) => eTag !== eTagAgain)).toEqual([]);
      const valid = new Set(objects.filter(({ kind }) => kind === 'valid').map(({ key }) => key));
      const fromStack = objects.flatMap(({ key }) =>
        (logs.get(key) ?? []).map((line) => ({ key, status: statusOf(line), reason: line.reason })),
      );
      const forValid = [...fromStack, ...redelivered].filter(({ key }) => valid.has(key));
      const made = forValid.filter(({ status }) => status === 'made').length;
      const skipped = forValid.filter(
        ({ status, reason }) => status === 'skipped' && reason === 'already-current',
      ).length;
      // Every delivery of a valid image either made its thumbnail or found it already made: nothing else.
      expect({ deliveries: forValid.length, madeOrSkipped: made + skipped }).toEqual({
        deliveries: valid.size * 2 + redelivered.filter(({ key }) => valid.has(key)).length,
        madeOrSkipped: forValid.length,
      });
      expect(made).toBeGreaterThanOrEqual(valid.size);
      expect(skipped).toBeGreaterThan(0);
      expect(refusals(objects, logs)).toEqual([]);
      await expectStoredThumbnails(objects, 'twice/');

      const peak = await stack.peakRssBytes();
      expect(peak).toBeLessThan(MEMORY_BUDGET_BYTES);
      await reportFigures('duplicates', {
        uploads: objects.length * 2,
        redeliveries: redelivered.length,
        validDeliveries: forValid.length,
        thumbnailsWritten: made,
        duplicatesSkipped: skipped,
        duplicatesRedone: made - valid.size,
        peakRssMiB: Math.round(peak / MEBIBYTE),
      });
    },
    2 * HANG_BOUND_MS,
  );
});

/** Made into `<key>.jpg`, its longer side fitted to 256 pixels (never enlarged). */
function madeAsExpected({ key, size = [0, 0] }: BurstObject, line: RecordLog | undefined): boolean {
  const output = (line?.output ?? {}) as { width?: number; height?: number };
  const longest = Math.min(256, Math.max(...size));
  return (
    line?.message === 'thumbnail made' &&
    line.outputKey === `${key}.jpg` &&
    Math.max(output.width ?? 0, output.height ?? 0) === longest
  );
}

interface Uploaded {
  readonly object: BurstObject;
  readonly eTag: string;
  readonly eTagAgain: string;
}

const STATUS_BY_MESSAGE: Record<string, RecordResult['status']> = {
  'thumbnail made': 'made',
  'record skipped': 'skipped',
  'image rejected, not retrying': 'rejected',
  'transient failure, the event will be retried': 'failed',
};

const statusOf = (line: RecordLog): RecordResult['status'] | undefined => STATUS_BY_MESSAGE[line.message];
