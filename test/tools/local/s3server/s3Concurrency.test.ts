import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type S3ObjectEvent } from '../../../../src/aws/events/parseS3Event';
import { getObject, putObject } from '../../../support/bucketContents';
import { startTestS3, type TestS3 } from '../../../support/localS3';

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const bare = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

/** One accepted write (the server answered 200) and what its notice must say. */
interface Write {
  readonly key: string;
  readonly eventName: S3ObjectEvent['eventName'];
  readonly eTag?: string;
  readonly size?: number;
}

describe('concurrent writers to the same keys', () => {
  let local: TestS3;
  const source = randomBytes(150_000);
  const torn: string[] = [];

  beforeAll(async () => {
    local = await startTestS3();
    await putObject(local.s3, 'other', 'source', source);
  });
  afterAll(() => local.stop());

  /** Writes (or deletes, or reads) `key` one way, chosen by `turn`; returns what was accepted. */
  async function operate(key: string, turn: number): Promise<Write | undefined> {
    const { s3 } = local;
    const kind = turn % 9;
    if (kind <= 4) {
      const body = randomBytes(20_000 + turn * 7919);
      const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: body }));
      return { key, eventName: 'ObjectCreated:Put', eTag: bare(ETag), size: body.length };
    }
    if (kind === 5) {
      const copied = await s3.send(
        new CopyObjectCommand({ Bucket: 'uploads', Key: key, CopySource: 'other/source' }),
      );
      return {
        key,
        eventName: 'ObjectCreated:Copy',
        eTag: bare(copied.CopyObjectResult?.ETag),
        size: source.length,
      };
    }
    if (kind === 6) {
      const body = randomBytes(5 * MiB + 1000);
      const done = await new Upload({
        client: s3,
        params: { Bucket: 'uploads', Key: key, Body: body },
        partSize: 5 * MiB,
      }).done();
      return {
        key,
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        eTag: bare(done.ETag),
        size: body.length,
      };
    }
    if (kind === 7) {
      await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: key }));
      return undefined;
    }
    const read = await getObject(s3, 'uploads', key);
    if (read !== undefined && md5(read.body) !== read.eTag) {
      torn.push(`${key}: read ${read.body.length} bytes under ETag ${read.eTag}`);
    }
    return undefined;
  }

  /** Takes the notice that matches `write` out of `notices`; false when there is none. */
  function claim(notices: S3ObjectEvent[], write: Write): boolean {
    const index = notices.findIndex(
      (notice) =>
        notice.key === write.key &&
        notice.eventName === write.eventName &&
        notice.eTag === write.eTag &&
        notice.size === write.size,
    );
    return index !== -1 && notices.splice(index, 1).length === 1;
  }

  it('stores each version whole and announces every accepted write with its own ETag and size', async () => {
    const keys = ['same/0', 'same/1', 'same/2'];
    const turns = keys.flatMap((key) => Array.from({ length: 27 }, (_, turn) => ({ key, turn })));
    turns.sort(() => Math.random() - 0.5);
    const settled = await Promise.allSettled(turns.map(({ key, turn }) => operate(key, turn)));
    expect(settled.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    const accepted = settled.flatMap((outcome) =>
      outcome.status === 'fulfilled' && outcome.value ? [outcome.value] : [],
    );
    const created = local.notices.filter(
      (notice) => notice.eventName.startsWith('ObjectCreated:') && notice.bucket === 'uploads',
    );
    expect(accepted.filter((write) => !claim(created, write))).toEqual([]);
    expect([created, local.noticeErrors, torn]).toEqual([[], [], []]);
    for (const key of keys) {
      await expectWholeAndLastWriterWins(key);
    }
    expect(
      (await readdir(local.directory, { recursive: true })).filter((name) =>
        /\.(partial|commit)$|body-/.test(name),
      ),
    ).toEqual([]);
  });

  /** The notice with the highest sequencer for `key`: what S3 says happened to it last. */
  const lastNotice = (key: string) =>
    local.notices
      .filter((notice) => notice.key === key && notice.bucket === 'uploads')
      .sort((a, b) => ((a.sequencer ?? '') < (b.sequencer ?? '') ? -1 : 1))
      .at(-1);

  /** The object's bytes match its ETag wherever it is read, and it is the version announced last. */
  async function expectWholeAndLastWriterWins(key: string): Promise<void> {
    const last = lastNotice(key);
    const stored = await getObject(local.s3, 'uploads', key);
    if (last?.eventName === 'ObjectRemoved:Delete' || stored === undefined) {
      expect([last?.eventName, stored]).toEqual(['ObjectRemoved:Delete', undefined]);
      return;
    }
    const head = await local.s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: key }));
    const listed = await local.s3.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: key }));
    const eTags = [md5(stored.body), bare(head.ETag), bare(listed.Contents?.[0]?.ETag)];
    expect(eTags).toEqual([stored.eTag, stored.eTag, stored.eTag]);
    expect([last?.eTag, last?.size]).toEqual([stored.eTag, stored.body.length]);
  }
});
