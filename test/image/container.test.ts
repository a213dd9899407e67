import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  GenericContainer,
  Network,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from 'testcontainers';
import { getObject, putObject } from '../support/bucketContents';
import { REPO_ROOT } from '../support/dockerfile';
import type { HandlerResult } from '../../src/function/handlers/s3Event';
import { brief, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { describeImage, photoJpeg } from '../support/images';
import { s3ClientFor } from '../support/s3Client';
import { s3Event } from '../support/s3Events';
import { describeTier } from '../support/tiers';

const MINIO_IMAGE = 'minio/minio:RELEASE.2024-12-18T13-15-44Z';
const MINIO_USER = 'thumbnailer';
const MINIO_PASSWORD = 'thumbnailer-secret';
/** The Lambda base image's runtime interface emulator listens here and accepts Invoke API calls. */
const RIE_PORT = 8080;
const BUILD_MINUTES = 15;

/**
 * The real image, built from the Dockerfile and run with the base image's runtime interface emulator,
 * invoked with an S3 event against a MinIO container, on a private network the test creates.
 */
describeTier('containers', 'the container image, invoked through the runtime interface emulator', () => {
  // Possibly unset in afterAll when a slow start-up (image build, pulls) fails part-way.
  let network: StartedNetwork | undefined;
  let minio: StartedTestContainer | undefined;
  let lambda: StartedTestContainer | undefined;
  let s3: S3Client | undefined;

  beforeAll(async () => {
    network = await new Network().start();
    const startedMinio = await new GenericContainer(MINIO_IMAGE)
      .withCommand(['server', '/data'])
      .withEnvironment({ MINIO_ROOT_USER: MINIO_USER, MINIO_ROOT_PASSWORD: MINIO_PASSWORD })
      .withNetwork(network)
      .withNetworkAliases('minio')
      .withExposedPorts(9000)
      .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000))
      .start();
    minio = startedMinio;
    const client = s3ClientFor({
      endpoint: `http://${startedMinio.getHost()}:${startedMinio.getMappedPort(9000)}`,
      accessKeyId: MINIO_USER,
      secretAccessKey: MINIO_PASSWORD,
    });
    s3 = client;
    await client.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
    await client.send(new CreateBucketCommand({ Bucket: THUMBNAIL_BUCKET }));

    const image = await GenericContainer.fromDockerfile(REPO_ROOT).withBuildkit().build('thumbnailer-test', {
      deleteOnExit: true,
    });
    lambda = await image
      .withNetwork(network)
      .withEnvironment({
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: MINIO_USER,
        AWS_SECRET_ACCESS_KEY: MINIO_PASSWORD,
        AWS_ENDPOINT_URL: 'http://minio:9000',
        S3_FORCE_PATH_STYLE: 'true',
        THUMBNAIL_BUCKET,
      })
      .withExposedPorts(RIE_PORT)
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
  }, BUILD_MINUTES * 60_000);

  afterAll(async () => {
    s3?.destroy();
    await lambda?.stop();
    await minio?.stop();
    await network?.stop();
  });

  it('turns an uploaded photo into a thumbnail in the destination bucket', async () => {
    if (!s3 || !lambda) {
      throw new Error('the containers did not start');
    }
    const body = await photoJpeg(3000, 2000);
    const eTag = await putObject(s3, SOURCE_BUCKET, 'container/big photo.jpg', body);
    const url = `http://${lambda.getHost()}:${lambda.getMappedPort(RIE_PORT)}/2015-03-31/functions/function/invocations`;

    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(
        s3Event(SOURCE_BUCKET, [{ key: 'container/big photo.jpg', size: body.length, eTag }]),
      ),
    });

    const result = (await response.json()) as HandlerResult;
    expect(brief(result.records)).toEqual([
      { key: 'container/big photo.jpg', status: 'made', outputKey: 'container/big photo.jpg.jpg' },
    ]);
    const thumbnail = await getObject(s3, THUMBNAIL_BUCKET, 'container/big photo.jpg.jpg');
    expect(thumbnail?.contentType).toBe('image/jpeg');
    expect(await describeImage(thumbnail?.body ?? Buffer.alloc(0))).toMatchObject({
      format: 'jpeg',
      width: 256,
      height: 171,
    });
  });
});
