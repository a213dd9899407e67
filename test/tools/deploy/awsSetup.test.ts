import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/dockerfile';

const DEPLOY = join(REPO_ROOT, 'dist', 'deploy', 'main.js');

/** Runs the built deploy command in an environment of exactly `env` (and a home with no AWS config). */
function deployWith(env: Record<string, string>, home: string) {
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [DEPLOY, '--function', 'thumbnailer', '--rollback'],
      { env: { PATH: process.env.PATH ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...env } },
      (error, _stdout, stderr) => {
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr });
      },
    );
  });
}

/**
 * Without a region the deploy said "deploy failed: Region is missing", exit 1, and nothing to do: a
 * missing region or missing credentials is the operator's setup, so usage (exit 2) with what to set.
 */
describe('npm run deploy without an AWS setup', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'deploy-home-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('says no region is set, and how to set one', async () => {
    expect(await deployWith({}, home)).toEqual({
      code: 2,
      stderr: expect.stringMatching(/^deploy: no AWS region is set\nnext: set AWS_REGION/),
    });
  });

  it('says no credentials were found, and where they come from', async () => {
    expect(await deployWith({ AWS_REGION: 'eu-west-1' }, home)).toEqual({
      code: 2,
      stderr: expect.stringMatching(/^deploy: no AWS credentials were found .*\nnext: set AWS_PROFILE/),
    });
  });
});
