import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { captureOutput } from '../support/captureOutput';
import { stampedKeys } from '../support/derivativeChecks';
import { type FaultProxy, startFaultProxy } from '../support/faultProxy';
import { handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { startTestS3, type TestS3 } from '../support/localS3';
import { type RunningMoto, startMotoServer } from '../support/motoServer';
import { reportFigures } from '../support/reliabilityReport';
import { runStorm, seededRandom } from '../support/storm';
import { describeTier } from '../support/tiers';
import { createS3EventHandler } from '../../src/function/handlers/s3Event';
import { createObservability } from '../../src/aws/observability';
import { createMetadataTable } from '../../src/aws/dynamodb/metadataTable';

/**
 * The seed; `STORM_SEED=<n>` replays another storm. With 3, on the project's 2-core machine, a record
 * that did not read its source again after writing left a stale thumbnail: the check below can fail.
 */
const SEED = Number(process.env.STORM_SEED ?? 3);
/** Each request of the handler is delayed by up to this long... */
const MAX_LATENCY_MS = 25;
/** ...and each thumbnail write by up to this long: a stale write may land after newer work is done. */
const MAX_WRITE_LATENCY_MS = 150;

/** The S3 server, and a proxy in front of it that delays the handler's requests as a network would. */
async function startSlowS3(): Promise<{ s3: TestS3; proxy: FaultProxy }> {
  const s3 = await startTestS3([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
  const proxy = await startFaultProxy(s3.endpoint.endpoint);
  const latency = seededRandom(SEED + 1);
  proxy.setPlan(({ method }) => ({
    kind: 'delay',
    ms: Math.round(latency() * (method === 'PUT' ? MAX_WRITE_LATENCY_MS : MAX_LATENCY_MS)),
  }));
  return { s3, proxy };
}

/**
 * A storm of overwrites and deletes of a few keys, every event handled late, out of order, concurrently
 * and some twice. At the end each key has exactly the derivatives of what it holds: one thumbnail stamped
 * with its ETag when that is an image, nothing when it is gone or refused.
 */
describe('a storm of overwrites and deletes', () => {
  let slow: { s3: TestS3; proxy: FaultProxy };
  beforeAll(async () => {
    slow = await startSlowS3();
  });
  afterAll(async () => {
    await slow.proxy.stop();
    await slow.s3.stop();
  });

  it('ends with exactly the derivatives of each key’s final state', async () => {
    const output = captureOutput();
    const { handler } = handlerFor({ ...slow.s3.endpoint, endpoint: slow.proxy.endpoint }, {}, 5);
    const { finalImages, figures } = await runStorm(slow.s3, handler, SEED).finally(() => {
      output.restore();
    });

    const expected = Object.fromEntries(
      Object.entries(finalImages).flatMap(([key, eTag]) => [
        [`${key}.jpg`, eTag],
        [`_manifests/${key}.json`, eTag],
      ]),
    );
    expect(await stampedKeys(slow.s3.s3, THUMBNAIL_BUCKET)).toEqual(expected);
    await reportFigures('storm', { ...figures, thumbnailsAtEnd: Object.keys(finalImages).length });
  });
});

/** The same storm with the metadata table on (DynamoDB on moto): the table ends holding the final state. */
describeTier('moto', 'a storm with the metadata table', () => {
  let slow: { s3: TestS3; proxy: FaultProxy };
  let moto: RunningMoto;
  let dynamodb: DynamoDBClient;
  beforeAll(async () => {
    [slow, moto] = await Promise.all([startSlowS3(), startMotoServer()]);
    dynamodb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
    });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'thumbnails-metadata',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
  });
  afterAll(async () => {
    dynamodb.destroy();
    await Promise.all([slow.proxy.stop().then(() => slow.s3.stop()), moto.stop()]);
  });

  it('holds one item per key that ends an image, with its ETag and thumbnail, and none for the rest', async () => {
    const output = captureOutput();
    const { s3, config } = handlerFor({ ...slow.s3.endpoint, endpoint: slow.proxy.endpoint }, {}, 5);
    const metadata = createMetadataTable('thumbnails-metadata', dynamodb);
    const handler = createS3EventHandler({ ...createObservability({}), s3, config, metadata });
    const { finalImages } = await runStorm(slow.s3, handler, SEED + 100).finally(() => {
      output.restore();
    });

    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: 'thumbnails-metadata' }));
    const items = Object.fromEntries(
      Items.map((item) => [
        item.id?.S,
        { eTag: item.eTag?.S, thumbnail: item.renditions?.L?.[0]?.M?.key?.S },
      ]),
    );
    const expected = Object.fromEntries(
      Object.entries(finalImages).map(([key, eTag]) => [
        `${SOURCE_BUCKET}/${key}`,
        { eTag, thumbnail: `${key}.jpg` },
      ]),
    );
    expect(items).toEqual(expected);
    const thumbnails = Object.fromEntries(
      Object.entries(finalImages).flatMap(([key, eTag]) => [
        [`${key}.jpg`, eTag],
        [`_manifests/${key}.json`, eTag],
      ]),
    );
    expect(await stampedKeys(slow.s3.s3, THUMBNAIL_BUCKET)).toEqual(thumbnails);
  });
});
