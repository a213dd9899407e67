import { availableParallelism } from 'node:os';
import { CLI_USAGE, parseCliArguments } from '../../../src/tools/cli/cliArguments';
import { DEFAULT_THUMBNAIL_OPTIONS } from '../../../src/core/engine/thumbnailOptions';
import { UsageError } from '../../../src/common/errors';
import { implicitRendition } from '../../../src/core/renditions';

describe('parseCliArguments', () => {
  it('takes inputs and --out, with the engine defaults', () => {
    expect(parseCliArguments(['a.jpg', 'photos', '--out', 'thumbs'], {})).toEqual({
      inputs: ['a.jpg', 'photos'],
      out: 'thumbs',
      concurrency: availableParallelism(),
      force: false,
      overwrite: false,
      thumbnail: DEFAULT_THUMBNAIL_OPTIONS,
      renditions: [implicitRendition(DEFAULT_THUMBNAIL_OPTIONS)],
    });
  });

  it('reads the same variables as the Lambda, and flags win over them', () => {
    const env = { THUMBNAIL_WIDTH: '64', THUMBNAIL_FORMAT: 'webp', DECODE_FAIL_ON: 'error' };
    const args = parseCliArguments(
      ['x', '-o', 'y', '--width', '100', '--fit', 'cover', '-j', '3', '-f'],
      env,
    );
    expect(args).toMatchObject({ concurrency: 3, force: true });
    expect(typeof args === 'object' && args.thumbnail).toMatchObject({
      width: 100,
      height: 256,
      fit: 'cover',
      format: 'webp',
      failOn: 'error',
    });
  });

  it('takes --flag=value as well as --flag value', () => {
    expect(parseCliArguments(['x', '--out=y', '--width=64'], {})).toMatchObject({
      out: 'y',
      thumbnail: { width: 64 },
    });
  });

  it('documents every flag in --help', () => {
    expect(parseCliArguments(['--help'], {})).toBe('help');
    expect(parseCliArguments(['-V'], {})).toBe('version');
    for (const flag of [
      '--out',
      '--width',
      '--height',
      '--fit',
      '--format',
      '--quality',
      '--background',
      '--max-input-bytes',
      '--max-input-pixels',
      '--fail-on',
      '--concurrency',
      '--force',
      '--overwrite',
      '--help',
      '--version',
    ]) {
      expect(CLI_USAGE).toContain(flag);
    }
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['no input', ['--out', 'y'], {}, /no input given/],
    ['no --out', ['x'], {}, /--out <dir> is required/],
    ['an unknown flag', ['x', '-o', 'y', '--size', '3'], {}, /unknown option --size/],
    ['a bad width', ['x', '-o', 'y', '--width', 'big'], {}, /--width \(or THUMBNAIL_WIDTH\): /],
    [
      'a bad environment value',
      ['x', '-o', 'y'],
      { THUMBNAIL_FIT: 'stretch' },
      /--fit \(or THUMBNAIL_FIT\): /,
    ],
    ['a bad concurrency', ['x', '-o', 'y', '-j', '0'], {}, /--concurrency/],
    ['a fractional concurrency', ['x', '-o', 'y', '-j', '1.5'], {}, /--concurrency/],
    ['a negative concurrency', ['x', '-o', 'y', '--concurrency=-1'], {}, /--concurrency/],
    ['an empty concurrency', ['x', '-o', 'y', '--concurrency', ''], {}, /--concurrency/],
    ['a concurrency over the bound', ['x', '-o', 'y', '-j', '257'], {}, /--concurrency/],
    ['a flag given twice', ['x', '-o', 'y', '--width', '64', '--width', '200'], {}, /--width is given twice/],
    ['--out given twice', ['x', '-o', 'y', '--out', 'z'], {}, /--out is given twice/],
    ['a value for a switch', ['x', '-o', 'y', '--force=yes'], {}, /--force/],
    ['a flag without its value', ['x', '--out'], {}, /--out/],
    ['an empty input name', ['', '-o', 'y'], {}, /an input is an empty string/],
    ['an empty --out', ['x', '-o', ''], {}, /--out <dir> is required/],
  ])('refuses %s', (_name, argv, env, message) => {
    expect(() => parseCliArguments(argv, env)).toThrow(UsageError);
    expect(() => parseCliArguments(argv, env)).toThrow(message);
  });

  it.each(['0x10', '1e2', ' 100', '100 ', '+100', '1.0', '', '10_0', '٣'])(
    'reads --width %j as no number: decimal digits only',
    (width) => {
      expect(() => parseCliArguments(['x', '-o', 'y', `--width=${width}`], {})).toThrow(
        `--width (or THUMBNAIL_WIDTH): must be a whole number from 1 to 4096 (got ${JSON.stringify(width)})`,
      );
    },
  );

  it('reads environment numbers as strictly as flags, naming the variable', () => {
    expect(() => parseCliArguments(['x', '-o', 'y'], { MAX_INPUT_BYTES: '1e3' })).toThrow(
      '--max-input-bytes (or MAX_INPUT_BYTES): must be a whole number of at least 1 (got "1e3")',
    );
    expect(() => parseCliArguments(['x', '-o', 'y', '-j', '0x2'], {})).toThrow(
      '--concurrency: must be a whole number from 1 to 256 (got "0x2")',
    );
  });

  it('names the flags npm kept when -- was forgotten', () => {
    // `npm run thumbnailer imgs --out x -f` runs the CLI with `imgs x` and npm_config_out, npm_config_force.
    const env = { npm_lifecycle_event: 'thumbnailer', npm_config_out: 'true', npm_config_force: 'true' };
    expect(() => parseCliArguments(['imgs', 'x'], env)).toThrow(
      "npm kept --out, --force for itself: put -- before the CLI's flags",
    );
    expect(parseCliArguments(['imgs', '--out', 'x'], { npm_lifecycle_event: 'thumbnailer' })).toMatchObject({
      out: 'x',
    });
  });
});
