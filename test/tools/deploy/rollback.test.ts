import { DeleteAliasCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { deploy } from '../../../src/tools/deploy/deploy';
import { rollback } from '../../../src/tools/deploy/rollback';
import { type DeployStack, useDeployWorld } from '../../support/deployStack';
import { describeTier } from '../../support/tiers';

/** rollback() against moto's Lambda, each test on a function of its own with a history it makes itself. */
describeTier(['moto', 'awscli'], 'rollback against moto', () => {
  const world = useDeployWorld();

  /** A stack whose live alias has moved twice: version 1 (first image), 2 (second), 3 (third). */
  async function deployedTwice(): Promise<DeployStack> {
    const stack = await world().stack();
    for (const tag of ['second', 'third']) {
      await deploy(stack.deps(), stack.deployArgs(await stack.image(tag)));
    }
    expect(await stack.snapshot()).toMatchObject({ live: { version: '3' }, previous: { version: '2' } });
    stack.lines.length = 0;
    return stack;
  }

  it('moves live back to the version previous holds, and a second rollback undoes the first', async () => {
    const stack = await deployedTwice();

    const first = await rollback(stack.rollbackDeps(), stack.rollbackArgs());
    expect(first).toMatchObject({ status: 'rolled-back', version: '2', previousVersion: '3' });
    expect(await stack.snapshot()).toMatchObject({ live: { version: '2' }, previous: { version: '3' } });

    const second = await rollback(stack.rollbackDeps(), stack.rollbackArgs());
    expect(second).toMatchObject({ status: 'rolled-back', version: '3', previousVersion: '2' });
    expect(await stack.snapshot()).toMatchObject({ live: { version: '3' }, previous: { version: '2' } });
    expect(stack.lines.at(-1)).toBe(
      'alias live now serves version 3; alias previous holds version 2 (--rollback again undoes this)',
    );
  });

  it('--to-version goes to that version, and previous keeps the one live left', async () => {
    const stack = await deployedTwice();

    const outcome = await rollback(stack.rollbackDeps(), stack.rollbackArgs({ toVersion: '1' }));

    expect(outcome).toMatchObject({ status: 'rolled-back', version: '1', previousVersion: '3' });
    expect(await stack.snapshot()).toMatchObject({
      live: { version: '1', image: stack.firstImage },
      previous: { version: '3' },
    });
  });

  it('--dry-run says where it would go and moves nothing; --to-version the live one does nothing', async () => {
    const stack = await deployedTwice();
    const before = await stack.snapshot();

    const planned = await rollback(stack.rollbackDeps(), stack.rollbackArgs({ dryRun: true }));
    const same = await rollback(stack.rollbackDeps(), stack.rollbackArgs({ toVersion: '3' }));

    expect(planned).toMatchObject({ status: 'planned', version: '2', previousVersion: '3' });
    expect(same).toMatchObject({ status: 'up-to-date', version: '3' });
    expect(stack.lines).toEqual([
      expect.stringMatching(/^alias live: version 3 \(sha256:\w{12}\) -> version 2 \(sha256:\w{12}\)$/),
      'dry run: no alias was moved',
      expect.stringMatching(/^alias live: version 3 .* -> version 3 /),
      'nothing to do: alias live already serves version 3',
    ]);
    expect(await stack.snapshot()).toEqual(before);
  });

  it('refuses a version that does not exist, moving nothing', async () => {
    const stack = await deployedTwice();
    const before = await stack.snapshot();

    await expect(
      rollback(stack.rollbackDeps(), stack.rollbackArgs({ toVersion: '99' })),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/^reading function thumbnailer-s\d+:99: not found/),
      hint: expect.stringContaining('aws lambda list-versions-by-function'),
    });
    expect(await stack.snapshot()).toEqual(before);
  });

  it('on a stack that was never deployed, says there is nothing to go back to', async () => {
    const stack = await world().stack();

    await expect(rollback(stack.rollbackDeps(), stack.rollbackArgs())).rejects.toMatchObject({
      message:
        'alias previous points to version 1, the one live serves: there is no earlier version to go back to',
      hint: expect.stringContaining('--to-version'),
    });
  });

  it('asks for terraform/lambda when the previous alias is missing (a stack from before it)', async () => {
    const stack = await world().stack();
    await world().lambda.send(new DeleteAliasCommand({ FunctionName: stack.functionName, Name: 'previous' }));

    await expect(rollback(stack.rollbackDeps(), stack.rollbackArgs())).rejects.toMatchObject({
      message: expect.stringMatching(/^reading alias thumbnailer-s\d+:previous: not found/),
      hint: expect.stringContaining('apply terraform/lambda'),
    });
    await expect(deploy(stack.deps(), stack.deployArgs(await stack.image('second')))).rejects.toThrow(
      /reading alias .*:previous: not found/,
    );
    expect(await stack.alias('live')).toMatchObject({ version: '1' });
  });

  it('refuses to move an alias that splits traffic between two versions, rather than keep the split', async () => {
    const stack = await deployedTwice();
    await world().lambda.send(
      new UpdateAliasCommand({
        FunctionName: stack.functionName,
        Name: 'live',
        RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } },
      }),
    );

    await expect(rollback(stack.rollbackDeps(), stack.rollbackArgs())).rejects.toMatchObject({
      message: expect.stringMatching(/^alias thumbnailer-s\d+:live splits traffic between versions/),
      hint: expect.stringContaining("--routing-config '{}'"),
    });
  });

  it('live moved by hand to $LATEST: rollback takes it off, and previous never records $LATEST', async () => {
    const stack = await world().stack();
    await deploy(stack.deps(), stack.deployArgs(await stack.image('second')));
    const byHand = { FunctionName: stack.functionName, Name: 'live', FunctionVersion: '$LATEST' };
    await world().lambda.send(new UpdateAliasCommand(byHand));

    await rollback(stack.rollbackDeps(), stack.rollbackArgs());
    expect(await stack.snapshot()).toMatchObject({ live: { version: '1' }, previous: { version: '1' } });

    await world().lambda.send(new UpdateAliasCommand(byHand));
    await deploy(stack.deps(), stack.deployArgs(await stack.image('third')));
    expect(await stack.snapshot()).toMatchObject({ live: { version: '3' }, previous: { version: '1' } });
  });
});
