import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/dockerfile';
import { run } from '../support/terraform';
import { describeTier } from '../support/tiers';

const FAKES = join(__dirname, '..', 'support', 'fakes');
const REAL_TERRAFORM = (() => {
  try {
    return execFileSync('bash', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})();

/** What a refused run must never have done: anything but reading, with any tool. */
const CHANGES =
  /^(terraform (?!.*\b(output|state list|plan|version)\b)|terraform .*\b(init|apply|destroy|import)\b|docker (?!buildx version)|gh secret (set|delete)|aws (?!sts get-caller-identity|configure get|iam list-|ecr describe-))/m;

interface Refusal {
  readonly code: number;
  readonly stderr: string;
  /** Every tool call the run made, in order. */
  readonly calls: string;
  /** Files the run left in the stacks' folders (state, .terraform). */
  readonly left: string[];
}

/**
 * Runs a script in a fresh copy of scripts/ and terraform/, with every tool that could change anything
 * (aws, terraform, docker, gh) a recording fake; Terraform itself only where a case needs it.
 */
async function runScript(
  script: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; files?: Record<string, string>; realTerraform?: boolean } = {},
): Promise<Refusal> {
  const root = await mkdtemp(join(tmpdir(), 'thumbnailer-refusals-'));
  // backfill.sh builds the backfill command from the source first, as npm run backfill does (the CLI's
  // --version reads package.json into the bundle).
  const sources = script === 'backfill.sh' ? ['src', 'package.json'] : [];
  for (const entry of ['scripts', 'terraform', ...sources]) {
    await cp(join(REPO_ROOT, entry), join(root, entry), {
      recursive: true,
      filter: (source) => !/(\.terraform|terraform\.tfstate[^/]*|\.terraform\.lock\.hcl)$/.test(source),
    });
  }
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  for (const [path, text] of Object.entries(options.files ?? {})) {
    await writeFile(join(root, path), text);
  }
  const bin = join(root, 'bin');
  await mkdir(bin);
  await symlink(join(FAKES, 'recorder'), join(bin, 'aws'));
  await symlink(join(FAKES, 'recorder'), join(bin, 'terraform'));
  const log = join(root, 'calls.log');
  await writeFile(log, '');
  const result = await run(join(root, 'scripts', script), args, root, {
    PATH: `${bin}:${FAKES}:/usr/local/bin:/usr/bin:/bin`,
    HOME: root,
    FAKE_LOG: log,
    FAKE_GH_SECRETS: join(root, 'secrets'),
    FAKE_GH_REPO: 'octo-org/thumbnailer',
    AWS_REGION: 'us-east-1',
    TF_CLI_CONFIG_FILE: join(root, 'no-terraformrc'),
    RECORDER_REAL_terraform: options.realTerraform ? REAL_TERRAFORM : '',
    ...options.env,
  });
  const left = (await readdir(join(root, 'terraform'), { recursive: true })).filter((path) =>
    /tfstate|\.terraform/.test(path),
  );
  const calls = await readFile(log, 'utf8');
  await rm(root, { recursive: true, force: true });
  return { code: result.code, stderr: result.stderr, calls, left };
}

/** Refused with exit code 2 and one message (one error, one hint), having changed nothing. */
function expectRefused(refusal: Refusal, message: RegExp): void {
  expect({ code: refusal.code, stderr: refusal.stderr }).toEqual({
    code: 2,
    stderr: expect.stringMatching(message),
  });
  expect(refusal.stderr.match(/^error: /gm)).toHaveLength(1);
  expect(refusal.stderr.match(/^next: /gm)).toHaveLength(1);
  expect(refusal.calls).not.toMatch(CHANGES);
  expect(refusal.left).toEqual([]);
}

describe('the scripts refuse bad arguments before running any tool', () => {
  it.each<[string, string[], RegExp]>([
    [
      'bootstrap.sh',
      ['--architecture', 'sparc'],
      /the architecture must be arm64 or x86_64, not sparc \(from --architecture\)/,
    ],
    ['bootstrap.sh', ['--architecture=sparc'], /the architecture must be arm64 or x86_64, not sparc/],
    ['bootstrap.sh', ['--architecture'], /--architecture needs a value/],
    ['bootstrap.sh', ['--architecture', '--yes'], /--architecture needs a value/],
    ['bootstrap.sh', ['--github-repo='], /--github-repo needs a value/],
    ['bootstrap.sh', ['--github-repo', 'not a repo'], /must look like owner\/name, not not\\ a\\ repo/],
    ['bootstrap.sh', ['--github-repo', 'o/n', '--no-github'], /--github-repo and --no-github contradict/],
    ['bootstrap.sh', ['--yes', '--yes'], /--yes is given more than once/],
    ['bootstrap.sh', ['--delivery', '--delivery'], /--delivery is given more than once/],
    ['bootstrap.sh', ['--delivery=yes'], /unknown option: --delivery=yes/],
    ['bootstrap.sh', ['--colour', 'red'], /unknown option: --colour/],
    ['bootstrap.sh', ['--yes=no'], /unknown option: --yes=no/],
    ['bootstrap.sh', ['now'], /unexpected argument: now/],
    ['bootstrap.sh', ['--architecture', 'arm64\nx'], /not \$'arm64\\nx' /],
    ['pushImage.sh', ['--architecture', 'sparc'], /the architecture must be arm64 or x86_64/],
    ['pushImage.sh', ['--tag', 'bad tag'], /an image tag is 1 to 128 letters/],
    ['pushImage.sh', ['--tag', '-x'], /--tag needs a value/],
    ['pushImage.sh', ['--repository-url', 'example.com/x'], /must be an ECR repository/],
    ['pushImage.sh', ['--push'], /unknown option: --push/],
    ['destroyAll.sh', ['--github-repo', 'x'], /must look like owner\/name/],
    ['destroyAll.sh', ['--no-github', '--github-repo', 'o/n'], /contradict/],
    ['destroyAll.sh', ['--yes', 'everything'], /unexpected argument: everything/],
  ])('%s %j', async (script, args, message) => {
    const refusal = await runScript(script, args);
    expectRefused(refusal, message);
    expect(refusal.calls).toBe(''); // not one tool was run
  });
});

describe('the scripts refuse bad settings and missing tools before changing anything', () => {
  const noRegion = { AWS_REGION: '', AWS_DEFAULT_REGION: '' };
  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    [
      'bootstrap.sh',
      ['--yes'],
      { AWS_REGION: 'mars-north-9' },
      /mars-north-9 \(from AWS_REGION\) is not an AWS region/,
    ],
    ['bootstrap.sh', ['--yes'], { ...noRegion, AWS_DEFAULT_REGION: 'us_east_1' }, /from AWS_DEFAULT_REGION/],
    ['bootstrap.sh', ['--yes'], { AWS_ENDPOINT_URL: 'localhost:5000' }, /AWS_ENDPOINT_URL must be an http/],
    ['bootstrap.sh', ['--yes'], { AWS_CA_BUNDLE: '/nowhere.pem' }, /AWS_CA_BUNDLE names no readable file/],
    ['bootstrap.sh', ['--yes'], { TF_PLUGIN_DIR: '/nowhere' }, /TF_PLUGIN_DIR names no folder/],
    ['bootstrap.sh', ['--yes'], { FAKE_ACCOUNT: 'denied' }, /no usable AWS credentials/],
    [
      'bootstrap.sh',
      ['--yes'],
      { PATH: `${FAKES}:/usr/bin:/bin` },
      /missing required tools: aws terraform$/m,
    ],
    ['bootstrap.sh', [], {}, /confirmation needed, and there is no terminal/],
    [
      'pushImage.sh',
      ['--repository-url', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/t'],
      {},
      /is in eu-west-1, but the region in use is us-east-1/,
    ],
    ['pushImage.sh', [], { AWS_REGION: 'EU' }, /EU \(from AWS_REGION\) is not an AWS region/],
    ['destroyAll.sh', ['--yes'], { AWS_REGION: 'nowhere' }, /is not an AWS region/],
    [
      'destroyAll.sh',
      ['--yes'],
      { PATH: `${FAKES}:/usr/bin:/bin` },
      /missing required tools: aws terraform$/m,
    ],
  ])('%s %j with %j', async (script, args, env, message) => {
    expectRefused(await runScript(script, args, { env, realTerraform: true }), message);
  });
});

/**
 * Terraform checks a stack's variables only when it plans that stack: bootstrap.sh used to apply the
 * dependencies stack (19 resources) before the lambda stack refused its architecture.
 */
describeTier('terraform', 'the scripts refuse what either stack would refuse, before applying either', () => {
  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, RegExp]>([
    [
      'bootstrap.sh',
      { 'terraform/lambda/terraform.tfvars': 'memory_size = 100\n' },
      {},
      /terraform\/lambda would refuse these settings:\n {2}terraform\/lambda\/terraform\.tfvars: var\.memory_size is 100: memory_size must be a whole number of MB from 256 to 10240\./,
    ],
    [
      'bootstrap.sh',
      { 'terraform/lambda/x.auto.tfvars': 'thumbnail = { format = "gif" }\n' },
      {},
      /thumbnail\.format must be jpeg, webp or avif/,
    ],
    ['bootstrap.sh', {}, { TF_VAR_log_level: 'LOUD' }, /var\.log_level is "LOUD": log_level must be DEBUG/],
    [
      'bootstrap.sh',
      { 'terraform/shared.tfvars': 'project_name = "My Project"\naws_region = "us-east-1"\n' },
      {},
      /terraform\/dependencies would refuse these settings:\n {2}terraform\/shared\.tfvars: var\.project_name is "My Project": project_name must be 3 to 32 characters/,
    ],
    [
      'destroyAll.sh',
      { 'terraform/dependencies/terraform.tfvars': 'ecr_keep_images = 0\n' },
      {},
      /ecr_keep_images must be a whole number from 1 to 1000/,
    ],
  ])('%s with %j %j', async (script, files, env, message) => {
    expectRefused(
      await runScript(script, ['--yes', '--no-github'], { files, env, realTerraform: true }),
      message,
    );
  });
});

describe('scripts/backfill.sh checks every flag with the command itself, before any tool runs', () => {
  it.each<[string[], RegExp]>([
    [['--bukcet', 'photos'], /unknown option --bukcet \(did you mean --bucket\?\)/],
    [['--max-objcts', '5'], /did you mean --max-objects\?/],
    [['--max-objects', '0'], /--max-objects: must be a whole number from 1/],
    [['--created-before', '2024-13-45'], /--created-before: must be an ISO 8601 date/],
    [['--csv', 'list.csv', '--prefix', 'a/'], /a manifest given with --inventory or --csv is run whole/],
    [['--endpoint', 'http://127.0.0.1:9', '--yes'], /--yes: only for a Batch Operations job in AWS/],
  ])('%j', async (args, message) => {
    const refusal = await runScript('backfill.sh', args);
    expectRefused(refusal, message);
    expect(refusal.calls).toBe('');
  });

  it('refuses when the lambda stack has no outputs to run the job with, having only read them', async () => {
    const refusal = await runScript('backfill.sh', ['--dry-run']);
    expectRefused(refusal, /the lambda stack has no function_name or backfill_role_arn output/);
    expect(refusal.calls).toMatch(/^(terraform -chdir=\S+ output -no-color -raw \w+\n)+$/);
  });
});
