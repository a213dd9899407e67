import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type S3ObjectEvent } from '../../../../src/aws/events/parseS3Event';
import { type LocalS3Server, startLocalS3Server } from '../../../../src/tools/local/s3server/localS3Server';
import { getObject, listKeys } from '../../../support/bucketContents';
import { type S3Endpoint, s3ClientFor } from '../../../support/s3Client';
import {
  errorCode,
  sendSigned,
  signedFormFields,
  startPartialUpload,
  waitForEntries,
} from '../../../support/s3Requests';
import { describeTier } from '../../../support/tiers';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** Bytes that do not repeat in any short period, so a shifted or framed copy never compares equal. */
const payload = (bytes: number) =>
  Buffer.from(Array.from({ length: bytes }, (_, index) => (index * 7919 + (index >> 9)) % 251));

describe('the local S3 server', () => {
  let directory: string;
  let server: LocalS3Server;
  let s3: S3Client;
  let endpoint: S3Endpoint;
  const notices: S3ObjectEvent[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'thumbnailer-local-s3-'));
    server = await startLocalS3Server({
      port: 0,
      directory,
      buckets: ['uploads', 'other'],
      credentials: [{ accessKeyId: 'test', secretAccessKey: 'test' }],
      onNotice: (notice) => notices.push(notice),
      onNoticeError: (error) => {
        throw error;
      },
    });
    endpoint = { endpoint: server.endpoint, accessKeyId: 'test', secretAccessKey: 'test' };
    s3 = s3ClientFor(endpoint);
  });
  afterAll(async () => {
    s3.destroy();
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  });

  /** The notice for `key`, once the server has built it. */
  async function noticeFor(key: string, eventName: S3ObjectEvent['eventName']): Promise<S3ObjectEvent> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const found = notices.find((notice) => notice.key === key && notice.eventName === eventName);
      if (found) {
        return found;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ${eventName} notice for ${key}; got ${JSON.stringify(notices)}`);
  }

  async function expectStoredAndAnnounced(key: string, body: Buffer, eventName: S3ObjectEvent['eventName']) {
    const stored = await getObject(s3, 'uploads', key);
    expect(stored?.body.equals(body)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: key }));
    expect(await noticeFor(key, eventName)).toMatchObject({
      bucket: 'uploads',
      key,
      size: body.length,
      eTag: head.ETag?.replace(/"/g, ''),
      sequencer: expect.stringMatching(/^[0-9A-F]{16,}$/),
    });
  }

  it('stores a stream upload sent with the SDK default checksums (aws-chunked) intact: ObjectCreated:Put', async () => {
    const path = join(directory, 'stream.bin');
    const body = payload(300_000);
    await writeFile(path, body);
    await s3.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'sdk/stream upload.bin', Body: createReadStream(path) }),
    );
    await expectStoredAndAnnounced('sdk/stream upload.bin', body, 'ObjectCreated:Put');
  });

  it('refuses a chunked upload whose checksum does not match, storing nothing', async () => {
    const framed = Buffer.from('5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n');
    // Hand-framed and signed, since no SDK will send a wrong checksum.
    const response = await sendSigned(endpoint, {
      method: 'PUT',
      path: '/uploads/bad-digest.bin',
      body: framed,
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '5',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
    });
    expect([response.status, errorCode(response.body)]).toEqual([400, 'BadDigest']);
    expect(await getObject(s3, 'uploads', 'bad-digest.bin')).toBeUndefined();
  });

  it('announces a multipart upload as ObjectCreated:CompleteMultipartUpload', async () => {
    const body = payload(11 * MiB);
    await new Upload({
      client: s3,
      params: { Bucket: 'uploads', Key: 'multi/part.bin', Body: body },
      partSize: 5 * MiB,
    }).done();
    await expectStoredAndAnnounced('multi/part.bin', body, 'ObjectCreated:CompleteMultipartUpload');
  });

  it('announces a copy as ObjectCreated:Copy, with the ETag s3rver leaves out', async () => {
    const body = payload(1000);
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'copy/source', Body: body }));
    await s3.send(
      new CopyObjectCommand({ Bucket: 'uploads', Key: 'copy/target', CopySource: 'uploads/copy/source' }),
    );
    await expectStoredAndAnnounced('copy/target', body, 'ObjectCreated:Copy');
  });

  it('announces a browser form upload as ObjectCreated:Post', async () => {
    const body = payload(2000);
    const form = new FormData();
    for (const [name, value] of Object.entries(
      await signedFormFields(endpoint, 'uploads', { key: 'form/upload.bin' }),
    )) {
      form.append(name, value);
    }
    form.append('file', new Blob([body]), 'upload.bin');
    const response = await fetch(`${server.endpoint}/uploads`, { method: 'POST', body: form });
    expect(response.status).toBeLessThan(300);
    await expectStoredAndAnnounced('form/upload.bin', body, 'ObjectCreated:Post');
  });

  it('announces a deletion as ObjectRemoved:Delete, without size or ETag', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'gone', Body: Buffer.from('x') }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'gone' }));
    const notice = await noticeFor('gone', 'ObjectRemoved:Delete');
    expect([notice.size, notice.eTag]).toEqual([undefined, undefined]);
  });

  it('refuses an access key it was not given', async () => {
    const stranger = s3ClientFor(
      { endpoint: server.endpoint, accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' },
      1,
    );
    await expect(
      stranger.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'gone' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });

  describeTier('awscli', 'with the AWS CLI', () => {
    it('stores single and multipart uploads intact, with the checksums the CLI sends', async () => {
      const config = join(directory, 'aws-config');
      await writeFile(config, '[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n');
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_CONFIG_FILE: config,
      };
      for (const [key, bytes, eventName] of [
        ['cli/small file.bin', 200_000, 'ObjectCreated:Put'],
        ['cli/big file.bin', 12 * MiB, 'ObjectCreated:CompleteMultipartUpload'],
      ] as const) {
        const path = join(directory, 'cli-upload.bin');
        const body = payload(bytes);
        await writeFile(path, body);
        await run(
          'aws',
          ['--endpoint-url', server.endpoint, 's3', 'cp', path, `s3://uploads/${key}`, '--only-show-errors'],
          { env },
        );
        await expectStoredAndAnnounced(key, body, eventName);
      }
    });
  });

  it.each([
    ['a 1,024-byte key in one segment', 'long/', `${'k'.repeat(1015)}.jpg`],
    ['a 1,024-byte key of two-byte characters', 'wide/', `${'é'.repeat(507)}.jpg`],
    ['dot-dot segments', 'up/', '../../../escaped.txt'],
    ['a dot segment', 'here/', 'a/./b.txt'],
    ['a percent sign and a trailing slash', 'percent/', '100%/'],
  ])('keeps %s inside its bucket, whole, and lists it as it is', async (_name, prefix, rest) => {
    const key = `${prefix}${rest}`;
    const body = payload(1000);
    await s3.send(new PutObjectCommand({ Bucket: 'other', Key: key, Body: body }));
    expect((await getObject(s3, 'other', key))?.body.equals(body)).toBe(true);
    expect(await listKeys(s3, 'other', prefix)).toEqual([key]);
    const { stdout } = await run('find', [directory, '-type', 'f']);
    expect(stdout.split('\n').filter((path) => path && !path.startsWith(`${directory}/`))).toEqual([]);
    expect(stdout).not.toMatch(new RegExp(`^${directory}/escaped`, 'm'));
  });

  it("pages listings (s3rver's own continuation tokens need DES, which OpenSSL 3 lacks)", async () => {
    const keys = ['page/a', 'page/b', 'page/c', 'page/d', 'page/e'];
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: 'other', Key: key, Body: Buffer.from(key) }));
    }
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'other', Prefix: 'page/', MaxKeys: 2 }));
    expect(first).toMatchObject({
      IsTruncated: true,
      KeyCount: 2,
      NextContinuationToken: expect.any(String),
    });
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'other',
        Prefix: 'page/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.ContinuationToken).toBe(first.NextContinuationToken);
    expect(second.StartAfter).toBeUndefined();
    expect(await listKeys(s3, 'other', 'page/', 2)).toEqual(keys);
  });

  it('never shows an object half-written: readers see the old body or the new one, whole', async () => {
    const [before, after] = [payload(3 * MiB), payload(12 * MiB).reverse()];
    await s3.send(new PutObjectCommand({ Bucket: 'other', Key: 'atomic', Body: before }));
    const sizes = new Set<number>();
    const state = { writing: true };
    const reader = (async () => {
      while (state.writing) {
        const seen = await getObject(s3, 'other', 'atomic');
        sizes.add(seen?.body.equals(before) ? before.length : seen?.body.equals(after) ? after.length : -1);
      }
    })();
    await s3.send(new PutObjectCommand({ Bucket: 'other', Key: 'atomic', Body: after }));
    state.writing = false;
    await reader;
    expect([...sizes].filter((size) => size !== before.length && size !== after.length)).toEqual([]);
    expect((await getObject(s3, 'other', 'atomic'))?.body.equals(after)).toBe(true);
  });

  it('lets a client go away mid-upload: nothing stored, nothing left behind, nothing held', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'abandoned', Body: Buffer.from('before') }));
    const socket = await startPartialUpload(endpoint, '/uploads/abandoned', 4 * MiB, 2 * MiB);
    const spool = join(directory, '.thumbnailer-spool');
    await waitForEntries(spool, (entries) => entries === 1);
    socket.destroy();
    await waitForEntries(spool, (entries) => entries === 0);
    expect((await getObject(s3, 'uploads', 'abandoned'))?.body.toString()).toBe('before');
    // The next test's stopTakingUploads waits for uploads in flight: it would wait for this one forever.
  });

  // Last: it leaves this server refusing uploads.
  it('when stopping, refuses new uploads into the watched bucket with 503 but keeps serving the rest', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'before-stop', Body: Buffer.from('kept') }));
    await server.stopTakingUploads('uploads');

    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'after-stop', Body: Buffer.from('x') })),
    ).rejects.toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect((await getObject(s3, 'uploads', 'before-stop'))?.body.toString()).toBe('kept');
    await s3.send(new PutObjectCommand({ Bucket: 'other', Key: 'thumbnail', Body: Buffer.from('ok') }));
    expect((await getObject(s3, 'other', 'thumbnail'))?.body.toString()).toBe('ok');
  });
});
