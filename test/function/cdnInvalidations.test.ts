import {
  CloudFrontClient,
  CreateDistributionCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { s3Notification } from '../../src/aws/events/s3Notification';
import { createCloudFrontInvalidator } from '../../src/aws/cloudfront/invalidations';
import { TransientFailureError } from '../../src/common/errors';
import { putObject } from '../support/bucketContents';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { solidImage } from '../support/images';
import { startTestS3, type TestS3 } from '../support/localS3';
import { type RunningMoto, startMotoServer } from '../support/motoServer';
import { describeTier } from '../support/tiers';

const RENDITIONS = JSON.stringify([
  { name: 'card', width: 40, height: 30, formats: ['webp', 'jpeg'] },
  { name: 'hero', width: 80, height: 60 },
]);

/**
 * The function's CDN invalidations: s3rver holds the buckets and sends the notices, moto plays CloudFront
 * (it records CreateInvalidation requests; it does not deduplicate a repeated CallerReference as AWS does,
 * so the retry test asserts the reference AWS deduplicates on).
 */
describeTier('moto', 'CDN invalidations on overwrites and deletes', () => {
  let s3: TestS3;
  let moto: RunningMoto;
  let cloudFront: CloudFrontClient;
  let distributionId: string;
  const output = captureOutputOfEachTest();

  beforeAll(async () => {
    [s3, moto] = await Promise.all([startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]), startMotoServer()]);
    cloudFront = new CloudFrontClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
    });
    distributionId = await createDistribution(cloudFront);
  });
  afterAll(() => Promise.all([s3.stop(), moto.stop()]));
  beforeEach(() => {
    s3.notices.length = 0;
  });

  const harness = (id = distributionId) =>
    handlerFor(s3.endpoint, { RENDITIONS, CDN_DISTRIBUTION_ID: id }, undefined, {
      invalidator: createCloudFrontInvalidator(id, cloudFront),
    });
  const taken = () => s3.notices.splice(0).filter((notice) => notice.bucket === SOURCE_BUCKET);
  const deliver = async (handler = harness()) => handler.handler(s3Notification(taken()));
  const invalidations = async () => {
    const list = await cloudFront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
    const ids = (list.InvalidationList?.Items ?? []).map((item) => item.Id ?? '');
    return Promise.all(
      ids.map(async (Id) => {
        const got = await cloudFront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id }));
        const batch = got.Invalidation?.InvalidationBatch;
        return { reference: batch?.CallerReference, paths: [...(batch?.Paths?.Items ?? [])].sort() };
      }),
    );
  };
  const pathsOf = (key: string) =>
    [
      `/card/${key}`,
      `/card.webp/${key}`,
      `/card/${key}.webp`,
      `/card.jpg/${key}`,
      `/card/${key}.jpg`,
      `/hero/${key}`,
      `/hero.jpg/${key}`,
      `/hero/${key}.jpg`,
    ].sort();

  it('invalidates nothing for a first upload, and every path of an overwrite, encoded, in one request', async () => {
    const before = (await invalidations()).length;
    await putObject(s3.s3, SOURCE_BUCKET, 'ow/a b é.png', await solidImage(90, 60, 'png'));
    await deliver();
    expect(await invalidations()).toHaveLength(before);

    await putObject(s3.s3, SOURCE_BUCKET, 'ow/a b é.png', await solidImage(91, 60, 'png'));
    const result = await deliver();
    expect(result.records.map((record) => record.status)).toEqual(['made']);
    const after = await invalidations();
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)?.paths).toEqual(pathsOf('ow/a%20b%20%C3%A9.png'));
    expect(output.raw.join('')).toContain('CDN invalidation sent');
  });

  it('invalidates a delete, and a batch of records in one request', async () => {
    for (const key of ['batch/1.png', 'batch/2.png']) {
      await putObject(s3.s3, SOURCE_BUCKET, key, await solidImage(90, 60, 'png'));
    }
    await deliver();
    const before = (await invalidations()).length;
    for (const key of ['batch/1.png', 'batch/2.png']) {
      await s3.s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: key }));
    }
    const result = await deliver();
    expect(result.records.map((record) => record.status)).toEqual(['deleted', 'deleted']);
    const after = await invalidations();
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)?.paths).toEqual([...pathsOf('batch/1.png'), ...pathsOf('batch/2.png')].sort());
  });

  it('throws when CloudFront refuses, and the retry invalidates with one reference every time', async () => {
    await putObject(s3.s3, SOURCE_BUCKET, 'retry/x.png', await solidImage(90, 60, 'png'));
    await deliver();
    await putObject(s3.s3, SOURCE_BUCKET, 'retry/x.png', await solidImage(92, 60, 'png'));
    const event = s3Notification(taken());
    const before = (await invalidations()).length;
    // A real refusal: moto answers NoSuchDistribution for an ID it does not know.
    await expect(harness('E0000000000000').handler(event)).rejects.toThrow(TransientFailureError);
    expect(await invalidations()).toHaveLength(before);

    const retried = await harness().handler(event);
    expect(retried.records.map((record) => record.reason)).toEqual(['already-current']);
    await harness().handler(event);
    const sent = (await invalidations()).slice(before);
    expect(sent.map((each) => each.paths)).toEqual([pathsOf('retry/x.png'), pathsOf('retry/x.png')]);
    expect(new Set(sent.map((each) => each.reference)).size).toBe(1);
  });

  it('invalidates nothing without CDN_DISTRIBUTION_ID', async () => {
    const before = (await invalidations()).length;
    const off = handlerFor(s3.endpoint, { RENDITIONS });
    await putObject(s3.s3, SOURCE_BUCKET, 'off/x.png', await solidImage(90, 60, 'png'));
    await deliver(off);
    await putObject(s3.s3, SOURCE_BUCKET, 'off/x.png', await solidImage(93, 60, 'png'));
    const records = await deliver(off);
    expect(records.records.map((record) => record.status)).toEqual(['made']);
    expect(await invalidations()).toHaveLength(before);
  });
});

/** A bare distribution over an S3 origin: moto needs one to accept invalidations for. */
async function createDistribution(client: CloudFrontClient): Promise<string> {
  const created = await client.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: 'thumbnailer-test',
        Comment: 'invalidation tests',
        Enabled: true,
        Origins: {
          Quantity: 1,
          Items: [
            {
              Id: 's3',
              DomainName: `${THUMBNAIL_BUCKET}.s3.us-east-1.amazonaws.com`,
              S3OriginConfig: { OriginAccessIdentity: '' },
            },
          ],
        },
        DefaultCacheBehavior: {
          TargetOriginId: 's3',
          ViewerProtocolPolicy: 'redirect-to-https',
          CachePolicyId: 'b2884449-e4de-46a7-ac36-70bc7f1ddd6d',
        },
      },
    }),
  );
  return created.Distribution?.Id ?? '';
}
