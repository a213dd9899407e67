import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnvironment, useDeployWorld } from '../../support/deployStack';
import { REPO_ROOT } from '../../support/dockerfile';
import { run } from '../../support/terraform';
import { describeTier } from '../../support/tiers';

const DEPLOY_MAIN = join(REPO_ROOT, 'dist', 'deploy', 'main.js');

/** The built `npm run deploy` (dist/deploy/main.js) against moto: output, exit codes, the job summary. */
describeTier(['moto', 'awscli'], 'the npm run deploy command', () => {
  const world = useDeployWorld();

  /** Runs the command as the workflow does, with GITHUB_STEP_SUMMARY set to a fresh file. */
  async function command(...args: string[]) {
    return commandWithSummary(
      join(await mkdtemp(join(tmpdir(), 'thumbnailer-deploy-')), 'summary.md'),
      ...args,
    );
  }
  async function commandWithSummary(summary: string, ...args: string[]) {
    const env = { ...cliEnvironment(world().moto), GITHUB_SHA: 'c0ffee', GITHUB_STEP_SUMMARY: summary };
    const result = await run(process.execPath, [DEPLOY_MAIN, ...args], REPO_ROOT, env);
    return { ...result, summary: await readFile(summary, 'utf8').catch(() => '') };
  }

  it('deploys, prints each step, exits 0 and appends a job summary', async () => {
    const stack = await world().stack();
    const second = await stack.image('second');

    const result = await command(
      '--function',
      stack.functionName,
      '--image-uri',
      second,
      '--skip-smoke-test',
    );

    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /\[4\/5\] smoke test skipped \(--skip-smoke-test\)\n\[5\/5\] moving alias live from version 1 to version 2\n/,
    );
    for (const row of [
      '| commit | `c0ffee` |',
      '| version | 2 |',
      '| previous version | 1 |',
      '| smoke test | skipped |',
    ]) {
      expect(result.summary).toContain(row);
    }
    expect(await stack.alias('live')).toEqual({ version: '2', image: second });
  });

  it('rolls back in one command, and the same command again undoes it', async () => {
    const stack = await world().stack();
    await command(
      '--function',
      stack.functionName,
      '--image-uri',
      await stack.image('second'),
      '--skip-smoke-test',
    );

    const first = await command('--function', stack.functionName, '--rollback');
    const second = await command('--function', stack.functionName, '--rollback');

    expect([first.code, first.stderr, second.code, second.stderr]).toEqual([0, '', 0, '']);
    expect(first.stdout).toContain('alias live now serves version 1; alias previous holds version 2');
    expect(first.summary).toContain('| result | rolled-back |');
    expect(await stack.snapshot()).toMatchObject({ live: { version: '2' }, previous: { version: '1' } });
  });

  it('exits 1 saying what failed and what to do, and records the failure in the summary', async () => {
    const stack = await world().stack();
    const missing = stack.firstImage.replace(/sha256:.*/, `sha256:${'9'.repeat(64)}`);

    const result = await command('--function', stack.functionName, '--image-uri', missing);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^deploy failed: looking up \S+: not found .*\nnext: push it first: scripts\/pushImage\.sh/s,
    );
    expect(result.summary).toMatch(/\| result \| \*\*failed\*\*: looking up /);
    expect(result.summary).toContain('A failed deploy leaves alias live where it was');
  });

  it('a job summary it cannot write is said on stderr, and does not fail the deploy', async () => {
    const stack = await world().stack();
    const second = await stack.image('second');

    const result = await commandWithSummary(
      '/nonexistent/summary.md',
      '--function',
      stack.functionName,
      '--image-uri',
      second,
      '--skip-smoke-test',
    );

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /^deploy: could not append the job summary to \/nonexistent\/summary\.md: ENOENT/,
    );
    expect(await stack.alias('live')).toMatchObject({ version: '2' });
  });

  it.each([
    [['--function', 'thumbnailer'], '--image-uri is required'],
    [['--function', 'thumbnailer', '--rollback', '--to-version', 'latest'], '--to-version: must be'],
    [['--function', 'thumbnailer', '--image-uri', 'nginx:latest'], '--image-uri: must be an ECR image'],
  ])('exits 2 for bad usage: %j', async (args, message) => {
    const result = await command(...args);
    expect(result).toMatchObject({ code: 2, stdout: '', summary: '' });
    expect(result.stderr).toMatch(/^deploy: .+\nnext: npm run deploy -- --help\n$/);
    expect(result.stderr).toContain(message);
  });

  it('prints its usage for --help and exits 0', async () => {
    const result = await command('--help');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: npm run deploy -- --function <name> --image-uri/);
  });
});
