import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import sharp from 'sharp';
import { getObject, listKeys } from '../../support/bucketContents';
import { describeImage, photoJpeg, solidImage } from '../../support/images';
import { type RunningLocalStack, startLocalStackProcess } from '../../support/localStackProcess';
import { s3ClientFor } from '../../support/s3Client';
import { startS3rver } from '../../support/s3rverServer';
import { describeTier } from '../../support/tiers';

const run = promisify(execFile);

/** The local stack as users run it: the built entry point, its banner, real clients, real signals. */
describe('npm start: the local stack', () => {
  let workDir: string;
  let dataDir: string;
  let stack: RunningLocalStack;
  let s3: S3Client;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-local-'));
    dataDir = join(workDir, 'data');
    stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    s3 = s3ClientFor(stack);
  });
  afterAll(async () => {
    s3.destroy();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  const madeLine = (key: string) =>
    new RegExp(`^made +uploads/${escape(key)} -> thumbnails/${escape(key)}\\.jpg `, 'm');
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  async function expectThumbnail(key: string, size: [number, number]) {
    await stack.waitFor(madeLine(key));
    const thumbnail = await getObject(s3, 'thumbnails', `${key}.jpg`);
    expect({ key, contentType: thumbnail?.contentType }).toEqual({ key, contentType: 'image/jpeg' });
    const { width, height } = await describeImage(thumbnail?.body ?? Buffer.alloc(0));
    expect({ key, size: [width, height] }).toEqual({ key, size });
  }

  it('prints the endpoint, the credentials and a gallery address on start', () => {
    expect(stack.output()).toMatch(/credentials +AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test/);
    expect(stack.output()).toMatch(/buckets +uploads -> thumbnails/);
    expect(stack.example).toBe(
      `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${stack.endpoint} s3 cp cat.jpg s3://uploads/`,
    );
  });

  it('makes thumbnails from SDK uploads at default settings: streamed, and multipart', async () => {
    const photo = await photoJpeg(2400, 1600);
    const path = join(workDir, 'streamed.jpg');
    await writeFile(path, photo);
    await s3.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'sdk/streamed.jpg', Body: createReadStream(path) }),
    );
    const big = await sharp({
      create: {
        width: 2000,
        height: 2000,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(big.length).toBeGreaterThan(11 * 1024 * 1024);
    await new Upload({
      client: s3,
      params: { Bucket: 'uploads', Key: 'sdk/big multipart.png', Body: big },
      partSize: 5 * 1024 * 1024,
    }).done();

    await expectThumbnail('sdk/streamed.jpg', [256, 171]);
    await expectThumbnail('sdk/big multipart.png', [256, 256]);
    expect((await getObject(s3, 'uploads', 'sdk/streamed.jpg'))?.body.equals(photo)).toBe(true);
  });

  describeTier('awscli', 'with the AWS CLI', () => {
    const cli = (...args: string[]) =>
      run('aws', ['--endpoint-url', stack.endpoint, ...args, '--only-show-errors'], {
        cwd: workDir,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_CONFIG_FILE: join(workDir, 'aws-config'),
        },
      });

    beforeAll(async () => {
      await writeFile(
        join(workDir, 'aws-config'),
        '[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n',
      );
    });

    it('runs the printed example exactly as printed', async () => {
      await writeFile(join(workDir, 'cat.jpg'), await solidImage(1024, 768));
      await run('bash', ['-c', stack.example], {
        cwd: workDir,
        env: { PATH: process.env.PATH ?? '', HOME: workDir },
      });
      await expectThumbnail('cat.jpg', [256, 192]);
    });

    it('thumbnails keys with spaces, unicode, plus signs and nested prefixes, and a multipart upload', async () => {
      const uploads: Array<[string, Buffer, [number, number]]> = [
        ['holiday photos/beach day.jpg', await solidImage(800, 600), [256, 192]],
        ['a+b=c&d.png', await solidImage(300, 300, 'png'), [256, 256]],
        ['été/日本 😀.webp', await solidImage(600, 300, 'webp'), [256, 128]],
        ['deep/er/and/deeper/x.gif', await solidImage(100, 50, 'gif'), [100, 50]],
        ['cli/multipart.jpg', await photoJpeg(4000, 3000), [256, 192]],
      ];
      for (const [key, body] of uploads) {
        const path = join(workDir, 'upload.bin');
        await writeFile(path, body);
        await cli('s3', 'cp', path, `s3://uploads/${key}`);
      }
      for (const [key, , size] of uploads) {
        await expectThumbnail(key, size);
      }
      // Five AWS CLI runs, each a Python start, outlast Jest's default on a busy two-core machine.
    }, 180_000);

    it('refuses a non-image with its reason and writes no thumbnail for it', async () => {
      await writeFile(join(workDir, 'notes.txt'), 'these are notes, not a picture');
      await cli('s3', 'cp', join(workDir, 'notes.txt'), 's3://uploads/docs/notes.jpg');
      await stack.waitFor(/^rejected +uploads\/docs\/notes\.jpg: not-an-image: /m);
      expect(await getObject(s3, 'thumbnails', 'docs/notes.jpg.jpg')).toBeUndefined();
    });
  });

  it('serves a gallery of originals, thumbnails, sizes and statuses', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'gallery/bad.png', Body: Buffer.from('nope') }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'uploads',
        Key: 'gallery/good.png',
        Body: await solidImage(500, 500, 'png'),
      }),
    );
    await stack.waitFor(madeLine('gallery/good.png'));
    await stack.waitFor(/^rejected +uploads\/gallery\/bad\.png/m);

    const page = await fetch(stack.galleryUrl);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('content-security-policy')).toContain(
      `img-src 'self' ${new URL(stack.cdnUrl).origin}`,
    );
    expect(await page.text()).toContain('<script type="module" src="gallery.js"');
    expect(await (await fetch(`${stack.galleryUrl}gallery.js`)).text()).toContain('new EventSource');
    const items = (await (await fetch(`${stack.galleryUrl}api/items`)).json()) as Array<
      Record<string, unknown>
    >;
    expect(items).toContainEqual(
      expect.objectContaining({
        key: 'gallery/good.png',
        status: 'made',
        thumbnailKey: 'gallery/good.png.jpg',
        thumbnail: expect.objectContaining({ width: 256, height: 256 }),
      }),
    );
    expect(items).toContainEqual(
      expect.objectContaining({ key: 'gallery/bad.png', status: 'rejected', reason: 'not-an-image' }),
    );
    const image = await fetch(`${stack.galleryUrl}object/thumbnails/gallery/good.png.jpg`);
    expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    const notAnImage = await fetch(`${stack.galleryUrl}object?bucket=uploads&key=gallery%2Fbad.png`);
    expect(notAnImage.headers.get('content-type')).toBe('application/octet-stream');
    expect(notAnImage.headers.get('content-disposition')).toMatch(/^attachment; filename="bad.png"/);
    expect((await fetch(`${stack.galleryUrl}object/elsewhere/secret`)).status).toBe(404);
  });

  it("hands the page each upload's manifest, and serves its rendition through the local CDN", async () => {
    const body = await solidImage(300, 200, 'png');
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cdn/good.png', Body: body }));
    await stack.waitFor(madeLine('cdn/good.png'));
    const manifest = (await (await fetch(`${stack.galleryUrl}api/manifest?key=cdn%2Fgood.png`)).json()) as {
      renditions: { name: string; key: string }[];
    };
    expect(manifest.renditions).toEqual([
      expect.objectContaining({ name: 'thumbnail', key: 'cdn/good.png.jpg' }),
    ]);
    expect((await fetch(`${stack.galleryUrl}api/manifest?key=cdn%2Fnothing.png`)).status).toBe(404);
    // The one implicit rendition through the local CDN, at its delivery URL.
    const delivered = await fetch(`${stack.cdnUrl}thumbnail/cdn/good.png`);
    expect([delivered.status, delivered.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
  });

  it('makes a rendition missing from the bucket on the first CDN request, as the on-demand origin does', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'uploads',
        Key: 'cdn/gone.png',
        Body: await solidImage(300, 200, 'png'),
      }),
    );
    await stack.waitFor(madeLine('cdn/gone.png'));
    await s3.send(new DeleteObjectCommand({ Bucket: 'thumbnails', Key: 'cdn/gone.png.jpg' }));
    const delivered = await fetch(`${stack.cdnUrl}thumbnail/cdn/gone.png`);
    expect([delivered.status, delivered.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    const stored = await getObject(s3, 'thumbnails', 'cdn/gone.png.jpg');
    expect(Buffer.from(await delivered.arrayBuffer()).equals(stored?.body ?? Buffer.alloc(0))).toBe(true);
    // No original, no rendition: the on-demand entry point refuses, and nothing is stored.
    expect((await fetch(`${stack.cdnUrl}thumbnail/cdn/never-uploaded.png`)).status).toBe(404);
    expect(await getObject(s3, 'thumbnails', 'cdn/never-uploaded.png.jpg')).toBeUndefined();
  });

  it('announces changes to the gallery page as they happen', async () => {
    const events = await fetch(`${stack.galleryUrl}api/events`);
    const reader = events.body?.getReader();
    await s3.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'gallery/live.jpg', Body: await solidImage(64, 64) }),
    );
    let received = '';
    while (!received.includes('data: changed') && reader) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      received += Buffer.from(value).toString();
    }
    await reader?.cancel();
    expect(received).toContain('data: changed');
  });
});

/** Writes an upload straight into a stopped stack's data folder, with a plain S3 server over it. */
async function uploadWhileStopped(dataDir: string, key: string, body: Buffer): Promise<void> {
  const offline = await startS3rver(['uploads', 'thumbnails'], dataDir);
  const offlineS3 = s3ClientFor(offline);
  await offlineS3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: body }));
  offlineS3.destroy();
  await offline.stop();
}

describe('npm start: stopping and restarting', () => {
  let workDir: string;

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-restart-'));
  });
  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('finishes every upload already received when stopped during a burst, and keeps the data', async () => {
    const dataDir = join(workDir, 'data');
    const stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir, '--concurrency', '1']);
    const s3 = s3ClientFor(stack);
    const keys = Array.from({ length: 30 }, (_, index) => `burst/${String(index).padStart(2, '0')}.jpg`);
    const body = await photoJpeg(1600, 1200);
    await Promise.all(
      keys.map((key) => s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: body }))),
    );
    s3.destroy();

    expect(await stack.stop('SIGTERM')).toBe(0);
    expect(stack.output()).toMatch(/SIGTERM: finishing uploads already received/);
    expect(stack.output()).toMatch(/^stopped$/m);

    // With the stack down, read its data folder directly: every thumbnail was written before it exited.
    const offline = await startS3rver(['uploads', 'thumbnails'], dataDir);
    const offlineS3 = s3ClientFor(offline);
    // Every thumbnail, and each one's manifest (written after it).
    expect(await listKeys(offlineS3, 'thumbnails')).toEqual([
      ...keys.map((key) => `_manifests/${key}.json`),
      ...keys.map((key) => `${key}.jpg`),
    ]);
    offlineS3.destroy();
    await offline.stop();

    const restarted = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    const again = s3ClientFor(restarted);
    expect(await listKeys(again, 'uploads')).toEqual(keys);
    const items = (await (await fetch(`${restarted.galleryUrl}api/items`)).json()) as unknown[];
    again.destroy();
    expect(await restarted.stop()).toBe(0);
    // Catching up found every thumbnail current: nothing was made twice.
    expect(restarted.output()).not.toMatch(/^made /m);
    expect(items.length).toBe(keys.length);
  });

  it('makes, on restart, the thumbnails of uploads it never got to', async () => {
    const dataDir = join(workDir, 'data');
    // Written while no stack runs, as if it had been killed before handling the upload.
    await uploadWhileStopped(dataDir, 'missed.png', await solidImage(400, 400, 'png'));

    const stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir]);
    await stack.waitFor(/^made +uploads\/missed\.png -> thumbnails\/missed\.png\.jpg/m);
    expect(await stack.stop()).toBe(0);
  });

  it('--fresh starts from an empty data folder', async () => {
    const dataDir = join(workDir, 'data');
    await uploadWhileStopped(dataDir, 'old.png', await solidImage(10, 10, 'png'));

    const stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir, '--fresh']);
    const s3 = s3ClientFor(stack);
    expect(await listKeys(s3, 'uploads')).toEqual([]);
    s3.destroy();
    expect(await stack.stop()).toBe(0);
  });

  it.each<[string, NodeJS.Signals, 'process' | 'group']>([
    ['Ctrl-C in a terminal (SIGINT to the process group)', 'SIGINT', 'group'],
    ['a process manager (SIGTERM to npm)', 'SIGTERM', 'process'],
  ])(
    'runs through `npm start` as the README gives it, and stops cleanly on %s',
    async (_how, signal, target) => {
      const dataDir = join(workDir, 'data');
      const stack = await startLocalStackProcess(['--port', '0', '--data-dir', dataDir], { viaNpm: true });
      const s3 = s3ClientFor(stack);
      await s3.send(
        new PutObjectCommand({ Bucket: 'uploads', Key: 'npm.jpg', Body: await solidImage(300, 200) }),
      );
      await stack.waitFor(/^made +uploads\/npm\.jpg/m);
      s3.destroy();

      expect(await stack.stop(signal, target)).toBe(0);
      expect(stack.output()).toMatch(/^stopped$/m);
      expect(stack.output()).not.toMatch(/exiting now/);
      const { stdout } = await run('pgrep', ['-f', dataDir]).catch(() => ({ stdout: '' }));
      expect(stdout.trim()).toBe('');
    },
  );

  it('refuses bad arguments with a clear message and exit code 2', async () => {
    const result = await run(process.execPath, ['dist/local/main.js', '--port', 'http'], {
      cwd: join(__dirname, '..', '..', '..'),
    }).catch((error: unknown) => error);
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /--port "http": must be a whole number from 0 to 65535.*npm start -- --help/s,
      ),
    });
  });
});
