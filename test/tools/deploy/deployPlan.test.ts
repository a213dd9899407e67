import { describePlan, planDeploy } from '../../../src/tools/deploy/deployPlan';
import type { FunctionState, FunctionVersion } from '../../../src/tools/deploy/functionState';
import { parseImageUri } from '../../../src/tools/deploy/imageUri';

const uri = (digit: string) =>
  `123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbs@sha256:${digit.repeat(64)}`;
const image = (digit: string) => {
  const parsed = parseImageUri(uri(digit));
  if (parsed === undefined) {
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
const state = (latest: FunctionVersion, live: FunctionVersion): FunctionState => ({
  functionName: 'thumbs',
  latest,
  live: { name: 'live', version: live.version, revisionId: undefined },
  liveVersion: live,
  previous: { name: 'previous', version: '1', revisionId: undefined },
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
      'an image $LATEST already runs but live does not serve',
      state(version('$LATEST', 'b'), version('4', 'a')),
      'b',
      { kind: 'deploy', updateCode: false, reason: 'version 4 runs another image', fromVersion: '4' },
    ],
  ])('%s', (_name, current, target, expected) => {
    expect(planDeploy(current, image(target))).toEqual(expected);
  });

  it('describes a plan as the steps it will take', () => {
    const plan = planDeploy(state(version('$LATEST', 'b'), version('4', 'a')), image('b'));
    expect(describePlan(plan, image('b'), false)).toEqual([
      'why: version 4 runs another image',
      'keep the code: $LATEST already runs this image',
      'publish a version',
      'no smoke test (--skip-smoke-test)',
      'point alias previous at version 4, then move alias live from it to the new version',
    ]);
    expect(describePlan({ kind: 'up-to-date', version: '4' }, image('a'), true)).toEqual([
      `nothing to do: alias live already serves version 4 with ${uri('a')}`,
    ]);
  });
});
