import { createHash } from 'node:crypto';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/function/config';
import { makeThumbnail } from '../../src/core/engine/makeThumbnail';
import { getObject, listKeys, putObject } from '../support/bucketContents';
import { captureOutput, captureOutputOfEachTest } from '../support/captureOutput';
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

type Handler = ReturnType<typeof handlerFor>['handler'];
interface Uploaded {
  readonly key: string;
  readonly size: number;
  readonly eTag: string;
}
interface Outcome {
  readonly event: ReturnType<typeof s3Event>;
  readonly attempt: number;
  readonly status: string | undefined;
  readonly errors: unknown[];
}

/** A real S3 server (the local stack's) behind a proxy that injects the faults S3 produces under stress. */
describe('faults between the function and S3', () => {
  let s3: ProxiedS3;
  let proxy: FaultProxy;
  let direct: S3Client;

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
  });
  const output = captureOutputOfEachTest();

  /** The production handler, talking to S3 through the proxy with the SDK's default retries. */
  const viaProxy = (env: Record<string, string> = {}) =>
    handlerFor({ endpoint: proxy.endpoint, ...credentials }, { SOURCE_BUCKET: 'uploads', ...env }).handler;

  async function upload(key: string, body: Buffer): Promise<Uploaded> {
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

  /** Each event as Lambda runs it: up to three attempts, a thrown error meaning try again. */
  const asLambdaRuns = (handler: Handler, objects: readonly Uploaded[]) =>
    inParallel(objects, 4, async (object): Promise<Outcome> => {
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

  /** The burst's objects, uploaded without faults, and the thumbnail the pure core makes of each. */
  async function uploadBurst() {
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
    return { bodies, objects, expected };
  }

  /**
   * The burst under random faults, then S3 recovered and the dead-letter queue redriven, with a watcher
   * reading every thumbnail as it appears. Random faults rarely outlast Lambda's three attempts, so a few
   * objects meet a fault on every request while the faults are on: the dead-letter path and its redrive
   * are exercised on every run.
   */
  async function runThroughFaults() {
    const burst = await uploadBurst();
    const firstRequest = proxy.log.length; // the run's own requests: other tests share the proxy
    const stopWatching = watchThumbnails('faults/', burst.expected);
    const handler = viaProxy();
    const random = randomFaults(FAULT_FRACTION, FAULTS, 20261123);
    const unlucky = burst.objects.slice(0, ALWAYS_FAULTED).map(({ key }) => key);
    proxy.setPlan((request) =>
      unlucky.some((key) => request.path.includes(key)) ? SLOW_DOWN : random(request),
    );
    const outcomes = await asLambdaRuns(handler, burst.objects);

    // S3 recovers; the dead-letter queue is redriven.
    proxy.setPlan(() => PASS);
    const deadLettered = outcomes.filter(({ status }) => status === 'dead-lettered');
    const redriven = await inParallel(deadLettered, 4, async ({ event }) => {
      const [record] = (await handler(event)).records;
      return record?.reason === 'already-current' ? 'made' : record?.status;
    });
    const requests = proxy.log.slice(firstRequest);
    const faulted = requests.filter(({ fault }) => fault !== 'pass');
    return { ...burst, outcomes, requests, faulted, deadLettered, redriven, watched: await stopWatching() };
  }

  describe(`with faults on ${FAULT_FRACTION * 100}% of requests`, () => {
    let run: Awaited<ReturnType<typeof runThroughFaults>>;

    beforeAll(async () => {
      const quiet = captureOutput();
      try {
        run = await runThroughFaults();
      } finally {
        quiet.restore();
      }
    }, 180_000);

    it('meets many faults, and every one the handler did not absorb is thrown for retry', () => {
      expect(run.faulted.length).toBeGreaterThan(OBJECTS / 2);
      // Every failure was the handler's own, retryable error: nothing escaped as anything else.
      expect(
        run.outcomes
          .flatMap(({ errors }) => errors)
          .filter((error) => !(error instanceof TransientFailureError)),
      ).toEqual([]);
      expect(run.outcomes.filter(({ status }) => status !== 'made' && status !== 'dead-lettered')).toEqual(
        [],
      );
    });

    it('completes every dead-lettered event when the queue is redriven: nothing lost', async () => {
      expect(run.deadLettered.length).toBeGreaterThanOrEqual(ALWAYS_FAULTED);
      expect(run.redriven.filter((status) => status !== 'made')).toEqual([]);
      expect(await listKeys(direct, 'thumbnails', 'faults/')).toEqual([...run.expected.keys()].sort());
    });

    it('never lets a partial or zero-byte thumbnail be seen, and stores each byte for byte', async () => {
      expect(run.watched.bad).toEqual([]);
      const thumbnails = await inParallel(
        [...run.expected.keys()],
        8,
        async (key) => (await getObject(direct, 'thumbnails', key))?.body,
      );
      expect(
        thumbnails.filter(
          (body, index) => !body?.equals([...run.expected.values()][index] ?? Buffer.alloc(0)),
        ),
      ).toEqual([]);
    });

    it('leaves every original as it was uploaded', async () => {
      const originals = await inParallel(run.objects, 8, async ({ key }) =>
        getObject(direct, 'uploads', key),
      );
      expect(originals.map((original) => original?.eTag)).toEqual(run.objects.map(({ eTag }) => eTag));
      expect(originals.map((original) => md5(original?.body ?? Buffer.alloc(0)))).toEqual(
        run.bodies.map(md5),
      );
    });

    it('reports its figures', async () => {
      const { outcomes, faulted } = run;
      const byKind = (kind: string) => faulted.filter(({ fault }) => fault === kind).length;
      await reportFigures('faults', {
        objects: OBJECTS,
        requests: run.requests.length,
        faultsInjected: faulted.length,
        internalErrors: byKind('error'),
        resets: byKind('reset'),
        cutResponses: byKind('cut'),
        slowResponses: byKind('delay'),
        madeFirstTime: outcomes.filter(({ attempt, status }) => status === 'made' && attempt === 1).length,
        madeOnLambdaRetry: outcomes.filter(({ attempt, status }) => status === 'made' && attempt > 1).length,
        deadLettered: run.deadLettered.length,
        completedAfterRedrive: run.redriven.length,
        lost: OBJECTS - (await listKeys(direct, 'thumbnails', 'faults/')).length,
        partialThumbnailsSeen: run.watched.bad.length,
        thumbnailReadsWhileFaulting: run.watched.seen,
      });
    });
  });

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
