import { getObject, listKeys, putObject } from '../support/bucketContents';
import { captureOutputOfEachTest } from '../support/captureOutput';
import {
  type Fault,
  type FaultPlan,
  type FaultProxy,
  INTERNAL_ERROR,
  PASS,
  type ProxiedRequest,
  RESET,
  SLOW_DOWN,
  startFaultProxy,
} from '../support/faultProxy';
import { brief, handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { solidImage } from '../support/images';
import { s3Event } from '../support/s3Events';
import { type RunningS3rver, startS3rver } from '../support/s3rverServer';
import { TransientFailureError } from '../../src/common/errors';

/** Fails every request matching `method` and `path` with `fault`; passes the rest. */
const failing =
  (method: string, path: string, fault: Fault): FaultPlan =>
  (request: ProxiedRequest) =>
    request.method === method && request.path === path ? fault : PASS;

// Real S3 (s3rver) behind a proxy that injects the faults S3 produces under stress. The handler talks to
// the proxy with two attempts per call, so each fault below outlasts the SDK's own retry.
describe('transient failures', () => {
  let server: RunningS3rver;
  let proxy: FaultProxy;
  let caseNumber = 0;

  beforeAll(async () => {
    server = await startS3rver([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
    proxy = await startFaultProxy(server.endpoint);
  });
  afterAll(async () => {
    await proxy.stop();
    await server.stop();
  });
  beforeEach(() => {
    proxy.setPlan(() => PASS);
  });
  const output = captureOutputOfEachTest();

  const direct = () => handlerFor(server).s3;
  const viaProxy = () => handlerFor({ ...server, endpoint: proxy.endpoint }, {}, 2);

  async function upload(key: string) {
    const body = await solidImage(400, 300);
    return { key, size: body.length, eTag: await putObject(direct(), SOURCE_BUCKET, key, body) };
  }

  it.each<[string, (key: string) => FaultPlan]>([
    [
      '503 SlowDown on every thumbnail write',
      (key) => failing('PUT', `/${THUMBNAIL_BUCKET}/${key}.jpg`, SLOW_DOWN),
    ],
    [
      '500 InternalError on every thumbnail write',
      (key) => failing('PUT', `/${THUMBNAIL_BUCKET}/${key}.jpg`, INTERNAL_ERROR),
    ],
    ['connection reset on every source download', (key) => failing('GET', `/${SOURCE_BUCKET}/${key}`, RESET)],
    [
      '503 SlowDown on the skip-if-current check',
      (key) => failing('HEAD', `/${THUMBNAIL_BUCKET}/${key}.jpg`, SLOW_DOWN),
    ],
  ])(
    '%s: the other records finish, the event is thrown, nothing is half-written, a retry completes',
    async (_name, plan) => {
      caseNumber += 1;
      const healthy = await upload(`faults/${caseNumber}/healthy.jpg`);
      const unlucky = await upload(`faults/${caseNumber}/unlucky.jpg`);
      const event = s3Event(SOURCE_BUCKET, [unlucky, healthy]);
      const { handler } = viaProxy();
      proxy.setPlan(plan(unlucky.key));

      await expect(handler(event)).rejects.toThrow(TransientFailureError);
      await expect(handler(event)).rejects.toThrow(unlucky.key);

      expect(output.logs().filter((line) => line.key === healthy.key)[0]).toMatchObject({
        message: 'thumbnail made',
      });
      expect(await getObject(direct(), THUMBNAIL_BUCKET, `${healthy.key}.jpg`)).toBeDefined();
      expect(await getObject(direct(), THUMBNAIL_BUCKET, `${unlucky.key}.jpg`)).toBeUndefined();
      expect(output.logs().filter((line) => line.key === unlucky.key)).toContainEqual(
        expect.objectContaining({ level: 'ERROR', message: 'transient failure, the event will be retried' }),
      );
      expect(proxy.log.some((request) => request.fault !== 'pass')).toBe(true);

      // Lambda's retry, once S3 has recovered: the failed record is made, the finished one skipped.
      proxy.setPlan(() => PASS);
      const retried = await handler(event);
      expect(retried.records.map(({ key, status }) => ({ key, status }))).toEqual([
        { key: unlucky.key, status: 'made' },
        { key: healthy.key, status: 'skipped' },
      ]);
      expect((await getObject(direct(), SOURCE_BUCKET, unlucky.key))?.eTag).toBe(unlucky.eTag);
    },
  );

  it('rides out a single 500 through the SDK retry without failing the event', async () => {
    const object = await upload('faults/once.jpg');
    let injected = 0;
    proxy.setPlan((request) => {
      if (request.method === 'GET' && request.path === `/${SOURCE_BUCKET}/${object.key}` && injected === 0) {
        injected += 1;
        return INTERNAL_ERROR;
      }
      return PASS;
    });

    const result = await viaProxy().handler(s3Event(SOURCE_BUCKET, [object]));

    expect(injected).toBe(1);
    expect(brief(result.records)).toEqual([
      { key: object.key, status: 'made', outputKey: `${object.key}.jpg` },
    ]);
  });

  it('completes through slow responses', async () => {
    const object = await upload('faults/slow.jpg');
    proxy.setPlan(() => ({ kind: 'delay', ms: 300 }));
    const result = await viaProxy().handler(s3Event(SOURCE_BUCKET, [object]));
    expect(result.records[0]?.status).toBe('made');
  });

  it('treats a missing thumbnail bucket as retryable, so the event reaches the dead-letter queue', async () => {
    const object = await upload('faults/nowhere.jpg');
    const { handler } = handlerFor(server, { THUMBNAIL_BUCKET: 'no-such-bucket' }, 1);

    await expect(handler(s3Event(SOURCE_BUCKET, [object]))).rejects.toThrow(TransientFailureError);

    const [line] = output.logs().filter((log) => log.key === object.key);
    expect(line).toMatchObject({ level: 'ERROR', error: expect.objectContaining({ name: 'NoSuchBucket' }) });
    expect(await listKeys(direct(), THUMBNAIL_BUCKET)).not.toContain(`${object.key}.jpg`);
  });
});
