import { CreateBucketCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { putObject } from '../support/bucketContents';
import { deliverEach } from '../support/derivativeChecks';
import { type SubscribedQueue, subscribeQueue } from '../support/eventRules';
import { SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { solidImage } from '../support/images';
import { type RunningMoto, startMotoServer } from '../support/motoServer';
import { s3ClientFor } from '../support/s3Client';
import { describeTier } from '../support/tiers';
import { loadConfig } from '../../src/function/config';
import { createS3EventHandler } from '../../src/function/handlers/s3Event';
import { createObservability } from '../../src/aws/observability';
import { createEventBridgePublisher } from '../../src/aws/events/eventBridge';
import type { S3ObjectEvent } from '../../src/aws/events/parseS3Event';
import { TransientFailureError } from '../../src/common/errors';

const BUS = 'uploads-events';

/**
 * Completion events on moto's EventBridge: the function publishes, an application's ordinary rule sends
 * them to its SQS queue, and the test reads the queue, as the application would.
 */
describeTier('moto', 'completion events through an EventBridge rule to SQS', () => {
  let moto: RunningMoto;
  let s3: S3Client;
  let app: SubscribedQueue;
  const output = captureOutputOfEachTest();

  beforeAll(async () => {
    moto = await startMotoServer();
    s3 = s3ClientFor(moto);
    await s3.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: THUMBNAIL_BUCKET }));
    app = await subscribeQueue(moto, BUS);
  });
  afterAll(async () => {
    app.destroy();
    s3.destroy();
    await moto.stop();
  });

  const handler = (bus = BUS) =>
    createS3EventHandler({
      ...createObservability({}),
      s3,
      config: loadConfig({ THUMBNAIL_BUCKET, EVENT_BUS_NAME: bus }),
      publisher: createEventBridgePublisher(bus, app.eventBridge),
    });
  const notice = (key: string, fields: Partial<S3ObjectEvent> = {}): S3ObjectEvent => ({
    bucket: SOURCE_BUCKET,
    key,
    eventName: 'ObjectCreated:Put',
    sequencer: '0055AED6DCD90281E5',
    ...fields,
  });

  it('announces thumbnails made, with the source, each rendition and its dimensions', async () => {
    const body = await solidImage(400, 300, 'png');
    const eTag = await putObject(s3, SOURCE_BUCKET, 'events/cat.png', body);
    await deliverEach({ handler: handler() }, [notice('events/cat.png', { eTag, size: body.length })]);

    const [event, ...more] = await app.drain();

    expect(more).toEqual([]);
    expect(event).toMatchObject({
      source: 'thumbnailer',
      'detail-type': 'Thumbnails Ready',
      resources: ['arn:aws:s3:::uploads/events/cat.png'],
      detail: {
        version: 1,
        source: { bucket: SOURCE_BUCKET, key: 'events/cat.png', eTag, size: body.length },
        s3Event: { name: 'ObjectCreated:Put', sequencer: '0055AED6DCD90281E5' },
        thumbnailBucket: THUMBNAIL_BUCKET,
        renditions: [
          {
            name: 'thumbnail',
            format: 'jpeg',
            key: 'events/cat.png.jpg',
            width: 256,
            height: 192,
            bytes: expect.any(Number),
            contentType: 'image/jpeg',
          },
        ],
      },
    });
  });

  it('announces a redelivered upload again (at least once), then a refusal and a delete', async () => {
    const image = await solidImage(100, 100, 'png');
    const first = await putObject(s3, SOURCE_BUCKET, 'events/dog.png', image);
    const ready = notice('events/dog.png', { eTag: first, size: image.length });
    await deliverEach({ handler: handler() }, [ready, ready]);
    const text = Buffer.from('not an image');
    const second = await putObject(s3, SOURCE_BUCKET, 'events/dog.png', text);
    await deliverEach({ handler: handler() }, [
      notice('events/dog.png', { eTag: second, size: text.length }),
    ]);
    await s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'events/dog.png' }));
    await deliverEach({ handler: handler() }, [
      notice('events/dog.png', { eventName: 'ObjectRemoved:Delete' }),
    ]);

    const events = await app.drain();

    expect(events.map((event) => event['detail-type'])).toEqual([
      'Thumbnails Ready',
      'Thumbnails Ready',
      'Image Rejected',
      'Thumbnails Deleted',
    ]);
    expect(events[1]).toMatchObject({ detail: { renditions: [{ width: 100, height: 100 }] } });
    expect(events[2]).toMatchObject({
      detail: {
        source: { eTag: second },
        reason: 'not-an-image',
        message: expect.stringContaining('not'),
        removedKeys: ['events/dog.png.jpg', '_manifests/events/dog.png.json'],
      },
    });
    expect(events[3]).toMatchObject({
      detail: {
        source: { key: 'events/dog.png' },
        s3Event: { name: 'ObjectRemoved:Delete' },
        removedKeys: [],
      },
    });
  });

  it('treats a failed publish as a transient failure, so Lambda retries the event', async () => {
    const body = await solidImage(50, 50, 'png');
    const eTag = await putObject(s3, SOURCE_BUCKET, 'events/lost.png', body);
    await expect(
      deliverEach({ handler: handler('no-such-bus') }, [notice('events/lost.png', { eTag })]),
    ).rejects.toThrow(TransientFailureError);
    expect(output.logs()).toContainEqual(
      expect.objectContaining({ level: 'ERROR', step: 'publish-event', key: 'events/lost.png' }),
    );
  });
});
