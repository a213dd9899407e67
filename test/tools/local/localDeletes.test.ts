import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getObject } from '../../support/bucketContents';
import { solidImage } from '../../support/images';
import { type RunningLocalStack, startLocalStackProcess } from '../../support/localStackProcess';
import { s3ClientFor } from '../../support/s3Client';

/** `npm start` follows deletes and overwrites as the function does in AWS, and logs what it publishes. */
describe('npm start: deletes, overwrites and the event log', () => {
  let workDir: string;
  let stack: RunningLocalStack;
  let s3: S3Client;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-local-deletes-'));
    stack = await startLocalStackProcess(['--port', '0', '--data-dir', join(workDir, 'data')]);
    s3 = s3ClientFor(stack);
  });
  afterAll(async () => {
    s3.destroy();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  const put = async (key: string, body: Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: body }));
  const events = async () =>
    (await readFile(join(workDir, 'data-events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { 'detail-type': string; detail: { source: { key: string } } });
  const eventsFor = async (key: string) =>
    (await events()).filter((event) => event.detail.source.key === key).map((event) => event['detail-type']);
  const galleryKeys = async () =>
    ((await (await fetch(`${stack.galleryUrl}api/items`)).json()) as Array<{ key: string }>).map(
      ({ key }) => key,
    );

  it('a DELETE removes the thumbnail and the gallery card, and the log shows both events', async () => {
    await put('del/one.png', await solidImage(80, 80, 'png'));
    await stack.waitFor(/^made +uploads\/del\/one\.png /m);
    expect(await galleryKeys()).toContain('del/one.png');

    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'del/one.png' }));
    await stack.waitFor(/^deleted +uploads\/del\/one\.png: removed 2 /m);

    expect(await getObject(s3, 'thumbnails', 'del/one.png.jpg')).toBeUndefined();
    expect(await galleryKeys()).not.toContain('del/one.png');
    expect(await eventsFor('del/one.png')).toEqual(['Thumbnails Ready', 'Thumbnails Deleted']);
    const published = (await (await fetch(`${stack.galleryUrl}api/published`)).json()) as unknown[];
    expect(published[0]).toMatchObject({ 'detail-type': 'Thumbnails Deleted', source: 'thumbnailer' });
  });

  it('DeleteObjects and a refused overwrite remove their thumbnails too', async () => {
    await put('many/a.png', await solidImage(60, 60, 'png'));
    await put('many/b.png', await solidImage(60, 60, 'png'));
    await stack.waitFor(/^made +uploads\/many\/b\.png /m);
    await stack.waitFor(/^made +uploads\/many\/a\.png /m);

    await s3.send(
      new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 'many/a.png' }] } }),
    );
    await put('many/b.png', Buffer.from('a text file now'));
    await stack.waitFor(/^deleted +uploads\/many\/a\.png/m);
    await stack.waitFor(/^rejected +uploads\/many\/b\.png: not-an-image/m);

    expect(await getObject(s3, 'thumbnails', 'many/a.png.jpg')).toBeUndefined();
    expect(await getObject(s3, 'thumbnails', 'many/b.png.jpg')).toBeUndefined();
    expect(await eventsFor('many/b.png')).toEqual(['Thumbnails Ready', 'Image Rejected']);
  });
});
