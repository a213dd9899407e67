import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { environmentWarnings, parseLocalStackArguments } from '../../../src/tools/local/localStackArguments';
import { UsageError } from '../../../src/common/errors';

describe('parseLocalStackArguments', () => {
  const test = { accessKeyId: 'test', secretAccessKey: 'test' };

  it('has defaults that need no configuration', () => {
    expect(parseLocalStackArguments([], {})).toEqual({
      port: 4569,
      galleryPort: 4570,
      cdnPort: 4571,
      dataDir: resolve('.local-s3'),
      fresh: false,
      sourceBucket: 'uploads',
      thumbnailBucket: 'thumbnails',
      concurrency: availableParallelism(),
      drainSeconds: 30,
      credentials: [test],
    });
  });

  it('resolves a relative --data-dir or LOCAL_S3_DATA_DIR against the folder npm was run in (INIT_CWD)', () => {
    const env = { INIT_CWD: '/home/someone/photos' };
    expect(parseLocalStackArguments(['--data-dir', 'data'], env)?.dataDir).toBe('/home/someone/photos/data');
    expect(parseLocalStackArguments([], { ...env, LOCAL_S3_DATA_DIR: '../d' })?.dataDir).toBe(
      '/home/someone/d',
    );
    expect(parseLocalStackArguments(['--data-dir', '/abs'], env)?.dataDir).toBe('/abs');
    // The default stays in the checkout, wherever npm start is run from.
    expect(parseLocalStackArguments([], env)?.dataDir).toBe(resolve('.local-s3'));
  });

  it.each(['-1', '3601', 'ten', ''])('refuses --drain-seconds %j', (value) => {
    expect(() => parseLocalStackArguments(['--drain-seconds', value], {})).toThrow(
      `--drain-seconds ${JSON.stringify(value)}: must be a whole number from 0 to 3600`,
    );
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      LOCAL_S3_PORT: '5000',
      SOURCE_BUCKET: 'inbox',
      THUMBNAIL_BUCKET: 'outbox',
      LOCAL_CONCURRENCY: '3',
      LOCAL_S3_DATA_DIR: '',
    };
    expect(parseLocalStackArguments([], env)).toMatchObject({
      port: 5000,
      galleryPort: 5001,
      sourceBucket: 'inbox',
      concurrency: 3,
      dataDir: resolve('.local-s3'),
    });
    expect(
      parseLocalStackArguments(
        ['--port', '6000', '--source-bucket=photos', '--fresh', '--data-dir', 'd'],
        env,
      ),
    ).toMatchObject({
      port: 6000,
      galleryPort: 6001,
      sourceBucket: 'photos',
      thumbnailBucket: 'outbox',
      fresh: true,
      dataDir: resolve('d'),
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
});

describe('parseLocalStackArguments refuses, naming the flag or variable and what it takes', () => {
  it.each<[string, string[], NodeJS.ProcessEnv, string]>([
    [
      'a port out of range',
      ['--port', '65536'],
      {},
      '--port "65536": must be a whole number from 0 to 65535',
    ],
    ['an empty port', ['--port='], {}, '--port "": must be a whole number from 0 to 65535'],
    ['a hexadecimal port', ['--gallery-port', '0x10'], {}, '--gallery-port "0x10": must be a whole number'],
    ['a port with an exponent', ['--port', '1e3'], {}, '--port "1e3": must be a whole number'],
    ['a negative port', ['--port=-1'], {}, '--port "-1": must be a whole number'],
    [
      'a port variable that is a word',
      [],
      { LOCAL_S3_PORT: 'http' },
      'LOCAL_S3_PORT="http": must be a whole',
    ],
    [
      'a gallery port variable padded',
      [],
      { LOCAL_GALLERY_PORT: ' 80' },
      'LOCAL_GALLERY_PORT=" 80": must be',
    ],
    ['concurrency 0', ['--concurrency', '0'], {}, '--concurrency "0": must be a whole number from 1 to 256'],
    ['fractional concurrency', [], { LOCAL_CONCURRENCY: '1.5' }, 'LOCAL_CONCURRENCY="1.5": must be a whole'],
    ['an empty data folder', ['--data-dir', ''], {}, '--data-dir "": must name a folder'],
    ['a blank data folder', ['--data-dir', '   '], {}, '--data-dir "   ": must name a folder'],
    [
      'a bad bucket name',
      ['--source-bucket', 'My_Bucket'],
      {},
      '--source-bucket "My_Bucket": must be a valid S3',
    ],
    [
      'a bucket name with adjacent dots',
      ['--source-bucket', 'x..y'],
      {},
      '--source-bucket "x..y": must be a valid S3 bucket name: it must not hold two adjacent dots',
    ],
    [
      'a bucket name shaped like an IP address',
      ['--thumbnail-bucket', '192.168.1.1'],
      {},
      '--thumbnail-bucket "192.168.1.1": must be a valid S3 bucket name: it must not be shaped like an IP',
    ],
    [
      'a bad bucket variable',
      [],
      { THUMBNAIL_BUCKET: 'x' },
      'THUMBNAIL_BUCKET="x": must be a valid S3 bucket',
    ],
    ['the same bucket twice', ['--source-bucket', 'thumbnails'], {}, 'buckets are both "thumbnails"'],
    ['the same port twice', ['--port', '5000', '--gallery-port', '5000'], {}, 'ports are both 5000'],
    ['a default gallery port past the end', ['--port', '65535'], {}, '(S3 port + 1) is 65536'],
    [
      'a default CDN port past the end',
      ['--port', '65534'],
      {},
      '--cdn-port: the default (S3 port + 2) is 65536',
    ],
    [
      'the CDN on the gallery port',
      ['--gallery-port', '6000', '--cdn-port', '6000'],
      {},
      'gallery and CDN ports are both 6000',
    ],
    ['a bad CDN port variable', [], { LOCAL_CDN_PORT: '-1' }, 'LOCAL_CDN_PORT="-1": must be a whole number'],
    ['half a key pair', [], { LOCAL_ACCESS_KEY_ID: 'x' }, 'LOCAL_SECRET_ACCESS_KEY'],
  ])('%s', (_name, argv, env, message) => {
    expect(() => parseLocalStackArguments(argv, env)).toThrow(UsageError);
    expect(() => parseLocalStackArguments(argv, env)).toThrow(message);
  });

  it('names every bad setting at once', () => {
    expect(() => parseLocalStackArguments(['--port', 'x', '--concurrency', '0'], {})).toThrow(
      /--port "x": .*; --concurrency "0": /,
    );
  });
});

describe('parseLocalStackArguments refuses flags written wrong', () => {
  it.each<[string, string[], NodeJS.ProcessEnv, string]>([
    [
      'an unknown flag, with the nearest',
      ['--prot', '1'],
      {},
      'unknown option --prot (did you mean --port?)',
    ],
    [
      'an underscore for a hyphen',
      ['--data_dir', 'd'],
      {},
      'unknown option --data_dir (did you mean --data-dir?)',
    ],
    ['an unknown short flag', ['-p', '1'], {}, 'unknown option -p'],
    ['a value for a switch', ['--fresh=yes'], {}, '--fresh takes no value'],
    ['a missing value', ['--port'], {}, '--port needs a value'],
    [
      'a value that is the next flag',
      ['--data-dir', '--fresh'],
      {},
      'the next argument is the option --fresh',
    ],
    ['a flag given twice', ['--port', '1', '--port', '2'], {}, '--port is given twice'],
    ['a positional argument', ['photos'], {}, 'unexpected argument "photos": npm start takes only options'],
    ['arguments after --', ['--', '--port', '0'], {}, 'unexpected argument "--port"'],
    ['flags npm kept for itself', ['0'], { npm_config_port: 'true' }, 'npm kept --port for itself: put --'],
  ])('%s', (_name, argv, env, message) => {
    expect(() => parseLocalStackArguments(argv, env)).toThrow(UsageError);
    expect(() => parseLocalStackArguments(argv, env)).toThrow(message);
  });
});

describe('environmentWarnings', () => {
  it('warns of a variable one typo away from a setting, and of nothing else', () => {
    const env = {
      LOCAL_S3_PROT: '5000',
      THUMBNAIL_WIDHT: '64',
      LOCAL_S3_PORT: '1',
      HOME: '/root',
      PATH: '/bin',
    };
    expect(environmentWarnings({ ...env, npm_config_cache: '/c', SOURCE_BUCKET: 'uploads' })).toEqual([
      'LOCAL_S3_PROT is not a setting npm start reads (did you mean LOCAL_S3_PORT?); it is ignored',
      'THUMBNAIL_WIDHT is not a setting npm start reads (did you mean THUMBNAIL_WIDTH?); it is ignored',
    ]);
  });
});
