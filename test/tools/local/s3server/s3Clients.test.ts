import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { REPO_ROOT } from '../../../support/dockerfile';
import { startTestS3, type TestS3 } from '../../../support/localS3';
import { describeTier } from '../../../support/tiers';
import { httpStatusOf } from '../../../../src/common/errors';

const run = promisify(execFile);

/** Keys S3 allows that s3rver did not: empty segments, a leading slash, escapes, odd characters, 1,024 bytes. */
const KEYS = [
  'photos//double.jpg',
  '/leading.jpg',
  '//',
  'trailing/',
  '100% sure.jpg',
  'a+b=c&d;e,f@g$h.jpg',
  '  spaces  around  .jpg',
  'ünïcödé/猫 🐱.jpg',
  '../up/./and/../back.jpg',
  '#hash?query=1.jpg',
  "tilde~star*(paren)!'quote'.jpg",
  'control\u0001char\ttab.jpg',
  `long/${'é'.repeat(507)}x.jpg`,
];
const TOO_LONG = `long/${'k'.repeat(1020)}`;
const bodyOf = (key: string) => Buffer.from(`contents of ${key}`);

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1',
};

interface Outcome {
  readonly etag?: string;
  readonly body?: string;
  readonly size?: number;
  readonly keys?: string[];
  readonly url?: string;
  readonly error?: string;
}

/** Runs operations through boto3 (test/support/boto3Client.py) and returns their outcomes. */
async function boto3(endpoint: string, operations: unknown[], signature = 's3v4'): Promise<Outcome[]> {
  const child = spawn(
    'python3',
    [join(REPO_ROOT, 'test', 'support', 'boto3Client.py'), endpoint, signature],
    { env },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(JSON.stringify(operations));
  const [code] = (await once(child, 'exit')) as [number];
  expect(code === 0 ? 'ok' : output).toBe('ok');
  return JSON.parse(output) as Outcome[];
}

describe('the local S3 server with real clients', () => {
  let local: TestS3;
  beforeAll(async () => {
    local = await startTestS3();
  });
  afterAll(() => local.stop());

  it('puts, heads, gets, lists and deletes every key S3 allows through the JS SDK', async () => {
    for (const key of KEYS) {
      await local.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: bodyOf(key) }));
      const head = await local.s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: key }));
      expect([key, head.ContentLength]).toEqual([key, bodyOf(key).length]);
      const got = await local.s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: key }));
      expect(Buffer.from(await (got.Body?.transformToByteArray() ?? [])).equals(bodyOf(key))).toBe(true);
      const listed = await local.s3.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: key }));
      expect(listed.Contents?.map((object) => object.Key)).toContain(key);
      await local.s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: key }));
      await expect(
        local.s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: key })),
      ).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
    }
  });

  it('refuses a key over 1,024 bytes with KeyTooLongError through the JS SDK', async () => {
    const put = local.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: TOO_LONG, Body: 'x' }));
    await expect(put).rejects.toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
  });

  describeTier('boto3', 'through boto3', () => {
    it.each(['s3v4', 's3'])('round-trips every key S3 allows, signing with %s', async (signature) => {
      const operations = KEYS.flatMap((key) => [
        { op: 'put', key, body: bodyOf(key).toString('base64') },
        { op: 'head', key },
        { op: 'get', key },
        { op: 'list', prefix: key },
        { op: 'delete', key },
        { op: 'head', key },
      ]);
      const outcomes = await boto3(
        local.endpoint.endpoint,
        [...operations, { op: 'put', key: TOO_LONG, body: '' }],
        signature,
      );
      for (const [index, key] of KEYS.entries()) {
        const [put, head, get, list, , gone] = outcomes.slice(index * 6, index * 6 + 6);
        expect([key, put?.error, head?.size, get?.body, list?.keys]).toEqual([
          key,
          undefined,
          bodyOf(key).length,
          bodyOf(key).toString('base64'),
          expect.arrayContaining([key]),
        ]);
        expect(gone?.error).toBe('404');
      }
      expect(outcomes.at(-1)?.error).toBe('KeyTooLongError');
    });

    it('uploads in parts, and makes presigned URLs (SigV4 and SigV2) that work', async () => {
      const big = Buffer.alloc(9 * 1024 * 1024, 'b');
      const path = join(local.directory, 'big.bin');
      await writeFile(path, big);
      const [upload, v4get, v4put] = await boto3(local.endpoint.endpoint, [
        { op: 'upload_file', key: 'boto/big', path },
        { op: 'presign', method: 'get_object', key: 'boto/big' },
        { op: 'presign', method: 'put_object', key: 'boto/put ü+.txt' },
      ]);
      const [v2get] = await boto3(
        local.endpoint.endpoint,
        [{ op: 'presign', method: 'get_object', key: 'boto/big' }],
        's3',
      );
      expect(upload?.error).toBeUndefined();
      expect(Buffer.from(await (await fetch(v4get?.url ?? '')).arrayBuffer()).equals(big)).toBe(true);
      expect(Buffer.from(await (await fetch(v2get?.url ?? '')).arrayBuffer()).equals(big)).toBe(true);
      expect((await fetch(v4put?.url ?? '', { method: 'PUT', body: 'put by url' })).status).toBe(200);
    });
  });

  describeTier('awscli', 'through the AWS CLI', () => {
    const aws = (...args: string[]) =>
      run('aws', ['--endpoint-url', local.endpoint.endpoint, ...args], { env });

    // A bound against hangs (each CLI run starts a Python), not a performance assertion.
    it('round-trips every key S3 allows with s3api, and refuses one too long', async () => {
      const file = join(local.directory, 'cli-body');
      for (const key of KEYS) {
        await writeFile(file, bodyOf(key));
        await aws('s3api', 'put-object', '--bucket', 'uploads', '--key', key, '--body', file);
        const { stdout } = await aws(
          's3api',
          'get-object',
          '--bucket',
          'uploads',
          '--key',
          key,
          `${file}.out`,
        );
        expect([key, (JSON.parse(stdout) as { ContentLength: number }).ContentLength]).toEqual([
          key,
          bodyOf(key).length,
        ]);
        expect((await readFile(`${file}.out`)).equals(bodyOf(key))).toBe(true);
      }
      const listKeys = async () => {
        const { stdout } = await aws(
          's3api',
          'list-objects-v2',
          '--bucket',
          'uploads',
          '--query',
          'Contents[].Key',
        );
        return JSON.parse(stdout) as string[] | null;
      };
      expect(await listKeys()).toEqual(expect.arrayContaining(KEYS));
      // XML 1.0 cannot carry a control character even escaped, so no client can name that key in a
      // DeleteObjects request (or read it back in the answer); listings carry it URL-encoded.
      const hasControl = (key: string) => Array.from(key).some((char) => char < '\t');
      const [plain, control] = [KEYS.filter((key) => !hasControl(key)), KEYS.filter(hasControl)];
      await writeFile(`${file}.json`, JSON.stringify({ Objects: plain.map((key) => ({ Key: key })) }));
      await aws('s3api', 'delete-objects', '--bucket', 'uploads', '--delete', `file://${file}.json`);
      for (const key of control) {
        await aws('s3api', 'delete-object', '--bucket', 'uploads', '--key', key);
      }
      expect(((await listKeys()) ?? []).filter((key) => KEYS.includes(key))).toEqual([]);
      const refused = aws('s3api', 'put-object', '--bucket', 'uploads', '--key', TOO_LONG, '--body', file);
      await expect(refused).rejects.toMatchObject({ stderr: expect.stringContaining('KeyTooLongError') });
    }, 300_000);

    it('copies, lists and removes a tree of odd names with `aws s3`, and presigns a URL that works', async () => {
      const tree = join(local.directory, 'tree');
      const names = ['a b.jpg', 'c+d.jpg', '100%.jpg', 'ünï.jpg'];
      await mkdir(join(tree, 'sub dir'), { recursive: true });
      for (const name of names) {
        await writeFile(join(tree, 'sub dir', name), name);
      }
      await aws('s3', 'cp', tree, 's3://uploads/tree/', '--recursive', '--only-show-errors');
      const { stdout } = await aws('s3', 'ls', 's3://uploads/tree/', '--recursive');
      expect(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => line.slice(31))
          .sort(),
      ).toEqual(names.map((name) => `tree/sub dir/${name}`).sort());
      const { stdout: url } = await aws('s3', 'presign', 's3://uploads/tree/sub dir/c+d.jpg');
      expect(await (await fetch(url.trim())).text()).toBe('c+d.jpg');
      await aws('s3', 'rm', 's3://uploads/tree/', '--recursive', '--only-show-errors');
      const after = local.s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'tree/sub dir/a b.jpg' }));
      expect(await after.then(() => 200, httpStatusOf)).toBe(404);
    });
  });
});
