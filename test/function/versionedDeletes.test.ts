import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { deliverEach, outcomes, stampedKeys } from '../support/derivativeChecks';
import { handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { solidImage } from '../support/images';
import { type RunningMoto, startMotoServer } from '../support/motoServer';
import { describeTier } from '../support/tiers';
import type { S3ObjectEvent } from '../../src/aws/events/parseS3Event';

/**
 * A versioned source bucket, on moto's S3 (s3rver has no versioning). moto keeps versions and delete
 * markers as S3 does, but sends no event for a delete marker or for deleting one version among others,
 * so the events here are built as S3 sends them (src/aws/events/s3Notification) from the version IDs and
 * ETags moto's own answers gave.
 */
describeTier('moto', 'deletes in a versioned bucket', () => {
  let moto: RunningMoto;
  let s3: S3Client;
  captureOutputOfEachTest(); // the handler's log lines stay out of the test run's output
  let sequence = 0;

  beforeAll(async () => {
    moto = await startMotoServer();
    s3 = handlerFor(moto).s3;
    await s3.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: THUMBNAIL_BUCKET }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: SOURCE_BUCKET,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
  });
  afterAll(() => moto.stop());

  /** What S3 sends for one change of `key`, sequenced in the order the test makes them. */
  const notice = (key: string, eventName: string, fields: Partial<S3ObjectEvent>): S3ObjectEvent => ({
    bucket: SOURCE_BUCKET,
    key,
    eventName,
    sequencer: (++sequence).toString(16).toUpperCase().padStart(16, '0'),
    ...fields,
  });

  async function upload(key: string, colour: string) {
    const body = await solidImage(64, 64, 'png', colour);
    const put = await s3.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: key, Body: body }));
    const eTag = (put.ETag ?? '').replace(/"/g, '');
    return notice(key, 'ObjectCreated:Put', { eTag, size: body.length, versionId: put.VersionId });
  }

  async function remove(key: string, versionId?: string) {
    const answer = await s3.send(
      new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: key, VersionId: versionId }),
    );
    const eventName =
      answer.DeleteMarker && versionId === undefined
        ? 'ObjectRemoved:DeleteMarkerCreated'
        : 'ObjectRemoved:Delete';
    return notice(key, eventName, { versionId: answer.VersionId });
  }

  const thumbnails = async () => stampedKeys(s3, THUMBNAIL_BUCKET);

  it('deleting a non-current version leaves the current thumbnail alone', async () => {
    const first = await upload('v/a.png', '#ff0000');
    const second = await upload('v/a.png', '#0000ff');
    await deliverEach(handlerFor(moto), [first, second]);

    const records = await deliverEach(handlerFor(moto), [await remove('v/a.png', first.versionId)]);

    expect(outcomes(records)).toEqual([{ status: 'skipped', reason: 'source-exists' }]);
    expect(await thumbnails()).toMatchObject({ 'v/a.png.jpg': second.eTag });
  });

  it('deleting the current version remakes the thumbnail from the version now current', async () => {
    const first = await upload('v/b.png', '#ff0000');
    const second = await upload('v/b.png', '#00ff00');
    await deliverEach(handlerFor(moto), [first, second]);

    const records = await deliverEach(handlerFor(moto), [await remove('v/b.png', second.versionId)]);

    expect(outcomes(records)).toEqual([{ status: 'made' }]);
    expect(await thumbnails()).toMatchObject({ 'v/b.png.jpg': first.eTag });
  });

  it('a delete marker removes the thumbnail; late and repeated events bring nothing back', async () => {
    const first = await upload('v/c.png', '#ff0000');
    const second = await upload('v/c.png', '#00ff00');
    await deliverEach(handlerFor(moto), [first, second]);
    const marker = await remove('v/c.png');
    expect(marker.eventName).toBe('ObjectRemoved:DeleteMarkerCreated');

    const records = await deliverEach(handlerFor(moto), [marker, second, first, marker]);

    expect(outcomes(records)).toEqual([
      { status: 'deleted', removedKeys: ['v/c.png.jpg', '_manifests/v/c.png.json'] },
      { status: 'skipped', reason: 'source-gone' },
      { status: 'skipped', reason: 'source-gone' },
      { status: 'deleted' },
    ]);
    expect(Object.keys(await thumbnails()).filter((key) => key.startsWith('v/c'))).toEqual([]);
  });
});
