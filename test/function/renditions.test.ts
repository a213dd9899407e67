import { getObject, listKeys, putObject } from '../support/bucketContents';
import { captureOutputOfEachTest } from '../support/captureOutput';
import { type FaultProxy, INTERNAL_ERROR, PASS, startFaultProxy } from '../support/faultProxy';
import { handlerFor, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { describeImage, photoJpeg } from '../support/images';
import { s3Event } from '../support/s3Events';
import { type RunningS3rver, startS3rver } from '../support/s3rverServer';
import { TransientFailureError } from '../../src/common/errors';
import { readManifest } from '../../src/core/manifest';

const SQUARE = { name: 'square', width: 256, height: 256, fit: 'cover', formats: ['webp', 'jpeg'] };
const CARD = { name: 'card', width: 640, height: 480, formats: ['webp'] };
const DETAIL = { name: 'detail', width: 400, height: 400, formats: ['avif'] };

// The handler with RENDITIONS against a real S3 server (s3rver), through a proxy that logs every request
// (and fails the ones a test asks it to), so that a test can tell which objects were written.
describe('renditions against s3rver', () => {
  let server: RunningS3rver;
  let proxy: FaultProxy;
  let folder = 0;

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
    folder += 1;
  });
  const output = captureOutputOfEachTest();

  const direct = () => handlerFor(server).s3;
  const withRenditions = (...renditions: object[]) =>
    handlerFor({ ...server, endpoint: proxy.endpoint }, { RENDITIONS: JSON.stringify(renditions) }, 2);

  async function upload(name: string) {
    const key = `r${folder}/${name}`;
    const body = await photoJpeg(1200, 900);
    return { key, size: body.length, eTag: await putObject(direct(), SOURCE_BUCKET, key, body) };
  }

  /** The keys written (PUT) through the proxy since `from`, in the thumbnail bucket, sorted. */
  const writtenSince = (from: number) =>
    proxy.log
      .slice(from)
      .filter((request) => request.method === 'PUT' && request.fault === 'pass')
      .map((request) => request.path.replace(`/${THUMBNAIL_BUCKET}/`, ''))
      .sort();

  const manifestOf = async (key: string) =>
    readManifest(
      (await getObject(direct(), THUMBNAIL_BUCKET, `_manifests/${key}.json`))?.body.toString() ?? '',
    );

  it('writes every rendition at <name>/<source key>.<ext>, then a manifest listing each', async () => {
    const photo = await upload('photos/cat.jpg');
    const { handler } = withRenditions(SQUARE, CARD);
    const [record] = (await handler(s3Event(SOURCE_BUCKET, [photo]))).records;
    expect(record).toMatchObject({ status: 'made', outputKey: `square/${photo.key}.webp` });
    expect(await listKeys(direct(), THUMBNAIL_BUCKET, `_manifests/r${folder}/`)).toEqual([
      `_manifests/${photo.key}.json`,
    ]);
    const manifest = await manifestOf(photo.key);
    expect(manifest).toMatchObject({
      version: 1,
      source: { bucket: SOURCE_BUCKET, key: photo.key, versionId: null, eTag: photo.eTag },
      placeholders: {
        thumbhash: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
        dominantColour: expect.stringMatching(/^#[0-9a-f]{6}$/),
      },
    });
    expect(manifest?.source).toMatchObject({ format: 'jpeg', width: 1200, height: 900, bytes: photo.size });
    expect(
      manifest?.renditions.map(({ name, format, key, width, height }) => [name, format, key, width, height]),
    ).toEqual([
      ['square', 'webp', `square/${photo.key}.webp`, 256, 256],
      ['square', 'jpeg', `square/${photo.key}.jpg`, 256, 256],
      ['card', 'webp', `card/${photo.key}.webp`, 640, 480],
    ]);
    for (const entry of manifest?.renditions ?? []) {
      const stored = await getObject(direct(), THUMBNAIL_BUCKET, entry.key);
      expect([stored?.body.length, stored?.contentType]).toEqual([entry.bytes, entry.contentType]);
      expect(await describeImage(stored?.body ?? Buffer.alloc(0))).toMatchObject({
        width: entry.width,
        height: entry.height,
      });
    }
    const stored = await getObject(direct(), THUMBNAIL_BUCKET, `_manifests/${photo.key}.json`);
    expect(stored).toMatchObject({
      contentType: 'application/json',
      metadata: { 'thumbnailer-source-etag': photo.eTag },
    });
  });

  it('logs each rendition and counts them in metrics', async () => {
    const photo = await upload('log.jpg');
    await withRenditions(SQUARE, CARD).handler(s3Event(SOURCE_BUCKET, [photo]));
    const [line] = output.logs().filter((entry) => entry.key === photo.key);
    expect(line).toMatchObject({ message: 'thumbnail made', manifestKey: `_manifests/${photo.key}.json` });
    expect(line?.renditions).toEqual([
      expect.objectContaining({
        name: 'square',
        format: 'webp',
        made: true,
        bytes: expect.any(Number),
        encodeMs: expect.any(Number),
      }),
      expect.objectContaining({ name: 'square', format: 'jpeg', made: true }),
      expect.objectContaining({ name: 'card', format: 'webp', made: true }),
    ]);
    const metrics = output.metrics().find((document) => 'RenditionsMade' in document);
    expect(metrics).toMatchObject({
      RenditionsMade: 3,
      RenditionsCurrent: 0,
      RenditionBytes: expect.any(Array),
    });
  });

  it('skips a redelivered event: every rendition and the manifest are current, nothing is written', async () => {
    const photo = await upload('again.jpg');
    const { handler } = withRenditions(SQUARE, CARD);
    await handler(s3Event(SOURCE_BUCKET, [photo]));
    const from = proxy.log.length;
    const [record] = (await handler(s3Event(SOURCE_BUCKET, [photo]))).records;
    expect(record).toMatchObject({ status: 'skipped', reason: 'already-current' });
    expect(writtenSince(from)).toEqual([]);
    expect(proxy.log.slice(from).some((request) => request.path.startsWith(`/${SOURCE_BUCKET}/`))).toBe(
      false,
    );
  });

  it('makes only what a configuration change added or changed, then the manifest again', async () => {
    const photo = await upload('change.jpg');
    await withRenditions(SQUARE, CARD).handler(s3Event(SOURCE_BUCKET, [photo]));
    const from = proxy.log.length;
    const requality = { ...SQUARE, quality: { jpeg: 60 } };
    const [record] = (await withRenditions(requality, CARD, DETAIL).handler(s3Event(SOURCE_BUCKET, [photo])))
      .records;
    expect(writtenSince(from)).toEqual([
      `_manifests/${photo.key}.json`,
      `detail/${photo.key}.avif`,
      `square/${photo.key}.jpg`,
    ]);
    expect(record?.renditions?.map(({ key, made }) => [key, made])).toEqual([
      [`square/${photo.key}.webp`, false],
      [`square/${photo.key}.jpg`, true],
      [`card/${photo.key}.webp`, false],
      [`detail/${photo.key}.avif`, true],
    ]);
    expect((await manifestOf(photo.key))?.renditions.map((entry) => entry.key)).toHaveLength(4);
  });

  it('removes what a dropped rendition or format made, once the new manifest is written', async () => {
    const photo = await upload('dropped.jpg');
    const other = await upload('other.jpg');
    await withRenditions(SQUARE, CARD).handler(s3Event(SOURCE_BUCKET, [photo, other]));
    // An object at a dropped key that this service did not make (no stamp naming the source) stays.
    await putObject(direct(), THUMBNAIL_BUCKET, `card/${other.key}.webp`, Buffer.from('not ours'));
    const jpegOnly = { ...SQUARE, formats: ['jpeg'] };
    await withRenditions(jpegOnly).handler(s3Event(SOURCE_BUCKET, [photo, other]));
    const stored = await listKeys(direct(), THUMBNAIL_BUCKET, `square/r${folder}/`);
    expect(stored).toEqual([`square/${other.key}.jpg`, `square/${photo.key}.jpg`].sort());
    expect(await listKeys(direct(), THUMBNAIL_BUCKET, `card/r${folder}/`)).toEqual([
      `card/${other.key}.webp`,
    ]);
    expect((await manifestOf(photo.key))?.renditions.map((entry) => entry.key)).toEqual([
      `square/${photo.key}.jpg`,
    ]);
    expect(await listKeys(direct(), SOURCE_BUCKET, `r${folder}/`)).toHaveLength(2);
    // Already gone is fine: a redelivery with another change finds nothing more to remove.
    await withRenditions({ ...jpegOnly, quality: { jpeg: 70 } }).handler(s3Event(SOURCE_BUCKET, [photo]));
    expect(await listKeys(direct(), THUMBNAIL_BUCKET, `square/r${folder}/`)).toHaveLength(2);
  });

  it('after a failure part-way writes no manifest; the retry makes only the rest, then the manifest', async () => {
    const photo = await upload('flaky.jpg');
    const { handler } = withRenditions(SQUARE, CARD);
    const event = s3Event(SOURCE_BUCKET, [photo]);
    const cardPath = `/${THUMBNAIL_BUCKET}/card/${photo.key}.webp`;
    proxy.setPlan((request) =>
      request.method === 'PUT' && request.path === cardPath ? INTERNAL_ERROR : PASS,
    );
    await expect(handler(event)).rejects.toThrow(TransientFailureError);
    expect(await manifestOf(photo.key)).toBeUndefined();
    expect(await getObject(direct(), THUMBNAIL_BUCKET, `square/${photo.key}.webp`)).toBeDefined();

    proxy.setPlan(() => PASS);
    const from = proxy.log.length;
    const [record] = (await handler(event)).records;
    expect(record).toMatchObject({ status: 'made' });
    expect(writtenSince(from)).toEqual([`_manifests/${photo.key}.json`, `card/${photo.key}.webp`]);
    expect((await manifestOf(photo.key))?.renditions.map((entry) => entry.name)).toEqual([
      'square',
      'square',
      'card',
    ]);
  });
});
