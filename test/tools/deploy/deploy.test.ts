import { deploy } from '../../../src/tools/deploy/deploy';
import { DeployError } from '../../../src/tools/deploy/deployError';
import { SmokeTestFailedError } from '../../../src/tools/deploy/smokeCheck';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { getObject, listKeys, putObject } from '../../support/bucketContents';
import { ACCOUNT, REGION, useDeployWorld } from '../../support/deployStack';
import { describeTier } from '../../support/tiers';

const CANARY_KEY = 'thumbnailer-canary/canary.jpg';
const MISSING_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@sha256:${'0'.repeat(64)}`;

/**
 * deploy() against moto's Lambda, ECR and S3, each test on a function of its own. moto cannot run a
 * container image, so the smoke test's invocation runs the real handler in-process with the version's
 * configuration (inProcessInvoker); everything else (code updates, versions, aliases, the canary, the
 * thumbnail) is moto's.
 */
describeTier(['moto', 'awscli'], 'deploy against moto', () => {
  const world = useDeployWorld();

  it('--dry-run prints the plan and changes nothing', async () => {
    const stack = await world().stack();
    const second = await stack.image('second');
    const before = await stack.snapshot();

    const outcome = await deploy(stack.deps(), stack.deployArgs(second, { dryRun: true }));

    expect(outcome).toMatchObject({ status: 'planned', version: undefined });
    expect(stack.lines.slice(3)).toEqual([
      'dry run: would',
      '  - why: version 1 runs another image',
      `  - update the function's code to ${second} and wait for it`,
      '  - publish a version',
      '  - smoke-test that version with the canary image',
      '  - point alias previous at version 1, then move alias live from it to the new version',
    ]);
    expect(await stack.snapshot()).toEqual(before);
    expect(stack.invoker.calls).toEqual([]);
  });

  it('deploys a new image: code, version, smoke test of that version, then previous and live', async () => {
    const stack = await world().stack();
    const second = await stack.image('second');

    const outcome = await deploy(stack.deps(), stack.deployArgs(second));

    expect(outcome).toMatchObject({ status: 'deployed', version: '2', previousVersion: '1' });
    expect(await stack.snapshot()).toMatchObject({
      live: { version: '2', image: second },
      previous: { version: '1', image: stack.firstImage },
    });
    // The smoke test invoked version 2 itself, never an alias, with an event for the canary.
    expect(stack.invoker.calls.map((call) => call.qualifier)).toEqual(['2']);
    expect(await listKeys(world().s3, stack.uploads)).toEqual(['thumbnailer-canary/canary.jpg']);
    const thumbnail = await getObject(world().s3, stack.thumbnails, 'thumbnailer-canary/canary.jpg.jpg');
    expect(thumbnail?.body.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(stack.lines).toEqual([
      expect.stringMatching(/^\[1\/5\] checking /),
      expect.stringMatching(/image pushed .*; the function runs on arm64/),
      expect.stringMatching(/alias live: version 1 \(sha256:[0-9a-f]{12}\); alias previous: version 1$/),
      "[2/5] updating the function's code",
      '[3/5] publishing a version',
      '      version 2',
      '[4/5] smoke test: invoking version 2 with the canary',
      expect.stringMatching(
        /made s3:\/\/thumbnails-s\d+\/thumbnailer-canary\/canary\.jpg\.jpg \(\d+x\d+, \d+ bytes\) in \d+ ms from s3:\/\/uploads-s\d+\/thumbnailer-canary\/canary\.jpg \(canary uploaded\)/,
      ),
      '[5/5] moving alias live from version 1 to version 2',
      '      alias previous: version 1 (npm run deploy -- --rollback goes back to it)',
    ]);
  });

  it('deploying the image live already serves does nothing: no version, no invocation', async () => {
    const stack = await world().stack();
    const before = await stack.snapshot();

    const outcome = await deploy(stack.deps(), stack.deployArgs(stack.firstImage));

    expect(outcome).toMatchObject({ status: 'up-to-date', version: '1' });
    expect(stack.lines.at(-1)).toBe('nothing to do: alias live already serves version 1 with this image');
    expect(await stack.snapshot()).toEqual(before);
    expect(stack.invoker.calls).toEqual([]);
  });

  it('publishes (and smoke-tests) a configuration change that terraform apply made to $LATEST', async () => {
    const stack = await world().stack();
    await stack.setEnvironment({ THUMBNAIL_QUALITY: '70' });

    const outcome = await deploy(stack.deps(), stack.deployArgs(stack.firstImage));

    expect(outcome).toMatchObject({ status: 'deployed', version: '2', previousVersion: '1' });
    expect(stack.lines).toContainEqual('[2/5] $LATEST already runs this image; keeping it');
    expect(stack.invoker.calls.map((call) => call.qualifier)).toEqual(['2']);
    expect(await stack.alias('live')).toEqual({ version: '2', image: stack.firstImage });
  });

  it('a build that fails its smoke test never gets traffic, and rollback still knows where back is', async () => {
    const stack = await world().stack();
    const second = await stack.image('second');
    const broken = await stack.image('broken', { broken: true });
    await deploy(stack.deps(), stack.deployArgs(second));

    const failure = deploy(stack.deps(), stack.deployArgs(broken));

    await expect(failure).rejects.toThrow(SmokeTestFailedError);
    await expect(failure).rejects.toThrow(
      /version 3 failed the smoke test: the function threw \(Unhandled\) Runtime\.ImportModuleError: .*Cannot find module 'index'\nlast log lines:\n {2}INIT_REPORT/s,
    );
    expect(await stack.snapshot()).toMatchObject({
      live: { version: '2', image: second },
      previous: { version: '1' },
      latest: broken,
    });
    expect(stack.lines.at(-1)).toBe('[4/5] smoke test: invoking version 3 with the canary');
  });

  it('a configuration the handler cannot work with fails the smoke test too', async () => {
    const stack = await world().stack();
    await stack.setEnvironment({ THUMBNAIL_BUCKET: 'no-such-bucket' });

    const failure = deploy(stack.deps(), stack.deployArgs(stack.firstImage));

    await expect(failure).rejects.toThrow(
      /version 2 failed the smoke test: the function threw \(Unhandled\) TransientFailureError: 1 record\(s\) failed transiently/,
    );
    expect(await stack.alias('live')).toMatchObject({ version: '1' });
  });

  it('recovers from a failed deploy: the next good image goes live, the canary is reused', async () => {
    const stack = await world().stack();
    const [second, broken, third] = [
      await stack.image('second'),
      await stack.image('broken', { broken: true }),
      await stack.image('third'),
    ];
    await deploy(stack.deps(), stack.deployArgs(second));
    await expect(deploy(stack.deps(), stack.deployArgs(broken))).rejects.toThrow(SmokeTestFailedError);
    stack.lines.length = 0;

    const outcome = await deploy(stack.deps(), stack.deployArgs(third));

    expect(outcome).toMatchObject({ status: 'deployed', version: '4', previousVersion: '2' });
    // previous names the version live left, never the one that failed its smoke test.
    expect(await stack.snapshot()).toMatchObject({ live: { version: '4' }, previous: { version: '2' } });
    expect(stack.lines.join('\n')).not.toContain('canary uploaded');
  });

  it('a damaged canary fails the smoke test and says how to mend it; a fresh one is uploaded then', async () => {
    const stack = await world().stack();
    const second = await stack.image('second');
    await putObject(world().s3, stack.uploads, CANARY_KEY, Buffer.from('not an image'));

    await expect(deploy(stack.deps(), stack.deployArgs(second))).rejects.toMatchObject({
      message: expect.stringMatching(/^version 2 failed the smoke test: the canary was rejected \(\S+\)/),
      hint: expect.stringContaining('delete it from the source bucket'),
    });
    expect(await stack.alias('live')).toMatchObject({ version: '1' });

    await world().s3.send(new DeleteObjectCommand({ Bucket: stack.uploads, Key: CANARY_KEY }));
    await expect(deploy(stack.deps(), stack.deployArgs(second))).resolves.toMatchObject({ version: '2' });
    expect(stack.lines.join('\n')).toContain('(canary uploaded)');
  });

  it('refuses an image the registry does not hold, before changing anything', async () => {
    const stack = await world().stack();
    const before = await stack.snapshot();

    const failure = deploy(stack.deps(), stack.deployArgs(MISSING_IMAGE));

    await expect(failure).rejects.toThrow(DeployError);
    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(/^looking up \S+@sha256:0+: not found \(.*does not exist/),
      hint: expect.stringContaining('scripts/pushImage.sh'),
    });
    expect(await stack.snapshot()).toEqual(before);
  });

  it('says so when the function does not exist', async () => {
    const stack = await world().stack();
    const args = stack.deployArgs(stack.firstImage, { functionName: 'not-deployed' });

    await expect(deploy(stack.deps(), args)).rejects.toMatchObject({
      message: expect.stringMatching(/^reading function not-deployed: not found/),
      hint: expect.stringContaining('scripts/bootstrap.sh'),
    });
  });
});
