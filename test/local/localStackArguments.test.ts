import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseLocalStackArguments } from '../../src/local/localStackArguments';
import { UsageError } from '../../src/validation/usageError';

describe('parseLocalStackArguments', () => {
  const test = { accessKeyId: 'test', secretAccessKey: 'test' };

  it('has defaults that need no configuration', () => {
    expect(parseLocalStackArguments([], {})).toEqual({
      port: 4569,
      galleryPort: 4570,
      dataDir: resolve('.local-s3'),
      fresh: false,
      sourceBucket: 'uploads',
      thumbnailBucket: 'thumbnails',
      concurrency: availableParallelism(),
      credentials: [test],
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      LOCAL_S3_PORT: '5000',
      SOURCE_BUCKET: 'inbox',
      THUMBNAIL_BUCKET: 'outbox',
      LOCAL_CONCURRENCY: '3',
    };
    expect(parseLocalStackArguments([], env)).toMatchObject({
      port: 5000,
      galleryPort: 5001,
      sourceBucket: 'inbox',
      concurrency: 3,
    });
    expect(
      parseLocalStackArguments(['--port', '6000', '--source-bucket', 'photos', '--fresh'], env),
    ).toMatchObject({
      port: 6000,
      galleryPort: 6001,
      sourceBucket: 'photos',
      thumbnailBucket: 'outbox',
      fresh: true,
    });
  });

  it('lets port 0 pick free ports for both servers', () => {
    expect(parseLocalStackArguments(['--port', '0'], {})).toMatchObject({ port: 0, galleryPort: 0 });
  });

  it('accepts an extra key pair from the environment', () => {
    const env = { LOCAL_ACCESS_KEY_ID: 'AKIALOCAL', LOCAL_SECRET_ACCESS_KEY: 'secret' };
    expect(parseLocalStackArguments([], env)?.credentials).toEqual([
      test,
      { accessKeyId: 'AKIALOCAL', secretAccessKey: 'secret' },
    ]);
  });

  it('returns undefined for --help', () => {
    expect(parseLocalStackArguments(['--help'], {})).toBeUndefined();
    expect(parseLocalStackArguments(['-h'], {})).toBeUndefined();
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['an unknown flag', ['--prot', '1'], {}, /Unknown option '--prot'/],
    ['a missing value', ['--port'], {}, /--port/],
    ['a port out of range', ['--port', '70000'], {}, /--port: /],
    ['a port that is not a number', [], { LOCAL_S3_PORT: 'http' }, /--port: /],
    [
      'a bad bucket name',
      ['--source-bucket', 'My_Bucket'],
      {},
      /--source-bucket: must be a valid S3 bucket name/,
    ],
    [
      'the same bucket twice',
      ['--source-bucket', 'same', '--thumbnail-bucket', 'same'],
      {},
      /--thumbnail-bucket: must differ/,
    ],
    ['concurrency 0', ['--concurrency', '0'], {}, /--concurrency: /],
    ['half a key pair', [], { LOCAL_ACCESS_KEY_ID: 'x' }, /LOCAL_SECRET_ACCESS_KEY/],
    ['a positional argument', ['photos'], {}, /Unexpected argument 'photos'/],
  ])('refuses %s', (_name, argv, env, message) => {
    expect(() => parseLocalStackArguments(argv, env)).toThrow(UsageError);
    expect(() => parseLocalStackArguments(argv, env)).toThrow(message);
  });
});
