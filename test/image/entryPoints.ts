import { batchInvocation } from '../../src/aws/events/batchInvocation';
import { s3Notification } from '../../src/aws/events/s3Notification';
import type { HandlerResult } from '../../src/function/handlers/s3Event';
import { getObject } from '../support/bucketContents';
import { brief, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { describeImage, photoJpeg } from '../support/images';
import type { FunctionS3 } from './functionS3';

/** One invocation of an entry point: the event Lambda would send, and the check of what the function did. */
export interface Invocation {
  readonly event: unknown;
  verify(payload: unknown): Promise<void>;
}

/**
 * An entry point of the image (a handler the function's image_config.command can name), as the image tier
 * invokes it in a container: `prepare` stores what the invocation needs in S3 and returns it.
 */
export interface EntryPoint {
  readonly title: string;
  readonly handler: string;
  prepare(s3: FunctionS3): Promise<Invocation>;
}

const s3Upload: EntryPoint = {
  title: 'turns an S3 upload into a real thumbnail, from the S3 event the upload produced',
  handler: 'index.handler',
  async prepare(s3) {
    const key = 'phone uploads/café photo+1.jpg';
    const photo = await photoJpeg(1800, 1200);
    const { mean } = await describeImage(photo);
    const notice = await s3.upload(key, photo);
    return {
      event: s3Notification([notice]),
      async verify(payload) {
        expect(brief((payload as HandlerResult).records)).toEqual([
          { key, status: 'made', outputKey: `${key}.jpg` },
        ]);
        const thumbnail = await getObject(s3.client, THUMBNAIL_BUCKET, `${key}.jpg`);
        expect(thumbnail?.contentType).toBe('image/jpeg');
        // Decoded whole (its statistics read every pixel): the box, and the photo's colour, kept.
        const decoded = await describeImage(thumbnail?.body ?? Buffer.alloc(0));
        expect(decoded).toMatchObject({ format: 'jpeg', width: 256, height: 171, channels: 3 });
        for (const channel of ['r', 'g', 'b'] as const) {
          expect(Math.abs(decoded.mean[channel] - mean[channel])).toBeLessThan(8);
        }
      },
    };
  },
};

const batchOperations: EntryPoint = {
  title: 'answers a Batch Operations task (schema 2.0, a URL-encoded key) with the thumbnail it made',
  handler: 'index.handler',
  async prepare(s3) {
    const key = 'backfill/old photo+2 é.jpg';
    await s3.upload(key, await photoJpeg(1200, 900));
    return {
      event: batchInvocation([{ bucket: SOURCE_BUCKET, key }], { jobId: 'image-tier', invocationId: 'i-1' }),
      async verify(payload) {
        expect(payload).toEqual({
          invocationSchemaVersion: '2.0',
          treatMissingKeysAs: 'PermanentFailure',
          invocationId: 'i-1',
          results: [{ taskId: 'task-0', resultCode: 'Succeeded', resultString: `made ${key}.jpg` }],
        });
        const thumbnail = await getObject(s3.client, THUMBNAIL_BUCKET, `${key}.jpg`);
        expect(await describeImage(thumbnail?.body ?? Buffer.alloc(0))).toMatchObject({
          width: 256,
          height: 192,
        });
      },
    };
  },
};

/** Every entry point of the image. A new one (an on-demand handler) is one more line. */
export const ENTRY_POINTS: readonly EntryPoint[] = [s3Upload, batchOperations];
