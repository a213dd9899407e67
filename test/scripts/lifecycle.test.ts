import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/dockerfile';
import { awsEnvironment, type RunningMoto, startMotoServer } from '../support/motoServer';
import { awsCli, type CommandResult, run } from '../support/terraform';
import { describeTier } from '../support/tiers';
import { accountLeftovers, NOTHING_LEFT } from '../support/accountLeftovers';

const MINUTES = 60_000;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const GITHUB_REPO = 'octo-org/thumbnailer';
const FAKES = join(__dirname, '..', 'support', 'fakes');

/**
 * The three scripts, end to end, against moto: real AWS CLI and Terraform, recording fakes for docker
 * and gh. moto runs with MOTO_LAMBDA_STUB_ECR=false, so the function can only be created from an image
 * that the (fake) push really put in moto's ECR.
 */
describeTier(
  ['terraform', 'moto', 'awscli'],
  'scripts: bootstrap, re-bootstrap, destroy, destroy again',
  () => {
    let moto: RunningMoto;
    let work: string;
    let env: NodeJS.ProcessEnv;

    /** A copy of what the scripts use, as a git repository of its own with one commit. */
    async function workspace(): Promise<string> {
      const root = await mkdtemp(join(tmpdir(), 'thumbnailer-scripts-'));
      for (const entry of [
        'scripts',
        'terraform',
        'src',
        'package.json',
        'Dockerfile',
        '.dockerignore',
        '.gitignore',
      ]) {
        await cp(join(REPO_ROOT, entry), join(root, entry), {
          recursive: true,
          filter: (source) => !/(\.terraform|terraform\.tfstate[^/]*|\.terraform\.lock\.hcl)$/.test(source),
        });
      }
      // As after `npm ci`: bootstrap builds and runs npm run deploy with these.
      await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
      await commitAll(root, 'initial');
      return root;
    }

    async function commitAll(root: string, message: string): Promise<void> {
      for (const args of [
        ['init', '-q'],
        ['add', '-A'],
        ['commit', '-q', '-m', message],
      ]) {
        await run('git', args, root, {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        });
      }
    }

    const script = (name: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandResult> =>
      run(join(work, 'scripts', name), args, work, { ...env, ...extraEnv });
    const aws = (...args: string[]) => awsCli(env, '--endpoint-url', moto.endpoint, ...args);
    const calls = async (tool: 'docker' | 'gh') =>
      (await readFile(env.FAKE_LOG ?? '', 'utf8')).split('\n').filter((line) => line.startsWith(`${tool} `));
    /** The fake repository's secrets, NAME -> value. */
    const secrets = async (): Promise<Record<string, string>> => {
      const stored = await readFile(env.FAKE_GH_SECRETS ?? '', 'utf8').catch(() => '');
      const entries = stored
        .split('\n')
        .filter(Boolean)
        .map((line): [string, string] => {
          const [name = '', value = ''] = line.split(/=(.*)/s);
          return [name, value];
        });
      return Object.fromEntries(entries);
    };
    /** The image S3 uploads are thumbnailed with: the one the live alias serves. */
    const functionImage = async () =>
      (
        (await aws('lambda', 'get-function', '--function-name', 'thumbnailer', '--qualifier', 'live')) as {
          Code: { ImageUri: string };
        }
      ).Code.ImageUri;

    const leftovers = () => accountLeftovers(aws);

    beforeAll(async () => {
      moto = await startMotoServer({ tls: true, env: { MOTO_LAMBDA_STUB_ECR: 'false' } });
      work = await workspace();
      const state = await mkdtemp(join(tmpdir(), 'thumbnailer-fakes-'));
      await mkdir(join(state, 'home'));
      const cliConfig = join(state, 'terraformrc');
      await writeFile(cliConfig, '');
      env = {
        PATH: `${FAKES}:${process.env.PATH ?? ''}`,
        HOME: join(state, 'home'),
        ...awsEnvironment(moto, REGION),
        TF_PLUGIN_DIR: process.env.TF_PLUGIN_DIR,
        TF_CLI_CONFIG_FILE: cliConfig,
        FAKE_LOG: join(state, 'calls.log'),
        FAKE_GH_SECRETS: join(state, 'secrets'),
        FAKE_GH_REPO: GITHUB_REPO,
      };
      await writeFile(env.FAKE_LOG ?? '', '');
    }, 2 * MINUTES);

    afterAll(async () => {
      await moto.stop();
    });

    it.each(['bootstrap.sh', 'pushImage.sh', 'destroyAll.sh'])('%s --help documents it', async (name) => {
      const result = await script(name, ['--help']);
      expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: scripts\//) });
    });

    it.each<[string, NodeJS.ProcessEnv, string[], RegExp]>([
      [
        'a missing tool, naming every one',
        { PATH: `${FAKES}:/usr/bin:/bin` },
        ['--yes'],
        /missing required tools: aws terraform/,
      ],
      [
        'missing credentials',
        { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
        ['--yes'],
        /no usable AWS credentials/,
      ],
      ['no confirmation and no terminal to ask on', {}, [], /confirmation needed.*\n.*--yes/],
    ])(
      'bootstrap stops on %s, says why, and creates nothing',
      async (_name, extraEnv, args, message) => {
        const result = await script('bootstrap.sh', args, extraEnv);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).toMatch(/next: +\S/);
        expect(await leftovers()).toEqual(NOTHING_LEFT);
      },
      3 * MINUTES,
    );

    // Bad arguments and settings are refused before any tool runs: test/scripts/refusals.test.ts.
    it(
      'bootstrap stops on a Terraform step that fails (no AWS provider in the mirror), says which, and creates nothing',
      async () => {
        const emptyMirror = await mkdtemp(join(tmpdir(), 'thumbnailer-no-providers-'));
        const result = await script('bootstrap.sh', ['--yes'], { TF_PLUGIN_DIR: emptyMirror });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/step 2\/6 \(Applying terraform\/dependencies\) failed/);
        expect(result.stderr).toMatch(/next: +read the Terraform error above/);
        expect(await leftovers()).toEqual(NOTHING_LEFT);
      },
      3 * MINUTES,
    );

    it(
      'reports the failing step of a broken bootstrap, and destroyAll then removes what it had made',
      async () => {
        const failed = await script('bootstrap.sh', ['--yes'], { FAKE_DOCKER_FAIL: '1' });
        expect(failed.code).not.toBe(0);
        expect(failed.stderr).toMatch(
          /error: step 3\/6 \(Building and pushing the image\) failed after \d+s/,
        );
        expect(failed.stderr).toMatch(/next: +check Docker is running/);
        expect((await leftovers()).buckets).toHaveLength(2);

        const destroyed = await script('destroyAll.sh', ['--yes']);
        expect(destroyed).toMatchObject({
          code: 0,
          stdout: expect.stringMatching(/Removed:\n {2}dependencies stack \(\d+ resources\)/),
        });
        expect(await leftovers()).toEqual(NOTHING_LEFT);
      },
      5 * MINUTES,
    );

    it(
      'bootstrap creates everything, deploys the pushed image and stores the GitHub secrets',
      async () => {
        await writeFile(env.FAKE_LOG ?? '', ''); // only this bootstrap's calls from here on
        const result = await script('bootstrap.sh', ['--yes']);
        expect({ code: result.code, stderr: result.stderr }).toEqual({
          code: 0,
          stderr: expect.not.stringMatching(/error/),
        });
        for (let step = 1; step <= 6; step += 1) {
          expect(result.stdout).toContain(`[${step}/6]`);
        }
        expect(result.stdout).toMatch(/done in \d+s/);
        expect(result.stdout).toMatch(/skipped: https:\/\/127\.0\.0\.1:\d+ is an emulator/);
        expect(result.stdout).toMatch(
          /aws s3 cp cat\.jpg s3:\/\/thumbnailer-uploads-123456789012-us-east-1\/cat\.jpg/,
        );

        const commit = (await run('git', ['rev-parse', 'HEAD'], work, process.env)).stdout.trim();
        const { imageDetails } = (await aws(
          'ecr',
          'describe-images',
          '--repository-name',
          'thumbnailer',
        )) as {
          imageDetails: Array<{ imageTags: string[]; imageDigest: string }>;
        };
        expect(imageDetails.map((image) => image.imageTags)).toEqual([[commit]]);
        expect(await functionImage()).toBe(
          `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@${imageDetails[0]?.imageDigest ?? ''}`,
        );
        expect((await calls('docker')).filter((call) => call.startsWith('docker buildx build'))).toEqual([
          expect.stringMatching(
            /--platform linux\/arm64 --provenance=false .*--tag \S+\/thumbnailer:[0-9a-f]{40} --push/,
          ),
        ]);
        expect(await secrets()).toEqual({
          ECR_REPOSITORY: 'thumbnailer',
          AWS_REGION: REGION,
          LAMBDA_FUNCTION_NAME: 'thumbnailer',
          AWS_DEPLOY_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/thumbnailer-github-deploy`,
        });
        expect(await calls('gh')).toContainEqual(
          `gh secret set AWS_REGION --repo ${GITHUB_REPO} --body ${REGION}`,
        );
      },
      5 * MINUTES,
    );

    it(
      'a second bootstrap changes nothing: no Terraform change, no new build, the same image',
      async () => {
        const image = await functionImage();
        const result = await script('bootstrap.sh', ['--yes']);
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
        // bootstrap names every changed resource and any drift before each stack's summary line.
        expect(result.stdout.match(/^ {4} *(# .*|Note: .*|No changes\..*|Apply complete.*)$/gm)).toEqual([
          expect.stringMatching(/^ {4}No changes\./),
          expect.stringMatching(/^ {4}No changes\./),
        ]);
        expect(result.stdout).toContain('already in the repository; not building it again');
        expect(result.stdout).toMatch(/nothing to do: alias live already serves version 1 with this image/);
        expect((await calls('docker')).filter((call) => call.startsWith('docker buildx build'))).toHaveLength(
          1,
        );
        expect(await functionImage()).toBe(image);
      },
      5 * MINUTES,
    );

    it(
      'bootstrap after a new commit builds it and deploys it to the function',
      async () => {
        await writeFile(join(work, 'scripts', 'CHANGED'), 'a new commit');
        await commitAll(work, 'change');
        const commit = (await run('git', ['rev-parse', 'HEAD'], work, process.env)).stdout.trim();

        const result = await script('bootstrap.sh', ['--yes', '--no-github']);

        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
        expect(result.stdout).toContain("updating the function's code");
        expect(result.stdout).toContain('[5/5] moving alias live from version 1 to version 2');
        const { imageDetails } = (await aws(
          'ecr',
          'describe-images',
          '--repository-name',
          'thumbnailer',
          '--image-ids',
          `imageTag=${commit}`,
        )) as {
          imageDetails: Array<{ imageDigest: string }>;
        };
        expect(await functionImage()).toBe(
          `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@${imageDetails[0]?.imageDigest ?? ''}`,
        );
      },
      5 * MINUTES,
    );

    it(
      'destroyAll removes everything, versioned uploads and images included, and the secrets',
      async () => {
        const bucket = `thumbnailer-uploads-${ACCOUNT}-${REGION}`;
        for (const version of ['1', '2']) {
          await aws(
            's3api',
            'put-object',
            '--bucket',
            bucket,
            '--key',
            'cat.jpg',
            '--body',
            join(work, 'scripts', 'assets', 'smoke-test.jpg'),
            '--metadata',
            `v=${version}`,
          );
        }
        const result = await script('destroyAll.sh', ['--yes']);

        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
        expect(result.stdout).toMatch(
          /Removed:\n {2}lambda stack \(\d+ resources\)\n {2}dependencies stack \(\d+ resources\)\n {2}secret ECR_REPOSITORY/,
        );
        expect(await leftovers()).toEqual(NOTHING_LEFT);
        expect(await secrets()).toEqual({});
      },
      5 * MINUTES,
    );

    it(
      'a second destroyAll is a clean no-op that says so',
      async () => {
        const result = await script('destroyAll.sh', ['--yes']);
        expect(result).toMatchObject({
          code: 0,
          stdout: expect.stringContaining('Nothing to remove: both stacks are empty and no secrets are set.'),
        });
        expect(await leftovers()).toEqual(NOTHING_LEFT);
      },
      3 * MINUTES,
    );
  },
);
