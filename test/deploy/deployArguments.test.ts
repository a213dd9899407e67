import { parseDeployArguments } from '../../src/deploy/deployArguments';
import { UsageError } from '../../src/validation/usageError';

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/thumbs@sha256:${'ab'.repeat(32)}`;
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseDeployArguments(argv, env, '/canary.jpg');

describe('parseDeployArguments', () => {
  it('reads a deploy, with defaults for everything but the function and the image', () => {
    expect(parse(['--function', 'thumbs', '--image-uri', IMAGE])).toEqual({
      action: 'deploy',
      functionName: 'thumbs',
      alias: 'live',
      dryRun: false,
      summaryFile: undefined,
      image: {
        uri: IMAGE,
        registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        accountId: '123456789012',
        region: 'eu-west-1',
        repository: 'team/thumbs',
        digest: `sha256:${'ab'.repeat(32)}`,
      },
      smokeTest: true,
      canaryKey: undefined,
      canaryFile: '/canary.jpg',
      sourceBucket: undefined,
    });
  });

  it('takes the function from LAMBDA_FUNCTION_NAME and the summary file from GITHUB_STEP_SUMMARY', () => {
    expect(
      parse(['--image-uri', IMAGE, '--dry-run', '--skip-smoke-test'], {
        LAMBDA_FUNCTION_NAME: 'from-env',
        GITHUB_STEP_SUMMARY: '/tmp/summary.md',
      }),
    ).toMatchObject({
      functionName: 'from-env',
      summaryFile: '/tmp/summary.md',
      dryRun: true,
      smokeTest: false,
    });
  });

  it('reads a rollback', () => {
    expect(parse(['--function', 'thumbs', '--rollback', '--to-version', '7', '--alias', 'prod'])).toEqual({
      action: 'rollback',
      functionName: 'thumbs',
      alias: 'prod',
      dryRun: false,
      summaryFile: undefined,
      toVersion: '7',
    });
  });

  it('returns undefined for --help', () => {
    expect(parse(['--help'])).toBeUndefined();
  });

  it.each([
    [['--image-uri', IMAGE], /--function: is required \(or set LAMBDA_FUNCTION_NAME\)/],
    [['--function', 'thumbs'], /--image-uri is required \(or --rollback\)/],
    [
      ['--function', 'thumbs', '--image-uri', `${IMAGE.split('@')[0] ?? ''}:latest`],
      /--image-uri: must be an ECR image by digest/,
    ],
    [
      ['--function', 'thumbs', '--image-uri', 'docker.io/library/node@sha256:00'],
      /--image-uri: must be an ECR image by digest/,
    ],
    [['--function', 'bad name', '--image-uri', IMAGE], /--function: must be a function name/],
    [
      ['--function', 'thumbs', '--image-uri', IMAGE, '--alias', '12'],
      /--alias: must be an alias name, not a version number/,
    ],
    [['--function', 'thumbs', '--rollback', '--image-uri', IMAGE], /do not pass --image-uri/],
    [
      ['--function', 'thumbs', '--image-uri', IMAGE, '--to-version', '3'],
      /--to-version goes with --rollback/,
    ],
    [
      ['--function', 'thumbs', '--rollback', '--to-version', '$LATEST'],
      /--to-version: must be a published version number/,
    ],
    [
      ['--function', 'thumbs', '--image-uri', IMAGE, '--source-bucket', 'Not_A_Bucket'],
      /--source-bucket: must be a valid S3 bucket name/,
    ],
    [
      ['--function', 'thumbs', '--image-uri', IMAGE, '--canary-key', ''],
      /--canary-key: must be 1 to 1,024 bytes/,
    ],
    [['--function', 'thumbs', '--image-uri', IMAGE, '--force'], /Unknown option '--force'/],
    [['--function', 'thumbs', 'extra'], /Unexpected argument 'extra'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});
