import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Notification } from '../../src/aws/events/s3Notification';
import type { S3ObjectEvent } from '../../src/aws/events/parseS3Event';
import type { RecordResult } from '../../src/function/processor/recordOutcome';
import { putObject } from './bucketContents';
import type { Harness } from './handlerHarness';

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

export type StormWrite =
  | { readonly kind: 'image' | 'not-an-image'; readonly key: string; readonly body: Buffer }
  | { readonly kind: 'delete'; readonly key: string };

/** Performs one write; returns the ETag and kind of what a put stored. */
export async function performWrite(s3: S3Client, bucket: string, write: StormWrite) {
  if (write.kind === 'delete') {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: write.key }));
    return undefined;
  }
  return { eTag: await putObject(s3, bucket, write.key, write.body), kind: write.kind };
}

export interface Deliveries {
  readonly records: RecordResult[];
  /** Events handed to the handler, duplicates included. */
  delivered: number;
  /** Invocations that threw and were retried, as Lambda retries an asynchronous event. */
  retried: number;
  readonly pending: Set<Promise<void>>;
}

/** Hands one notice to the handler after `delayMs`, retrying a throw twice as Lambda would. */
export function deliverLater(harness: Harness, notice: S3ObjectEvent, delayMs: number, into: Deliveries) {
  const delivery = (async () => {
    await sleep(delayMs);
    for (let attempt = 0; ; attempt += 1) {
      into.delivered += attempt === 0 ? 1 : 0;
      try {
        into.records.push(...(await harness.handler(s3Notification([notice]))).records);
        return;
      } catch (error) {
        if (attempt === 2) {
          throw error;
        }
        into.retried += 1;
        await sleep(20);
      }
    }
  })();
  into.pending.add(delivery);
  void delivery.finally(() => into.pending.delete(delivery)).catch(() => undefined);
  return delivery;
}
