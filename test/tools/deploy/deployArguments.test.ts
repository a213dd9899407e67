import { parseDeployArguments } from '../../../src/tools/deploy/deployArguments';
import { UsageError } from '../../../src/common/errors';

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/thumbs@sha256:${'ab'.repeat(32)}`;
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseDeployArguments(argv, env);

describe('parseDeployArguments', () => {
  it('reads a deploy, with defaults for everything but the function and the image', () => {
    expect(parse(['--function', 'thumbs', '--image-uri', IMAGE])).toEqual({
      action: 'deploy',
      functionName: 'thumbs',
      dryRun: false,
      image: {
        uri: IMAGE,
        accountId: '123456789012',
        region: 'eu-west-1',
        repository: 'team/thumbs',
        digest: `sha256:${'ab'.repeat(32)}`,
      },
      smokeTest: true,
    });
  });

  it('takes the function from LAMBDA_FUNCTION_NAME, and reads --dry-run and --skip-smoke-test', () => {
    expect(
      parse(['--image-uri', IMAGE, '--dry-run', '--skip-smoke-test'], { LAMBDA_FUNCTION_NAME: 'from-env' }),
    ).toMatchObject({ functionName: 'from-env', dryRun: true, smokeTest: false });
  });

  it('reads a rollback, to the previous version or to the one named', () => {
    expect(parse(['--function', 'thumbs', '--rollback'])).toEqual({
      action: 'rollback',
      functionName: 'thumbs',
      dryRun: false,
      toVersion: undefined,
    });
    expect(parse(['--rollback', '--to-version', '7', '--dry-run'], { LAMBDA_FUNCTION_NAME: 'f' })).toEqual({
      action: 'rollback',
      functionName: 'f',
      dryRun: true,
      toVersion: '7',
    });
  });

  it('returns undefined for --help', () => {
    expect(parse(['--help'])).toBeUndefined();
    expect(parse(['-h'])).toBeUndefined();
  });

  it.each([
    [['--image-uri', IMAGE], '--function: is required (or set LAMBDA_FUNCTION_NAME)'],
    [['--function', '', '--image-uri', IMAGE], '--function: must be a function name'],
    [['--function', 'bad name', '--image-uri', IMAGE], '--function: must be a function name'],
    [['--function', 'thumbs'], '--image-uri is required (or --rollback)'],
    [
      ['--function', 'thumbs', '--image-uri', `${IMAGE.split('@')[0] ?? ''}:latest`],
      '--image-uri: must be an ECR image by digest',
    ],
    [
      ['--function', 'thumbs', '--image-uri', 'docker.io/library/node@sha256:00'],
      '--image-uri: must be an ECR image by digest',
    ],
    [['--function', 'thumbs', '--image-uri', `${IMAGE}\n`], '--image-uri: must be an ECR image by digest'],
    [['--function', 'thumbs', '--rollback', '--image-uri', IMAGE], 'no --image-uri, no --skip-smoke-test'],
    [['--function', 'thumbs', '--rollback', '--skip-smoke-test'], 'no --image-uri, no --skip-smoke-test'],
    [
      ['--function', 'thumbs', '--image-uri', IMAGE, '--to-version', '3'],
      '--to-version goes with --rollback',
    ],
    [
      ['--function', 'thumbs', '--rollback', '--to-version', '$LATEST'],
      '--to-version: must be a published version number',
    ],
    [
      ['--function', 'thumbs', '--rollback', '--to-version', '0'],
      '--to-version: must be a published version number',
    ],
    [['--function', 'thumbs', '--rollback', '--to-version'], '--to-version needs a value'],
    [['--function', 'thumbs', '--image-uri', IMAGE, '--alias', 'prod'], 'unknown option --alias'],
    [['--function', 'thumbs', 'extra'], 'unexpected argument "extra"'],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});
