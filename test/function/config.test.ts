import { loadConfig } from '../../src/function/config';
import { DEFAULT_INPUT_LIMITS } from '../../src/core/engine/inputLimits';
import { DEFAULT_THUMBNAIL_OPTIONS } from '../../src/core/engine/thumbnailOptions';
import { ConfigError } from '../../src/common/errors';
import { implicitRendition } from '../../src/core/renditions';

describe('loadConfig', () => {
  it('needs only the destination bucket; everything else has a default', () => {
    expect(loadConfig({ THUMBNAIL_BUCKET: 'thumbnails' })).toEqual({
      thumbnailBucket: 'thumbnails',
      thumbnailPrefix: '',
      sourceBucket: undefined,
      sourcePrefix: '',
      cacheControl: 'public, max-age=86400',
      s3ForcePathStyle: false,
      thumbnail: DEFAULT_THUMBNAIL_OPTIONS,
      renditions: [implicitRendition(DEFAULT_THUMBNAIL_OPTIONS)],
      inputLimits: DEFAULT_INPUT_LIMITS,
    });
  });

  it.each([
    [{}, 352 * 1024 * 1024],
    [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' }, 352 * 1024 * 1024],
    [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' }, 1888 * 1024 * 1024],
    [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }, 64 * 1024 * 1024],
    [{ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048', MAX_DECODE_BYTES: '1000' }, 1000],
  ])('takes the decode memory limit from %j', (env, bytes) => {
    expect(loadConfig({ THUMBNAIL_BUCKET: 'thumbnails', ...env }).inputLimits.maxDecodeBytes).toBe(bytes);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      THUMBNAIL_BUCKET: 'my.thumbs-1',
      THUMBNAIL_PREFIX: 'thumbs/',
      SOURCE_BUCKET: 'uploads',
      SOURCE_PREFIX: 'incoming/',
      THUMBNAIL_CACHE_CONTROL: 'no-cache',
      S3_FORCE_PATH_STYLE: 'true',
      THUMBNAIL_WIDTH: '320',
      THUMBNAIL_HEIGHT: '200',
      THUMBNAIL_FIT: 'cover',
      THUMBNAIL_FORMAT: 'webp',
      THUMBNAIL_QUALITY: '70',
      THUMBNAIL_BACKGROUND: '#000',
      MAX_INPUT_BYTES: '1000',
      MAX_INPUT_PIXELS: '2000',
      DECODE_FAIL_ON: 'error',
      HEIC_INPUT: 'false',
      MAX_METADATA_BYTES: '3000',
      MAX_INPUT_FRAMES: '4',
      MAX_DECODE_BYTES: '5000',
    });
    expect(config).toEqual({
      thumbnailBucket: 'my.thumbs-1',
      thumbnailPrefix: 'thumbs/',
      sourceBucket: 'uploads',
      sourcePrefix: 'incoming/',
      cacheControl: 'no-cache',
      s3ForcePathStyle: true,
      thumbnail: {
        width: 320,
        height: 200,
        fit: 'cover',
        format: 'webp',
        quality: 70,
        background: '#000',
        maxInputBytes: 1000,
        maxInputPixels: 2000,
        failOn: 'error',
        heic: false,
      },
      renditions: [implicitRendition(config.thumbnail)],
      inputLimits: { maxMetadataBytes: 3000, maxFrames: 4, maxDecodeBytes: 5000 },
    });
    expect(config.renditions[0]).toMatchObject({ width: 320, formats: ['webp'], quality: { webp: 70 } });
  });

  it('treats an empty variable as unset', () => {
    expect(
      loadConfig({ THUMBNAIL_BUCKET: 'thumbnails', THUMBNAIL_WIDTH: '', THUMBNAIL_PREFIX: '' }).thumbnail
        .width,
    ).toBe(256);
  });

  it('names every bad variable in one error, with the value it got', () => {
    const load = () =>
      loadConfig({
        THUMBNAIL_WIDTH: 'abc',
        THUMBNAIL_FIT: 'square',
        S3_FORCE_PATH_STYLE: 'yes',
        THUMBNAIL_PREFIX: '/x',
      });
    expect(load).toThrow(ConfigError);
    let message = '';
    try {
      load();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: /);
    expect(message).toContain('THUMBNAIL_BUCKET: is required');
    expect(message).toContain('THUMBNAIL_WIDTH: ');
    expect(message).toContain('(got "abc")');
    expect(message).toContain('THUMBNAIL_FIT: ');
    expect(message).toContain('(got "square")');
    expect(message).toContain('S3_FORCE_PATH_STYLE: must be true or false (got "yes")');
    expect(message).toContain('THUMBNAIL_PREFIX: must not start with "/"');
  });

  it.each(['Thumbnails', 'ab', 'a_b', '-bucket', 'x'.repeat(64)])('refuses the bucket name %j', (name) => {
    expect(() => loadConfig({ THUMBNAIL_BUCKET: name })).toThrow(
      'THUMBNAIL_BUCKET: must be a valid S3 bucket name',
    );
  });

  it.each([
    ['THUMBNAIL_CACHE_CONTROL', 'public\r\nX-Evil: 1', 'must be printable ASCII on one line'],
    ['THUMBNAIL_CACHE_CONTROL', 'max-age=60\n', 'must be printable ASCII on one line'],
    ['THUMBNAIL_CACHE_CONTROL', 'max-age=\u00e9', 'must be printable ASCII on one line'],
    ['THUMBNAIL_CACHE_CONTROL', ' public', 'must not start or end with a space'],
    ['THUMBNAIL_PREFIX', 'thumbs\n/', 'must not hold control characters'],
    ['THUMBNAIL_PREFIX', 'a\u0000b/', 'must not hold control characters'],
    ['SOURCE_PREFIX', 'uploads/*', 'must not hold control characters (line breaks, tabs), "*" or "?"'],
    ['THUMBNAIL_PREFIX', '/', 'must not start with "/": S3 keeps it as part of the key'],
  ])('refuses %s=%j at init, naming it', (name, value, problem) => {
    expect(() => loadConfig({ THUMBNAIL_BUCKET: 'thumbnails', [name]: value })).toThrow(
      new ConfigError(`Invalid configuration: ${name}: ${problem}`).message,
    );
  });

  it('takes the cache control values S3 serves', () => {
    for (const value of ['no-store', 'public, max-age=31536000, immutable']) {
      expect(
        loadConfig({ THUMBNAIL_BUCKET: 'thumbnails', THUMBNAIL_CACHE_CONTROL: value }).cacheControl,
      ).toBe(value);
    }
  });
});

describe('completion events and the metadata table', () => {
  it('takes a bus and a table by name or ARN', () => {
    const config = loadConfig({
      THUMBNAIL_BUCKET: 'thumbnails',
      EVENT_BUS_NAME: 'arn:aws:events:eu-west-1:123456789012:event-bus/uploads',
      METADATA_TABLE: 'thumbnailer-metadata',
    });
    expect([config.eventBusName, config.metadataTable]).toEqual([
      'arn:aws:events:eu-west-1:123456789012:event-bus/uploads',
      'thumbnailer-metadata',
    ]);
    expect(loadConfig({ THUMBNAIL_BUCKET: 'thumbnails' })).toMatchObject({
      eventBusName: undefined,
      metadataTable: undefined,
    });
  });

  it('names a malformed bus or table at init', () => {
    const load = () =>
      loadConfig({ THUMBNAIL_BUCKET: 'thumbnails', EVENT_BUS_NAME: 'my bus', METADATA_TABLE: 'ab' });
    expect(load).toThrow(
      /EVENT_BUS_NAME: must be an EventBridge bus name .*METADATA_TABLE: must be a DynamoDB table name/,
    );
  });
});

describe('loadConfig: RENDITIONS', () => {
  const load = (env: Record<string, string>) => loadConfig({ THUMBNAIL_BUCKET: 'thumbnails', ...env });

  it('reads the list, defaults filled in', () => {
    const config = load({
      RENDITIONS:
        '[{"name":"square","width":256,"height":256,"fit":"cover","position":"attention","formats":["avif","webp"]},{"name":"card","width":640,"height":480}]',
    });
    expect(
      config.renditions.map(({ name, fit, position, formats }) => ({ name, fit, position, formats })),
    ).toEqual([
      { name: 'square', fit: 'cover', position: 'attention', formats: ['avif', 'webp'] },
      { name: 'card', fit: 'inside', position: 'centre', formats: ['jpeg'] },
    ]);
    expect(config.renditions.some((rendition) => rendition.implicit)).toBe(false);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['not JSON', { RENDITIONS: '[{' }, /^Invalid configuration: RENDITIONS: is not valid JSON/],
    [
      'every bad entry, each named',
      {
        RENDITIONS: '[{"name":"a","width":1,"height":1},{"name":"b","width":0,"height":1,"formats":["png"]}]',
      },
      /RENDITIONS\[1\]\.width: must be at least 1; RENDITIONS\[1\]\.formats\[0\]: must be one of jpeg, webp, avif$/,
    ],
    [
      'beside THUMBNAIL_WIDTH and THUMBNAIL_FORMAT',
      { RENDITIONS: '[{"name":"a","width":1,"height":1}]', THUMBNAIL_WIDTH: '300', THUMBNAIL_FORMAT: 'webp' },
      /RENDITIONS: replaces THUMBNAIL_WIDTH, THUMBNAIL_FORMAT, which must then be unset/,
    ],
    [
      'in the same message as every other bad variable, the clash too',
      {
        RENDITIONS: '[{"name":"A","widht":10,"height":0}]',
        THUMBNAIL_QUALITY: '0',
        MAX_INPUT_BYTES: '1e3',
      },
      /THUMBNAIL_QUALITY: .*; MAX_INPUT_BYTES: .*; RENDITIONS: replaces THUMBNAIL_QUALITY.*; RENDITIONS\[0\]\.name: .*RENDITIONS\[0\]\.height: must be at least 1/,
    ],
  ])('refuses RENDITIONS %s with a ConfigError', (_name, env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});

describe('the CDN distribution', () => {
  const base = { THUMBNAIL_BUCKET: 'thumbs' };

  it('is unset by default (no invalidations), and read when set', () => {
    expect(loadConfig(base).cdnDistributionId).toBeUndefined();
    expect(loadConfig({ ...base, CDN_DISTRIBUTION_ID: '' }).cdnDistributionId).toBeUndefined();
    expect(loadConfig({ ...base, CDN_DISTRIBUTION_ID: 'E2QWRUHAPOMQZL' }).cdnDistributionId).toBe(
      'E2QWRUHAPOMQZL',
    );
  });

  it.each(['e2qwruhapomqzl', 'arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL', 'E2 QW'])(
    'refuses %j, naming the variable',
    (value) => {
      expect(() => loadConfig({ ...base, CDN_DISTRIBUTION_ID: value })).toThrow(
        /CDN_DISTRIBUTION_ID: must be/,
      );
    },
  );
});
