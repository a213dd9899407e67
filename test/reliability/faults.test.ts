import { createHash } from 'node:crypto';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/function/config';
import { makeThumbnail } from '../../src/core/engine/makeThumbnail';
import { getObject, listKeys, putObject } from '../support/bucketContents';
import { type CapturedOutput, captureOutput } from '../support/captureOutput';
import {
  CUT,
  DENIED,
  type Fault,
  type FaultProxy,
  INTERNAL_ERROR,
  PASS,
  randomFaults,
  RESET,
  SLOW_DOWN,
} from '../support/faultProxy';
import { handlerFor } from '../support/handlerHarness';
import { photoJpeg } from '../support/images';
import { inParallel } from '../support/inParallel';
import { type ProxiedS3, startProxiedS3 } from '../support/proxiedS3';
import { reportFigures } from '../support/reliabilityReport';
import { s3ClientFor } from '../support/s3Client';
import { s3Event } from '../support/s3Events';
import { type Step, TransientFailureError } from '../../src/common/errors';

const OBJECTS = 200;
/** The share of requests that meet a fault while the faults are on. */
const FAULT_FRACTION = 0.25;
/** Objects whose every request fails while the faults are on. */
const ALWAYS_FAULTED = 3;
const FAULTS: readonly Fault[] = [INTERNAL_ERROR, SLOW_DOWN, RESET, CUT, { kind: 'delay', ms: 200 }];
/** Lambda tries an asynchronous event three times (two retries), then sends it to the dead-letter queue. */
const LAMBDA_ATTEMPTS = 3;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const md5 = (body: Buffer) => createHash('md5').update(body).digest('hex');

/** A real S3 server (the local stack's) behind a proxy that injects the faults S3 produces under stress. */
describe('faults between the function and S3', () => {
  let s3: ProxiedS3;
  let proxy: FaultProxy;
  let direct: S3Client;
  let output: CapturedOutput;

  beforeAll(async () => {
    s3 = await startProxiedS3(credentials);
    proxy = s3.proxy;
    direct = s3ClientFor({ endpoint: s3.server.endpoint, ...credentials });
  });
  afterAll(async () => {
    direct.destroy();
    await s3.stop();
  });
  beforeEach(() => {
    proxy.setPlan(() => PASS);
    output = captureOutput();
  });
  afterEach(() => {
    output.restore();
  });

  /** The production handler, talking to S3 through the proxy with the SDK's default retries. */
  const viaProxy = (env: Record<string, string> = {}) =>
    handlerFor({ endpoint: proxy.endpoint, ...credentials }, { SOURCE_BUCKET: 'uploads', ...env }).handler;

  async function upload(key: string, body: Buffer) {
    return { key, size: body.length, eTag: await putObject(direct, 'uploads', key, body) };
  }

  /** Watches the thumbnail bucket while work goes on; every thumbnail it ever sees must be whole. */
  function watchThumbnails(prefix: string, expected: Map<string, Buffer>) {
    const bad: string[] = [];
    let seen = 0;
    const state = { watching: true };
    const watcher = (async () => {
      while (state.watching) {
        for (const key of await listKeys(direct, 'thumbnails', prefix)) {
          const body = (await getObject(direct, 'thumbnails', key))?.body;
          seen += 1;
          if (body !== undefined && !body.equals(expected.get(key) ?? Buffer.alloc(0))) {
            bad.push(`${key}: ${body.length} bytes`);
          }
        }
      }
    })();
    return async () => {
      state.watching = false;
      await watcher;
      return { bad, seen };
    };
  }

  it(`with faults on ${FAULT_FRACTION * 100}% of requests: retried or thrown, then all completed, nothing lost, nothing partial`, async () => {
    const { thumbnail: options } = loadConfig({ THUMBNAIL_BUCKET: 'thumbnails' });
    const bodies = await Promise.all(
      Array.from({ length: OBJECTS }, (_, index) => photoJpeg(320, 240, index + 1)),
    );
    const objects = await inParallel(bodies, 8, (body, index) =>
      upload(`faults/${String(index).padStart(3, '0')}.jpg`, body),
    );
    const expected = new Map<string, Buffer>();
    for (const [index, object] of objects.entries()) {
      expected.set(`${object.key}.jpg`, (await makeThumbnail(bodies[index] as Buffer, options)).data);
    }
    const stopWatching = watchThumbnails('faults/', expected);
    const handler = viaProxy();
    // Random faults rarely outlast Lambda's three attempts, so a few objects meet a fault on every request
    // while the faults are on: the dead-letter path and its redrive are exercised on every run.
    const random = randomFaults(FAULT_FRACTION, FAULTS, 20261123);
    const unlucky = objects.slice(0, ALWAYS_FAULTED).map(({ key }) => key);
    proxy.setPlan((request) =>
      unlucky.some((key) => request.path.includes(key)) ? SLOW_DOWN : random(request),
    );

    // Each event as Lambda runs it: up to three attempts; a thrown error means try again.
    const outcomes = await inParallel(objects, 4, async (object) => {
      const event = s3Event('uploads', [object]);
      const errors: unknown[] = [];
      for (let attempt = 1; attempt <= LAMBDA_ATTEMPTS; attempt += 1) {
        try {
          const [record] = (await handler(event)).records;
          // A write S3 stored but whose answer was lost is found current on the retry: done, not redone.
          const done = record?.status === 'made' || record?.reason === 'already-current';
          return { event, attempt, status: done ? 'made' : record?.status, errors };
        } catch (error) {
          errors.push(error);
        }
      }
      return { event, attempt: LAMBDA_ATTEMPTS + 1, status: 'dead-lettered', errors };
    });
    const faulted = proxy.log.filter(({ fault }) => fault !== 'pass');

    // Every failure was the handler's own, retryable error: nothing escaped as anything else.
    expect(
      outcomes.flatMap(({ errors }) => errors).filter((error) => !(error instanceof TransientFailureError)),
    ).toEqual([]);
    expect(outcomes.filter(({ status }) => status !== 'made' && status !== 'dead-lettered')).toEqual([]);
    expect(faulted.length).toBeGreaterThan(OBJECTS / 2);

    // S3 recovers; the dead-letter queue is redriven.
    proxy.setPlan(() => PASS);
    const deadLettered = outcomes.filter(({ status }) => status === 'dead-lettered');
    expect(deadLettered.length).toBeGreaterThanOrEqual(ALWAYS_FAULTED);
    const redriven = await inParallel(deadLettered, 4, async ({ event }) => {
      const [record] = (await handler(event)).records;
      return record?.reason === 'already-current' ? 'made' : record?.status;
    });
    const { bad, seen } = await stopWatching();

    expect(redriven.filter((status) => status !== 'made')).toEqual([]);
    expect(bad).toEqual([]);
    expect(await listKeys(direct, 'thumbnails', 'faults/')).toEqual([...expected.keys()].sort());
    const thumbnails = await inParallel(
      [...expected.keys()],
      8,
      async (key) => (await getObject(direct, 'thumbnails', key))?.body,
    );
    expect(
      thumbnails.filter((body, index) => !body?.equals([...expected.values()][index] ?? Buffer.alloc(0))),
    ).toEqual([]);
    const originals = await inParallel(objects, 8, async ({ key }) => getObject(direct, 'uploads', key));
    expect(originals.map((original) => original?.eTag)).toEqual(objects.map(({ eTag }) => eTag));
    expect(originals.map((original) => md5(original?.body ?? Buffer.alloc(0)))).toEqual(bodies.map(md5));

    const byKind = (kind: string) => faulted.filter(({ fault }) => fault === kind).length;
    await reportFigures('faults', {
      objects: OBJECTS,
      requests: proxy.log.length,
      faultsInjected: faulted.length,
      internalErrors: proxy.log.filter(({ fault }) => fault === 'error').length,
      resets: byKind('reset'),
      cutResponses: byKind('cut'),
      slowResponses: byKind('delay'),
      madeFirstTime: outcomes.filter(({ attempt, status }) => status === 'made' && attempt === 1).length,
      madeOnLambdaRetry: outcomes.filter(({ attempt, status }) => status === 'made' && attempt > 1).length,
      deadLettered: deadLettered.length,
      completedAfterRedrive: redriven.length,
      lost: OBJECTS - (await listKeys(direct, 'thumbnails', 'faults/')).length,
      partialThumbnailsSeen: bad.length,
      thumbnailReadsWhileFaulting: seen,
    });
  }, 180_000);

  describe('documented endings', () => {
    const logFor = (key: string) => output.logs().filter((line) => line.key === key);

    it('an object deleted between the event and the download: skipped as source-gone, once, not retried', async () => {
      const object = await upload('edge/deleted.jpg', await photoJpeg(64, 48));
      await direct.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: object.key }));
      const result = await viaProxy()(s3Event('uploads', [object]));
      expect(result.records.map(({ status, reason }) => ({ status, reason }))).toEqual([
        { status: 'skipped', reason: 'source-gone' },
      ]);
      expect(logFor(object.key)).toEqual([
        expect.objectContaining({
          level: 'WARN',
          message: 'record skipped',
          reason: 'source-gone',
        }),
      ]);
    });

    interface Ending {
      readonly name: string;
      readonly key: string;
      /** The fault for a request path, if any. */
      readonly fault: (path: string) => Fault | undefined;
      readonly env: Record<string, string>;
      readonly error: string;
      readonly step: Step;
      readonly hint: RegExp;
    }

    it.each<Ending>([
      {
        name: 'the deleted object answered with 403 (no s3:ListBucket)',
        key: 'edge/deleted-denied.jpg',
        fault: (path) => (path.startsWith('/uploads/') ? DENIED : undefined),
        env: {},
        error: 'AccessDenied',
        step: 'download-source',
        hint: /S3 denied reading the upload.*s3:ListBucket/,
      },
      {
        name: 'the thumbnail bucket denied',
        key: 'edge/denied.jpg',
        fault: (path) => (path.startsWith('/thumbnails/') ? DENIED : undefined),
        env: {},
        error: 'AccessDenied',
        step: 'write-thumbnail',
        hint: /S3 denied the thumbnail.*s3:PutObject/,
      },
      {
        name: 'the thumbnail bucket missing',
        key: 'edge/missing.jpg',
        fault: () => undefined,
        env: { THUMBNAIL_BUCKET: 'no-such-bucket' },
        error: 'NoSuchBucket',
        step: 'write-thumbnail',
        hint: /thumbnail bucket does not exist: check THUMBNAIL_BUCKET/,
      },
    ])(
      '$name: thrown for retry, then the dead-letter queue; one clear line per attempt',
      async ({ key, fault, env, error, step, hint }) => {
        const object = await upload(key, await photoJpeg(64, 48));
        proxy.setPlan((request) => (request.method !== 'HEAD' ? (fault(request.path) ?? PASS) : PASS));
        await expect(viaProxy(env)(s3Event('uploads', [object]))).rejects.toThrow(TransientFailureError);
        const [line, ...more] = logFor(key);
        expect(more).toEqual([]);
        expect(line).toMatchObject({
          level: 'ERROR',
          message: 'transient failure, the event will be retried',
          error: expect.objectContaining({ name: error }),
          step,
          hint: expect.stringMatching(hint),
        });
        expect(await getObject(direct, 'uploads', key)).toMatchObject({ eTag: object.eTag });
      },
    );
  });
});
