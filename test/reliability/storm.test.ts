import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureOutput } from '../support/captureOutput';
import { currentETag, stampedKeys } from '../support/derivativeChecks';
import { handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { photoJpeg } from '../support/images';
import { type FaultProxy, startFaultProxy } from '../support/faultProxy';
import { inParallel } from '../support/inParallel';
import { startTestS3, type TestS3 } from '../support/localS3';
import { reportFigures } from '../support/reliabilityReport';
import { type Deliveries, deliverLater, performWrite, seededRandom, type StormWrite } from '../support/storm';

/** A few keys (spaces, non-ASCII, a plus sign among them), each overwritten and deleted many times. */
const KEYS = ['a.jpg', 'b.png', 'c d.webp', 'été.jpg', 'e+f.jpg', 'g/h.jpg', 'i.gif', 'j.jpeg'].map(
  (name) => `storm/${name}`,
);
const WRITES = 160;
const WRITERS = 4;
/** Each event is handled after up to this long, so that events overtake each other. */
const MAX_DELAY_MS = 40;
/** Each request of the handler is delayed by up to this long. */
const MAX_LATENCY_MS = 25;
/** ... and each thumbnail write by up to this long: a stale write may land after newer work is done. */
const MAX_WRITE_LATENCY_MS = 150;
/** Each writer pauses up to this long between writes, so that writes and handling overlap. */
const MAX_PAUSE_MS = 30;
/** This share of events is delivered a second time, later, as S3 may. */
const DUPLICATED = 0.3;
/** The seed; `STORM_SEED=<n>` replays another storm. 3 is one that fails on this project's 2-core machine when
 * a record does not read its source again after writing (so the check below can fail). */
const SEED = Number(process.env.STORM_SEED ?? 3);

/** The writes: overwrites with one of three images or a non-image, and deletes, of a few keys. */
async function plannedWrites(random: () => number): Promise<StormWrite[]> {
  // Photos large enough that making a thumbnail takes a while: writes land in the middle of it.
  const images = await Promise.all([1, 2, 3].map((seed) => photoJpeg(1200, 900, seed)));
  return Array.from({ length: WRITES }, () => {
    const key = KEYS[Math.floor(random() * KEYS.length)] ?? '';
    const roll = random();
    if (roll < 0.25) return { kind: 'delete', key } as const;
    if (roll < 0.4) return { kind: 'not-an-image', key, body: Buffer.from(`text ${roll}`) } as const;
    return {
      kind: 'image',
      key,
      body: images[Math.floor(random() * images.length)] ?? Buffer.alloc(0),
    } as const;
  });
}

/**
 * A storm: concurrent writers overwrite and delete a few keys while every event S3 sends is handled late,
 * out of order, concurrently and some twice. At the end each key has exactly the derivatives of what it
 * holds: one thumbnail stamped with its ETag when that is an image, nothing when it is gone or refused.
 */
describe('a storm of overwrites and deletes', () => {
  let s3: TestS3;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
    // The handler's every request takes a while, as a Lambda's does across a network, which widens the
    // window between reading a source and writing its thumbnail: writes land inside it.
    proxy = await startFaultProxy(s3.endpoint.endpoint);
    const latency = seededRandom(SEED + 1);
    proxy.setPlan(({ method }) => ({
      kind: 'delay',
      ms: Math.round(latency() * (method === 'PUT' ? MAX_WRITE_LATENCY_MS : MAX_LATENCY_MS)),
    }));
  });
  afterAll(async () => {
    await proxy.stop();
    await s3.stop();
  });

  /** Hands each source notice on as it arrives, until `done` and every delivery settled. */
  async function dispatch(random: () => number, done: () => boolean, deliveries: Deliveries) {
    const harness = handlerFor({ ...s3.endpoint, endpoint: proxy.endpoint }, {}, 5);
    while (!done() || s3.notices.length > 0) {
      for (const notice of s3.notices.splice(0).filter((each) => each.bucket === SOURCE_BUCKET)) {
        void deliverLater(harness, notice, random() * MAX_DELAY_MS, deliveries);
        if (random() < DUPLICATED) {
          void deliverLater(harness, notice, random() * MAX_DELAY_MS * 5, deliveries);
        }
      }
      await sleep(2);
    }
    while (deliveries.pending.size > 0) {
      await Promise.all([...deliveries.pending]);
    }
  }

  it('ends with exactly the derivatives of each key’s final state', async () => {
    const output = captureOutput();
    const random = seededRandom(SEED);
    const writes = await plannedWrites(random);
    const kinds = new Map<string, string>();
    const deliveries: Deliveries = { records: [], delivered: 0, retried: 0, pending: new Set() };
    let writing = true;
    const started = performance.now();
    const dispatched = dispatch(random, () => !writing, deliveries);
    await inParallel(writes, WRITERS, async (write) => {
      await sleep(random() * MAX_PAUSE_MS);
      const stored = await performWrite(s3.s3, SOURCE_BUCKET, write);
      if (stored) kinds.set(stored.eTag, stored.kind);
    });
    writing = false;
    await dispatched;
    const durationMs = Math.round(performance.now() - started);
    output.restore();

    const expected: Record<string, string> = {};
    for (const key of KEYS) {
      const eTag = await currentETag(s3.s3, SOURCE_BUCKET, key);
      if (eTag !== undefined && kinds.get(eTag) === 'image') expected[`${key}.jpg`] = eTag;
    }
    expect(await stampedKeys(s3.s3, THUMBNAIL_BUCKET)).toEqual(expected);
    const count = (status: string) => deliveries.records.filter((record) => record.status === status).length;
    await reportFigures('storm', {
      keys: KEYS.length,
      writes: WRITES,
      writers: WRITERS,
      deliveries: deliveries.delivered,
      retried: deliveries.retried,
      made: count('made'),
      deleted: count('deleted'),
      rejected: count('rejected'),
      skipped: count('skipped'),
      thumbnailsAtEnd: Object.keys(expected).length,
      durationMs,
    });
  });
});
