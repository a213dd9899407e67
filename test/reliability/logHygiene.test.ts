import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/function/config';
import { createS3EventHandler } from '../../src/function/handlers/s3Event';
import { createObservability } from '../../src/aws/observability';
import { putObject } from '../support/bucketContents';
import { type CapturedOutput, captureOutput } from '../support/captureOutput';
import { CUT, DENIED, type Fault, INTERNAL_ERROR, PASS, RESET } from '../support/faultProxy';
import { photoJpeg, solidImage } from '../support/images';
import { type ProxiedS3, startProxiedS3 } from '../support/proxiedS3';
import { reportFigures } from '../support/reliabilityReport';
import { s3Event } from '../support/s3Events';

/** Marker credentials: if any part of them reaches a log line, this test finds it. */
const CREDENTIALS = {
  accessKeyId: 'AKIALOGHYGIENEMARKER',
  secretAccessKey: 'hygiene/Secret+Marker0123456789abcdefghijKL',
  sessionToken: 'IQoJb3JpZ2luX2VjEHygieneSessionTokenMarker0123456789',
};
const TEXT_PAYLOAD = 'password=hunter2 (a text upload named like a photo)';

/** What must never appear in a log line, each with the reason it would matter. */
const FORBIDDEN: ReadonlyArray<[string, RegExp]> = [
  ['the secret access key', new RegExp(CREDENTIALS.secretAccessKey.replace(/[+/]/g, '\\$&'))],
  ['the session token', new RegExp(CREDENTIALS.sessionToken)],
  [
    'a request signature',
    /AWS4-HMAC-SHA256|Signature=|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token/i,
  ],
  ['an Authorization header', /"authorization"/i],
  ['a presigned URL', /[?&]X-Amz-(Algorithm|Expires|Date)=/i],
  ['image bytes', /\uFFFD\uFFFD|<Buffer |ffd8ffe0|\/9j\/4|iVBORw0KGgo/],
  ['an upload body', /hunter2/],
];

/**
 * Every kind of record outcome, with DEBUG logging and metrics on, against a real S3
 * server behind a fault proxy: whatever is logged, none of it may be a credential, a signature, a
 * presigned URL or the content of an upload.
 */
describe('log hygiene', () => {
  let storage: ProxiedS3;
  let output: CapturedOutput;
  let events: number;

  beforeAll(async () => {
    storage = await startProxiedS3(CREDENTIALS);
    output = captureOutput();
    try {
      events = await runEveryOutcome(storage);
    } finally {
      output.restore();
    }
  });
  afterAll(async () => {
    await storage.stop();
  });

  it('logs every kind of outcome, at DEBUG level', () => {
    expect(output.raw.length).toBeGreaterThan(events);
    expect(output.logs().map(({ message }) => message)).toEqual(
      expect.arrayContaining([
        'thumbnail made',
        'image rejected, not retrying',
        'transient failure, the event will be retried',
      ]),
    );
  });

  it('never logs credentials, signatures, presigned URLs or upload contents, whatever happens', async () => {
    const lines = output.raw;
    const found = FORBIDDEN.flatMap(([what, pattern]) =>
      lines.filter((line) => pattern.test(line)).map((line) => `${what}: ${line.slice(0, 300)}`),
    );
    expect(found).toEqual([]);
    await reportFigures('log-hygiene', {
      linesScanned: lines.length,
      patterns: FORBIDDEN.length,
      found: found.length,
    });
  });
});

/** Uploads, each beside the fault its download meets: one of every outcome a record can have. */
async function hostileUploads(): Promise<Array<[string, Buffer, Fault]>> {
  return [
    ['made.jpg', await photoJpeg(320, 240), PASS],
    ['made.png', await solidImage(64, 64, 'png'), PASS],
    ['text.jpg', Buffer.from(TEXT_PAYLOAD), PASS],
    ['corrupt.jpg', (await photoJpeg(320, 240)).subarray(0, 5000), PASS],
    ['server-error.jpg', await photoJpeg(64, 48), INTERNAL_ERROR],
    ['reset.jpg', await photoJpeg(64, 48), RESET],
    ['cut.jpg', await photoJpeg(640, 480), CUT],
    ['denied.jpg', await photoJpeg(64, 48), DENIED],
  ];
}

const client = (endpoint: string, maxAttempts?: number) =>
  new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    maxAttempts,
    credentials: CREDENTIALS,
  });

/**
 * Runs the handler, with DEBUG logging, event logging and metrics on, over one event holding every
 * upload and over one that is not an S3 event; returns how many records the S3 event held.
 */
async function runEveryOutcome(storage: ProxiedS3): Promise<number> {
  const env = {
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_LOGGER_LOG_EVENT: 'true',
    POWERTOOLS_METRICS_DISABLED: 'false',
  };
  const direct = client(storage.server.endpoint);
  const s3 = client(storage.proxy.endpoint, 2);
  const uploads = await hostileUploads();
  const events = [];
  for (const [key, body] of uploads) {
    events.push({ key, size: body.length, eTag: await putObject(direct, 'uploads', key, body) });
  }
  storage.proxy.setPlan(({ path }) => uploads.find(([key]) => path === `/uploads/${key}`)?.[2] ?? PASS);

  // Powertools reads its level from the environment when the logger is made, as in Lambda.
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const handler = createS3EventHandler({
    ...createObservability(env),
    s3,
    config: loadConfig({ THUMBNAIL_BUCKET: 'thumbnails' }),
  });
  process.env = saved;
  try {
    await handler(s3Event('uploads', events)).catch(() => undefined);
    await handler({ not: 'an S3 event' }).catch(() => undefined);
  } finally {
    s3.destroy();
    direct.destroy();
  }
  return events.length;
}
