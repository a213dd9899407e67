import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Notification } from '../../src/aws/events/s3Notification';
import type { RecordResult } from '../../src/function/processor/recordOutcome';
import type { S3ObjectEvent } from '../../src/aws/events/parseS3Event';
import { putObject } from './bucketContents';
import { currentETag } from './derivativeChecks';
import { SOURCE_BUCKET } from './handlerHarness';
import { photoJpeg } from './images';
import { inParallel } from './inParallel';
import type { TestS3 } from './localS3';

/** A few keys (spaces, non-ASCII, a plus sign among them), each overwritten and deleted many times. */
export const STORM_KEYS = [
  'a.jpg',
  'b.png',
  'c d.webp',
  'été.jpg',
  'e+f.jpg',
  'g/h.jpg',
  'i.gif',
  'j.jpeg',
].map((name) => `storm/${name}`);
export const STORM = {
  writes: 160,
  writers: 4,
  /** Each event is handled after up to this long, so that events overtake each other. */
  maxDelayMs: 40,
  /** Each writer pauses up to this long between writes, so that writes and handling overlap. */
  maxPauseMs: 30,
  /** This share of events is delivered a second time, later, as S3 may. */
  duplicated: 0.3,
} as const;

/** A small seeded generator (mulberry32), so that a failing storm can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type StormWrite =
  | { readonly kind: 'image' | 'not-an-image'; readonly key: string; readonly body: Buffer }
  | { readonly kind: 'delete'; readonly key: string };

/** The writes: overwrites with one of three photos or a non-image, and deletes. */
async function plannedWrites(random: () => number): Promise<StormWrite[]> {
  // Photos large enough that making a thumbnail takes a while: writes land in the middle of it.
  const images = await Promise.all([1, 2, 3].map((seed) => photoJpeg(1200, 900, seed)));
  return Array.from({ length: STORM.writes }, () => {
    const key = STORM_KEYS[Math.floor(random() * STORM_KEYS.length)] ?? '';
    const roll = random();
    if (roll < 0.25) return { kind: 'delete', key } as const;
    if (roll < 0.4) return { kind: 'not-an-image', key, body: Buffer.from(`text ${roll}`) } as const;
    const body = images[Math.floor(random() * images.length)] ?? Buffer.alloc(0);
    return { kind: 'image', key, body } as const;
  });
}

async function performWrite(s3: S3Client, write: StormWrite) {
  if (write.kind === 'delete') {
    await s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: write.key }));
    return undefined;
  }
  return { eTag: await putObject(s3, SOURCE_BUCKET, write.key, write.body), kind: write.kind };
}

type Handler = (event: unknown) => Promise<{ records: readonly RecordResult[] }>;

interface Deliveries {
  readonly records: RecordResult[];
  delivered: number;
  retried: number;
  readonly pending: Set<Promise<void>>;
}

/** Hands one notice to the handler after `delayMs`, retrying a throw twice as Lambda would. */
function deliverLater(handler: Handler, notice: S3ObjectEvent, delayMs: number, into: Deliveries) {
  const delivery = (async () => {
    await sleep(delayMs);
    into.delivered += 1;
    for (let attempt = 0; ; attempt += 1) {
      try {
        into.records.push(...(await handler(s3Notification([notice]))).records);
        return;
      } catch (error) {
        if (attempt === 2) throw error;
        into.retried += 1;
        await sleep(20);
      }
    }
  })();
  into.pending.add(delivery);
  void delivery.finally(() => into.pending.delete(delivery)).catch(() => undefined);
}

/** Hands each source notice on as it arrives (some twice), until `done` and every delivery settled. */
async function dispatch(
  s3: TestS3,
  handler: Handler,
  random: () => number,
  done: () => boolean,
  into: Deliveries,
) {
  while (!done() || s3.notices.length > 0) {
    for (const notice of s3.notices.splice(0).filter((each) => each.bucket === SOURCE_BUCKET)) {
      deliverLater(handler, notice, random() * STORM.maxDelayMs, into);
      if (random() < STORM.duplicated) deliverLater(handler, notice, random() * STORM.maxDelayMs * 5, into);
    }
    await sleep(2);
  }
  while (into.pending.size > 0) await Promise.all([...into.pending]);
}

export interface StormResult {
  /** Source key -> the ETag it holds at the end, for keys that end holding an image. */
  readonly finalImages: Record<string, string>;
  readonly figures: Record<string, number>;
}

/**
 * A storm: concurrent writers overwrite and delete the keys while every event S3 sends is handled late,
 * out of order, concurrently and some twice, by `handler`.
 */
export async function runStorm(s3: TestS3, handler: Handler, seed: number): Promise<StormResult> {
  const random = seededRandom(seed);
  const writes = await plannedWrites(random);
  const kinds = new Map<string, string>();
  const into: Deliveries = { records: [], delivered: 0, retried: 0, pending: new Set() };
  let writing = true;
  const started = performance.now();
  const dispatched = dispatch(s3, handler, random, () => !writing, into);
  await inParallel(writes, STORM.writers, async (write) => {
    await sleep(random() * STORM.maxPauseMs);
    const stored = await performWrite(s3.s3, write);
    if (stored) kinds.set(stored.eTag, stored.kind);
  });
  writing = false;
  await dispatched;
  const durationMs = Math.round(performance.now() - started);
  const finalImages: Record<string, string> = {};
  for (const key of STORM_KEYS) {
    const eTag = await currentETag(s3.s3, SOURCE_BUCKET, key);
    if (eTag !== undefined && kinds.get(eTag) === 'image') finalImages[key] = eTag;
  }
  const count = (status: string) => into.records.filter((record) => record.status === status).length;
  const statuses = ['made', 'deleted', 'rejected', 'skipped'].map((status) => [status, count(status)]);
  const figures = {
    keys: STORM_KEYS.length,
    writes: STORM.writes,
    writers: STORM.writers,
    deliveries: into.delivered,
    retried: into.retried,
    ...Object.fromEntries(statuses),
    durationMs,
  };
  return { finalImages, figures };
}
