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

  describe('each image uploaded once', () => {
    let objects: BurstObject[];
    let logs: Map<string, RecordLog[]>;
    let peak: number;

    beforeAll(async () => {
      objects = await burstCorpus('first/', COUNTS);
      await expectThumbnails(objects);
      await upload(objects);
      logs = await waitForLogs(objects, 1);
      peak = await stack.peakRssBytes();
    }, 2 * HANG_BOUND_MS);

    it('logs exactly one outcome per upload', () => {
      const lineCounts = objects.map(({ key }) => logs.get(key)?.length ?? 0);
      expect({
        missing: lineCounts.filter((count) => count === 0).length,
        repeated: lineCounts.filter((count) => count > 1).length,
      }).toEqual({
        missing: 0,
        repeated: 0,
      });
    });

    it('makes exactly one thumbnail per valid image, of the right size', async () => {
      const wrong = objects
        .filter(({ kind }) => kind === 'valid')
        .flatMap((object) => {
          const [line] = logs.get(object.key) ?? [];
          return madeAsExpected(object, line) ? [] : [{ key: object.key, line }];
        });
      expect(wrong).toEqual([]);
      await expectStoredThumbnails(objects, 'first/');
    });

    it('refuses the rest once each, with the reason', () => {
      expect(refusals(objects, logs)).toEqual([]);
    });

    it('stays within its memory budget', async () => {
      expect(peak).toBeLessThan(MEMORY_BUDGET_BYTES);
      await reportFigures('burst', {
        uploads: objects.length,
        valid: COUNTS.valid,
        notAnImage: COUNTS.notAnImage,
        corrupt: COUNTS.corrupt,
        thumbnails: objects.filter(({ kind }) => kind === 'valid').length,
        peakRssMiB: Math.round(peak / MEBIBYTE),
      });
    });
  });

  describe('each image uploaded twice, some events redelivered', () => {
    let objects: BurstObject[];
    let logs: Map<string, RecordLog[]>;
    let uploads: Uploaded[];
    let redelivered: RecordResult[];
    let peak: number;

    beforeAll(async () => {
      objects = await burstCorpus('twice/', COUNTS);
      await expectThumbnails(objects);
      ({ uploads, redelivered } = await uploadTwiceAndRedeliver(objects));
      logs = await waitForLogs(objects, 2);
      peak = await stack.peakRssBytes();
    }, 2 * HANG_BOUND_MS);

    it('sees the same ETag for the same bytes: to the pipeline, the second upload is the first again', () => {
      expect(uploads.filter(({ eTag, eTagAgain }) => eTag !== eTagAgain)).toEqual([]);
    });

    it('makes or skips as already current every delivery of a valid image, and nothing else', () => {
      const { deliveries, made, skipped, valid } = tally(objects, logs, redelivered);
      expect({ deliveries: deliveries.length, madeOrSkipped: made + skipped }).toEqual({
        deliveries: valid.size * 2 + redelivered.filter(({ key }) => valid.has(key)).length,
        madeOrSkipped: deliveries.length,
      });
      expect(made).toBeGreaterThanOrEqual(valid.size);
      expect(skipped).toBeGreaterThan(0);
    });

    it('still stores one byte-identical thumbnail per image, and refuses the rest', async () => {
      expect(refusals(objects, logs)).toEqual([]);
      await expectStoredThumbnails(objects, 'twice/');
    });

    it('stays within its memory budget', async () => {
      expect(peak).toBeLessThan(MEMORY_BUDGET_BYTES);
      const { deliveries, made, skipped, valid } = tally(objects, logs, redelivered);
      await reportFigures('duplicates', {
        uploads: objects.length * 2,
        redeliveries: redelivered.length,
        validDeliveries: deliveries.length,
        thumbnailsWritten: made,
        duplicatesSkipped: skipped,
        duplicatesRedone: made - valid.size,
        peakRssMiB: Math.round(peak / MEBIBYTE),
      });
    });
  });

  /**
   * Every object twice in a row by the same client, as a retrying uploader would. Lambda delivers at
   * least once: as each tenth object lands, a second handler gets its event twice more, both at once and
   * while the stack is still working through the burst.
   */
  async function uploadTwiceAndRedeliver(objects: readonly BurstObject[]) {
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
    try {
      const uploads = await upload(objects, 2, redeliver);
      return { uploads, redelivered: (await Promise.all(redeliveries)).flat() };
    } finally {
      output.restore();
    }
  }
});

/** What became of every delivery of a valid image, from the stack's logs and the redeliveries' results. */
function tally(objects: readonly BurstObject[], logs: Map<string, RecordLog[]>, redelivered: RecordResult[]) {
  const valid = new Set(objects.filter(({ kind }) => kind === 'valid').map(({ key }) => key));
  const fromStack = objects.flatMap(({ key }) =>
    (logs.get(key) ?? []).map((line) => ({ key, status: statusOf(line), reason: line.reason })),
  );
  const deliveries = [...fromStack, ...redelivered].filter(({ key }) => valid.has(key));
  const made = deliveries.filter(({ status }) => status === 'made').length;
  const skipped = deliveries.filter(
    ({ status, reason }) => status === 'skipped' && reason === 'already-current',
  ).length;
  return { deliveries, made, skipped, valid };
}

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
