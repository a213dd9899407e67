import { aliasDescription, previousVersionIn } from '../../src/deploy/aliasDescription';
import { describePlan, planDeploy } from '../../src/deploy/deployPlan';
import type { FunctionState, FunctionVersion } from '../../src/deploy/functionState';
import { parseImageUri } from '../../src/deploy/imageUri';

const uri = (digit: string) =>
  `123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbs@sha256:${digit.repeat(64)}`;
const image = (digit: string) => {
  const parsed = parseImageUri(uri(digit));
  if (!parsed) {
    throw new Error('bad test image');
  }
  return parsed;
};
const version = (name: string, imageDigit: string, settings = 's1'): FunctionVersion => ({
  version: name,
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:thumbs',
  imageUri: uri(imageDigit),
  architecture: 'arm64',
  environment: {},
  settings,
  revisionId: undefined,
});
const state = (latest: FunctionVersion, live?: FunctionVersion): FunctionState => ({
  latest,
  alias: live && { name: 'live', version: live.version, description: '', revisionId: undefined },
  live,
});

describe('planDeploy', () => {
  it.each<[string, FunctionState, string, ReturnType<typeof planDeploy>]>([
    [
      'a new image',
      state(version('$LATEST', 'a'), version('4', 'a')),
      'b',
      { kind: 'deploy', updateCode: true, reason: 'version 4 runs another image', fromVersion: '4' },
    ],
    [
      'the live image, nothing changed',
      state(version('$LATEST', 'a'), version('4', 'a')),
      'a',
      { kind: 'up-to-date', version: '4' },
    ],
    [
      'the live image after terraform changed the configuration',
      state(version('$LATEST', 'a', 's2'), version('4', 'a', 's1')),
      'a',
      {
        kind: 'deploy',
        updateCode: false,
        reason: "the function's configuration changed since version 4",
        fromVersion: '4',
      },
    ],
    [
      'the live image while $LATEST holds a failed build',
      state(version('$LATEST', 'c'), version('4', 'a')),
      'a',
      {
        kind: 'deploy',
        updateCode: true,
        reason: '$LATEST holds the image of an earlier, failed deploy',
        fromVersion: '4',
      },
    ],
    [
      'an image $LATEST already runs but the alias does not serve',
      state(version('$LATEST', 'b'), version('4', 'a')),
      'b',
      { kind: 'deploy', updateCode: false, reason: 'version 4 runs another image', fromVersion: '4' },
    ],
    [
      'a function without the alias yet',
      state(version('$LATEST', 'a')),
      'a',
      { kind: 'deploy', updateCode: false, reason: 'the alias does not exist yet', fromVersion: undefined },
    ],
  ])('%s', (_name, current, target, expected) => {
    expect(planDeploy(current, image(target))).toEqual(expected);
  });

  it('describes a plan as the steps it will take', () => {
    const plan = planDeploy(state(version('$LATEST', 'a')), image('b'));
    expect(describePlan(plan, image('b'), 'live', false)).toEqual([
      'why: the alias does not exist yet',
      `update the function's code to ${uri('b')} and wait for it`,
      'publish a version',
      'no smoke test (--skip-smoke-test)',
      'move alias live to it (creating the alias)',
    ]);
  });
});

describe('the alias description', () => {
  it('records the previous version and the image, within the 256 characters Lambda allows', () => {
    const description = aliasDescription('12', uri('d'));
    expect(description).toBe(
      `managed by npm run deploy; previous version 12; image sha256:${'d'.repeat(64)}`,
    );
    expect(previousVersionIn(description)).toBe('12');
    expect(aliasDescription('1', `${'x'.repeat(300)}@sha256:0`).length).toBeLessThanOrEqual(256);
  });

  it('has no previous version on the first deploy or when someone else wrote it', () => {
    expect(previousVersionIn(aliasDescription(undefined, uri('a')))).toBeUndefined();
    expect(previousVersionIn('managed by npm run deploy')).toBeUndefined();
  });
});
