import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import {
  DATA_DIRECTORY_MARKER,
  DataDirectoryError,
  prepareDataDirectory,
} from '../../../src/tools/local/dataDirectory';
import { DATA_LOCK_FILE } from '../../../src/tools/local/dataLock';
import { s3ClientFor } from '../../support/s3Client';
import { startS3rver } from '../../support/s3rverServer';

/** `--fresh` empties only a folder the stack made; nothing else is ever deleted, nor reached through a link. */
describe('prepareDataDirectory', () => {
  let workDir: string;
  const tree = async (path: string) => (await readdir(path, { recursive: true })).sort();

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'thumbnailer-data-'));
  });
  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('creates and marks a new folder, and --fresh then empties it but for the marker', async () => {
    const data = join(workDir, 'new', 'data');
    await (await prepareDataDirectory(data, false)).release();
    expect(await tree(data)).toEqual([DATA_DIRECTORY_MARKER]);
    await mkdir(join(data, 'uploads', 'deep'), { recursive: true });
    await writeFile(join(data, 'uploads', 'deep', 'x._S3rver_object'), 'x');
    await (await prepareDataDirectory(data, true)).release();
    expect(await tree(data)).toEqual([DATA_DIRECTORY_MARKER]);
  });

  it('adopts an empty folder', async () => {
    await (await prepareDataDirectory(workDir, true)).release();
    expect(await tree(workDir)).toEqual([DATA_DIRECTORY_MARKER]);
  });

  it.each([true, false])(
    'refuses a folder holding other files (fresh: %s) and deletes nothing',
    async (fresh) => {
      await writeFile(join(workDir, 'thesis.docx'), 'years of work');
      await mkdir(join(workDir, 'uploads'));
      await writeFile(join(workDir, 'uploads', 'cat.jpg'), 'a file, not an object');
      const before = await tree(workDir);
      const refusal = prepareDataDirectory(workDir, fresh);
      await expect(refusal).rejects.toThrow(DataDirectoryError);
      await expect(prepareDataDirectory(workDir, fresh)).rejects.toThrow(
        /holds files the local stack did not make \("thesis.docx", "uploads"\).*Choose a new or empty folder/,
      );
      expect(await tree(workDir)).toEqual(before);
    },
  );

  it('adopts the data of an earlier stack (bucket folders, no marker), so --fresh works after an upgrade', async () => {
    const data = join(workDir, 'data');
    const earlier = await startS3rver(['uploads', 'thumbnails'], data);
    const s3 = s3ClientFor(earlier);
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a/b/cat.jpg', Body: 'meow' }));
    // A multipart upload left unfinished: s3rver keeps its parts in a folder of its own.
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'big.jpg' }),
    );
    await s3.send(
      new UploadPartCommand({ Bucket: 'uploads', Key: 'big.jpg', UploadId, PartNumber: 1, Body: 'part' }),
    );
    s3.destroy();
    await earlier.stop();
    await (await prepareDataDirectory(data, false)).release();
    expect(await readdir(join(data, 'uploads', 'a', 'b'))).not.toEqual([]);
    await (await prepareDataDirectory(data, true)).release();
    expect(await tree(data)).toEqual([DATA_DIRECTORY_MARKER]);
  });

  it('removes a link inside the folder, never what it points to', async () => {
    const outside = join(workDir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'precious.txt'), 'keep me');
    const data = join(workDir, 'data');
    await (await prepareDataDirectory(data, false)).release();
    await mkdir(join(data, 'uploads'));
    await symlink(outside, join(data, 'uploads', 'escape'));
    await symlink(join(outside, 'precious.txt'), join(data, 'file-link'));
    await (await prepareDataDirectory(data, true)).release();
    expect(await tree(data)).toEqual([DATA_DIRECTORY_MARKER]);
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('trusts no marker that is a link, and no folder holding links', async () => {
    const elsewhere = join(workDir, 'marker-elsewhere');
    await writeFile(elsewhere, "This folder holds the objects of thumbnailer's local stack (npm start).\n");
    const data = join(workDir, 'data');
    await mkdir(join(data, 'uploads'), { recursive: true });
    await symlink(elsewhere, join(data, DATA_DIRECTORY_MARKER));
    await symlink(workDir, join(data, 'uploads', 'x._S3rver_object'));
    await expect(prepareDataDirectory(data, true)).rejects.toThrow(DataDirectoryError);
    expect((await lstat(join(data, 'uploads', 'x._S3rver_object'))).isSymbolicLink()).toBe(true);
  });

  it('follows a link named as the folder itself, to the folder the user meant', async () => {
    const real = join(workDir, 'real');
    await (await prepareDataDirectory(real, false)).release();
    await writeFile(join(real, 'stale'), 'x');
    await symlink(real, join(workDir, 'link'));
    await (await prepareDataDirectory(join(workDir, 'link'), true)).release();
    expect(await tree(real)).toEqual([DATA_DIRECTORY_MARKER]);
    expect((await lstat(join(workDir, 'link'))).isSymbolicLink()).toBe(true);
  });

  it('refuses a file in place of a folder', async () => {
    await writeFile(join(workDir, 'file'), 'x');
    await expect(prepareDataDirectory(join(workDir, 'file'), true)).rejects.toThrow(/is not a folder/);
  });

  it.each([false, true])(
    'refuses a folder another stack holds (--fresh %s), deleting nothing, and keeps the lock through --fresh',
    async (fresh) => {
      const data = join(workDir, 'data');
      const held = await prepareDataDirectory(data, true);
      await mkdir(join(data, 'uploads'));
      await writeFile(join(data, 'uploads', 'x._S3rver_object'), 'x');
      const refusal = prepareDataDirectory(data, fresh);
      await expect(refusal).rejects.toThrow(DataDirectoryError);
      await expect(refusal).rejects.toThrow(`is in use by PID ${process.pid}`);
      expect(await tree(data)).toEqual(
        [DATA_DIRECTORY_MARKER, DATA_LOCK_FILE, 'uploads', join('uploads', 'x._S3rver_object')].sort(),
      );
      await held.release();
    },
  );
});
