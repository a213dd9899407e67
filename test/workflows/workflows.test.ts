import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/dockerfile';
import { run } from '../support/terraform';

const WORKFLOWS = join(REPO_ROOT, '.github', 'workflows');
const lint = (...files: string[]) =>
  run(process.execPath, [join(REPO_ROOT, 'scripts', 'lintWorkflows.mjs'), ...files], REPO_ROOT, process.env);

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, string>;
}
interface Job {
  readonly uses?: string;
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string>;
  readonly steps?: Step[];
}
interface Workflow {
  readonly on: Record<string, { paths?: string[]; 'paths-ignore'?: string[]; branches?: string[] } | null>;
  readonly permissions: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly jobs: Record<string, Job>;
}

const workflow = async (name: string) => parse(await readFile(join(WORKFLOWS, name), 'utf8')) as Workflow;

describe('the GitHub Actions workflows', () => {
  it('pass actionlint and have every action pinned to a commit SHA', async () => {
    const result = await lint();
    expect({ code: result.code, problems: result.stderr }).toEqual({ code: 0, problems: '' });
    expect(result.stdout).toContain('2 workflow(s) checked, 0 problem(s)');
  });

  it('the linter catches a broken workflow and an unpinned action', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-workflows-'));
    const broken = join(directory, 'broken.yml');
    await writeFile(
      broken,
      [
        'on: push',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    needs: missing-job',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - run: echo "${{ secrets.TOKEN }}"',
        "        if: secrets.TOKEN != ''",
        '',
      ].join('\n'),
    );

    const result = await lint(broken);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /broken\.yml:\d+:\d+: job "build" needs job "missing-job" which does not exist/,
    );
    expect(result.stderr).toMatch(/broken\.yml:9:\d+: context "secrets" is not allowed here/);
    expect(result.stderr).toMatch(/"actions\/checkout@v4" must be pinned to a full commit SHA/);
  });

  it('deploy runs CI first, one deploy at a time, with an OIDC token and read-only contents', async () => {
    const deploy = await workflow('deploy.yml');
    expect(deploy.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(deploy.concurrency).toMatchObject({ 'cancel-in-progress': false });
    expect(deploy.jobs.ci?.uses).toBe('./.github/workflows/ci.yml');
    expect(deploy.jobs.deploy?.needs).toBe('ci');
    const steps = deploy.jobs.deploy?.steps ?? [];
    const credentials = steps.filter((step) =>
      step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
    );
    expect(credentials.map((step) => [step.if, Object.keys(step.with ?? {}).sort()])).toEqual([
      ["env.DEPLOY_ROLE_ARN != ''", ['aws-region', 'role-session-name', 'role-to-assume']],
      ["env.DEPLOY_ROLE_ARN == ''", ['aws-access-key-id', 'aws-region', 'aws-secret-access-key']],
    ]);
    const runs = steps.map((step) => step.run ?? '').join('\n');
    expect(runs).toMatch(
      /scripts\/pushImage\.sh [^\n]*--tag "\$GITHUB_SHA"[\s\S]*npm run deploy -- --function "\$LAMBDA_FUNCTION_NAME" --image-uri "\$IMAGE_URI"$/,
    );
    // The promise of continuous deployment: a version that fails its smoke test never gets traffic.
    expect(runs).not.toContain('--skip-smoke-test');
  });

  it('deploys on exactly the paths that CI leaves to it, so that every push to main is tested once', async () => {
    const deploy = await workflow('deploy.yml');
    const ci = await workflow('ci.yml');
    expect(deploy.on.push?.paths).toEqual([
      'src/**',
      'Dockerfile',
      'package.json',
      'package-lock.json',
      '.github/workflows/deploy.yml',
    ]);
    expect(ci.on.push?.['paths-ignore']).toEqual(deploy.on.push?.paths);
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['pull_request', 'push', 'workflow_call']));
  });

  it('CI runs what .ci/run runs, builds the image for both architectures and runs the container test', async () => {
    const ci = await workflow('ci.yml');
    const runs = (job: string) =>
      (ci.jobs[job]?.steps ?? []).map((step) => step.run ?? step.uses ?? '').join('\n');
    expect(ci.permissions).toEqual({ contents: 'read' });
    expect(runs('checks')).toMatch(/pip install "moto\[server\]==/);
    expect(runs('checks')).toMatch(/hashicorp\/setup-terraform@/);
    expect(runs('checks')).toContain('terraform fmt -check -recursive');
    expect(runs('checks')).toContain('bash .ci/run');
    expect(runs('image')).toContain('docker buildx build --platform "${{ matrix.platform }}"');
    expect(runs('container')).toContain('npx jest test/lambda/container.test.ts');
  });
});
