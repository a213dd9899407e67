import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalS3Server, startLocalS3Server } from '../../../../src/tools/local/s3server/localS3Server';
import { SPOOL_FOLDER } from '../../../../src/tools/local/s3server/spool';
import { getObject, putObject } from '../../../support/bucketContents';
import { startS3ServerProcess } from '../../../support/localS3ServerProcess';
import { s3ClientFor } from '../../../support/s3Client';
import { startPartialUpload, waitForEntries } from '../../../support/s3Requests';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const noNotices = { onNotice: () => undefined, onNoticeError: () => undefined };

/** Starts the server in this process over `directory` (key pair test/test). */
const serve = (directory: string): Promise<LocalS3Server> =>
  startLocalS3Server({
    port: 0,
    directory,
    buckets: ['uploads'],
    credentials: [{ accessKeyId: 'test', secretAccessKey: 'test' }],
    ...noNotices,
  });

describe('the local S3 server after a process was killed', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'thumbnailer-recovery-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is killed (kill -9) mid-upload, and at the next start keeps the old object and drops the upload', async () => {
    const first = await startS3ServerProcess(root);
    const s3 = s3ClientFor(first);
    await putObject(s3, 'uploads', 'photo.jpg', Buffer.from('the first version'));
    // Half of a 4 MB replacement, so that it is still arriving when the process dies.
    const socket = await startPartialUpload(first, '/uploads/photo.jpg', 4 * 2 ** 20, 2 * 2 ** 20);
    await waitForEntries(join(root, SPOOL_FOLDER), (entries) => entries === 1);
    await first.stop('SIGKILL');
    socket.destroy();
    s3.destroy();
    expect((await readdir(join(root, SPOOL_FOLDER))).length).toBe(1);

    const second = await startS3ServerProcess(root);
    const again = s3ClientFor(second);
    expect(second.recovered.removed).toBeGreaterThanOrEqual(1);
    expect(await exists(join(root, SPOOL_FOLDER))).toBe(false);
    expect((await getObject(again, 'uploads', 'photo.jpg'))?.body.toString()).toBe('the first version');
    again.destroy();
    await second.stop();
  });

  it('finishes a version whose commit was under way, and removes temporaries and half objects', async () => {
    const bucket = join(root, 'uploads');
    const files: Record<string, string> = {
      // A complete version and its intent: the kill came between the intent and its renames.
      'rolled._S3rver_object.aaaaaaaaaaaa.partial': 'the new version',
      'rolled._S3rver_metadata.json.aaaaaaaaaaaa.partial': '{"content-type":"image/jpeg"}',
      'rolled._S3rver_object.md5.aaaaaaaaaaaa.partial': md5('the new version'),
      'rolled._S3rver_object.aaaaaaaaaaaa.commit': JSON.stringify({
        renames: ['metadata.json', 'object.md5', 'object'].map((file) => [
          `rolled._S3rver_${file}.aaaaaaaaaaaa.partial`,
          `rolled._S3rver_${file}`,
        ]),
        removes: ['rolled._S3rver_tagging.xml'],
      }),
      // An intent cut off while it was written: nothing was renamed yet, so the old version stays.
      'kept._S3rver_object': 'the old version',
      'kept._S3rver_metadata.json': '{}',
      'kept._S3rver_object.bbbbbbbbbbbb.partial': 'a version never committed',
      'kept._S3rver_object.bbbbbbbbbbbb.commit': '{"renames":[["kept._S3r',
      // Half objects: data without metadata, metadata without data.
      'data-only._S3rver_object': 'no metadata',
      'data-only._S3rver_object.md5': md5('no metadata'),
      'metadata-only._S3rver_metadata.json': '{}',
      'deep/cut._S3rver_object.cccccccccccc.partial': 'an upload cut off',
      '._S3rver_uploads/0123456789abcdef0123456789abcdef/1.dddddddddddd.partial': 'a part cut off',
      '._S3rver_uploads/0123456789abcdef0123456789abcdef/key': 'big.bin',
    };
    for (const [name, contents] of Object.entries(files)) {
      await mkdir(join(bucket, name, '..'), { recursive: true });
      await writeFile(join(bucket, name), contents);
    }
    const server = await serve(root);
    const s3 = s3ClientFor({ endpoint: server.endpoint, accessKeyId: 'test', secretAccessKey: 'test' });
    expect(server.recovered).toEqual({ completed: 1, removed: 7 });
    const rolled = await getObject(s3, 'uploads', 'rolled');
    expect([rolled?.body.toString(), rolled?.eTag, rolled?.contentType]).toEqual([
      'the new version',
      md5('the new version'),
      'image/jpeg',
    ]);
    expect((await getObject(s3, 'uploads', 'kept'))?.body.toString()).toBe('the old version');
    const left = (await readdir(bucket, { recursive: true })).filter((name) =>
      /partial|commit|-only/.test(name),
    );
    expect([
      left,
      await readFile(join(bucket, '._S3rver_uploads/0123456789abcdef0123456789abcdef/key'), 'utf8'),
    ]).toEqual([[], 'big.bin']);
    s3.destroy();
    await server.stop();
  });
});
