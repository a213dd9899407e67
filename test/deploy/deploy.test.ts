import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { deploy, type DeployDependencies } from '../../src/deploy/deploy';
import type { DeployArguments, RollbackArguments } from '../../src/deploy/deployArguments';
import { DeployError } from '../../src/deploy/deployError';
import { parseImageUri } from '../../src/deploy/imageUri';
import { rollback } from '../../src/deploy/rollback';
import { SmokeTestFailedError } from '../../src/deploy/smokeCheck';
import { getObject, listKeys } from '../support/bucketContents';
import { REPO_ROOT } from '../support/dockerfile';
import { inProcessInvoker } from '../support/inProcessInvoker';
import { type RunningMoto, startMotoServer } from '../support/motoServer';
import { s3ClientFor } from '../support/s3Client';
import { awsCli, run } from '../support/terraform';
import { describeTier } from '../support/tiers';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const FUNCTION = 'thumbnailer';
const UPLOADS = 'uploads';
const THUMBNAILS = 'thumbnails';
const CANARY = join(REPO_ROOT, 'scripts', 'assets', 'smoke-test.jpg');
const DEPLOY_MAIN = join(REPO_ROOT, 'dist', 'deploy', 'main.js');

/**
 * npm run deploy against moto's Lambda, ECR and S3. moto cannot run a container image, so the smoke
 * test's invocation runs the real handler in-process with the version's configuration (inProcessInvoker);
 * everything else (code updates, versions, aliases, the canary, the thumbnail) is moto's.
 */
describeTier(['moto', 'awscli'], 'npm run deploy against moto', () => {
  let moto: RunningMoto;
  let lambda: LambdaClient;
  let ecr: ECRClient;
  let s3: S3Client;
  const images: Record<string, string> = {};
  const broken = new Set<string>();
  let lines: string[];
  let invoker: ReturnType<typeof inProcessInvoker>;

  const clientConfig = () => ({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

  /** An image in moto's ECR; a tag of its own gives it a digest of its own. */
  async function pushImage(tag: string): Promise<string> {
    const layer = `sha256:${Buffer.from(tag.padEnd(32, '.')).toString('hex').slice(0, 64)}`;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1024, digest: layer },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 4096, digest: layer }],
    });
    const { image } = await ecr.send(
      new PutImageCommand({ repositoryName: 'thumbnailer', imageTag: tag, imageManifest: manifest }),
    );
    return `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@${image?.imageId?.imageDigest ?? ''}`;
  }

  const deps = (): DeployDependencies => ({
    lambda,
    ecr,
    s3,
    invoke: invoker.invoke,
    readCanaryImage: () => readFile(CANARY),
    report: (line) => lines.push(line),
    maxWaitSeconds: 30,
  });

  const deployArgs = (image: string, extra: Partial<DeployArguments> = {}): DeployArguments => {
    const parsed = parseImageUri(image);
    if (!parsed) {
      throw new Error(`not an image URI: ${image}`);
    }
    return {
      action: 'deploy',
      functionName: FUNCTION,
      alias: 'live',
      dryRun: false,
      image: parsed,
      smokeTest: true,
      canaryFile: CANARY,
      ...extra,
    };
  };
  const rollbackArgs = (extra: Partial<RollbackArguments> = {}): RollbackArguments => ({
    action: 'rollback',
    functionName: FUNCTION,
    alias: 'live',
    dryRun: false,
    ...extra,
  });

  async function live() {
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: FUNCTION, Name: 'live' }));
    const version = await lambda.send(
      new GetFunctionCommand({ FunctionName: FUNCTION, Qualifier: alias.FunctionVersion }),
    );
    return { version: alias.FunctionVersion, image: version.Code?.ImageUri, description: alias.Description };
  }
  const latestImage = async () =>
    (await lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION }))).Code?.ImageUri;
  const versions = async () =>
    ((await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FUNCTION }))).Versions ?? []).map(
      (version) => version.Version,
    );
  const setEnvironment = async (variables: Record<string, string>) => {
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: FUNCTION,
        Environment: { Variables: variables },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: FUNCTION });
  };
  const ENVIRONMENT = { THUMBNAIL_BUCKET: THUMBNAILS, SOURCE_BUCKET: UPLOADS };

  beforeAll(async () => {
    // As on AWS, a function can only be created from (and updated to) an image the registry holds.
    moto = await startMotoServer({ env: { MOTO_LAMBDA_STUB_ECR: 'false' } });
    lambda = new LambdaClient(clientConfig());
    ecr = new ECRClient(clientConfig());
    s3 = s3ClientFor(moto);
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: REGION,
    };
    const { Role } = (await awsCli(
      env,
      'iam',
      'create-role',
      '--role-name',
      'thumbnailer-execution',
      '--assume-role-policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    )) as { Role: { Arn: string } };
    for (const bucket of [UPLOADS, THUMBNAILS]) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'thumbnailer' }));
    for (const name of ['first', 'second', 'broken', 'third']) {
      images[name] = await pushImage(name);
    }
    broken.add(images.broken ?? '');
    // What terraform/lambda creates: the function with its first version, and the alias on it.
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: FUNCTION,
        PackageType: 'Image',
        Code: { ImageUri: images.first },
        Role: Role.Arn,
        Architectures: ['arm64'],
        Environment: { Variables: ENVIRONMENT },
        Publish: true,
      }),
    );
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: FUNCTION,
        Name: 'live',
        FunctionVersion: created.Version ?? '1',
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await moto.stop();
  });

  beforeEach(() => {
    lines = [];
    invoker = inProcessInvoker(lambda, s3, broken);
  });

  it('starts where terraform leaves it: the live alias on version 1, the first image', async () => {
    expect(await live()).toMatchObject({ version: '1', image: images.first });
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const outcome = await deploy(deps(), deployArgs(images.second ?? '', { dryRun: true }));

    expect(outcome).toMatchObject({ status: 'planned', previousVersion: '1' });
    expect(lines.slice(3)).toEqual([
      'dry run: would',
      '  - why: version 1 runs another image',
      `  - update the function's code to ${images.second ?? ''} and wait for it`,
      '  - publish a version',
      '  - smoke-test that version with the canary image',
      '  - move alias live from version 1 to it',
    ]);
    expect({ live: await live(), latest: await latestImage(), versions: await versions() }).toEqual({
      live: expect.objectContaining({ version: '1', image: images.first }),
      latest: images.first,
      versions: ['$LATEST', '1'],
    });
    expect(invoker.calls).toEqual([]);
  });

  it('deploys a new image: code, version, smoke test of that version, then the alias', async () => {
    const outcome = await deploy(deps(), deployArgs(images.second ?? ''));

    expect(outcome).toMatchObject({ status: 'deployed', version: '2', previousVersion: '1' });
    expect(await live()).toEqual({
      version: '2',
      image: images.second,
      description: expect.stringContaining('previous version 1'),
    });
    // The smoke test invoked version 2 itself, never the alias, with an event for the canary.
    expect(invoker.calls.map((call) => call.qualifier)).toEqual(['2']);
    expect(await listKeys(s3, UPLOADS)).toEqual(['thumbnailer-canary/canary.jpg']);
    const thumbnail = await getObject(s3, THUMBNAILS, 'thumbnailer-canary/canary.jpg.jpg');
    expect(thumbnail?.body.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(lines).toEqual([
      expect.stringMatching(/^\[1\/5\] checking /),
      expect.stringMatching(/image pushed .*; the function runs on arm64/),
      expect.stringMatching(/alias live: version 1 \(sha256:/),
      "[2/5] updating the function's code",
      '[3/5] publishing a version',
      '      version 2',
      '[4/5] smoke test: invoking version 2 with the canary',
      expect.stringMatching(
        /made s3:\/\/thumbnails\/thumbnailer-canary\/canary\.jpg\.jpg \(\d+x\d+, \d+ bytes\) in \d+ ms from s3:\/\/uploads\/thumbnailer-canary\/canary\.jpg \(canary uploaded\)/,
      ),
      '[5/5] moving alias live from version 1 to version 2',
    ]);
  });

  it('deploying the live image again does nothing: no version, no invocation', async () => {
    const outcome = await deploy(deps(), deployArgs(images.second ?? ''));

    expect(outcome).toMatchObject({ status: 'up-to-date', version: '2' });
    expect(await versions()).toEqual(['$LATEST', '1', '2']);
    expect(invoker.calls).toEqual([]);
  });

  it('publishes (and smoke-tests) a configuration change that terraform apply made to $LATEST', async () => {
    await setEnvironment({ ...ENVIRONMENT, THUMBNAIL_QUALITY: '70' });

    const outcome = await deploy(deps(), deployArgs(images.second ?? ''));

    expect(outcome).toMatchObject({ status: 'deployed', version: '3', previousVersion: '2' });
    expect(lines).toContainEqual('[2/5] $LATEST already runs this image; keeping it');
    expect(invoker.calls.map((call) => call.qualifier)).toEqual(['3']);
    expect(await live()).toMatchObject({ version: '3', image: images.second });
  });

  it('a build that fails its smoke test never gets the alias', async () => {
    const failure = deploy(deps(), deployArgs(images.broken ?? ''));

    await expect(failure).rejects.toThrow(SmokeTestFailedError);
    await expect(failure).rejects.toThrow(
      /version 4 failed the smoke test: the function threw \(Unhandled\) Runtime\.ImportModuleError: .*Cannot find module 'index'\nlast log lines:\n {2}INIT_REPORT/s,
    );
    expect(await live()).toMatchObject({ version: '3', image: images.second });
    expect(lines.at(-1)).toBe('[4/5] smoke test: invoking version 4 with the canary');
  });

  it('a configuration the handler cannot work with fails the smoke test too', async () => {
    await setEnvironment({ ...ENVIRONMENT, THUMBNAIL_BUCKET: 'no-such-bucket' });

    const failure = deploy(deps(), deployArgs(images.third ?? ''));

    await expect(failure).rejects.toThrow(
      /version 5 failed the smoke test: the function threw \(Unhandled\) TransientFailureError: 1 record\(s\) failed transiently/,
    );
    expect(await live()).toMatchObject({ version: '3' });
    await setEnvironment({ ...ENVIRONMENT, THUMBNAIL_QUALITY: '70' });
  });

  it('recovers from a failed deploy: the next good image goes live, the canary is reused', async () => {
    const outcome = await deploy(deps(), deployArgs(images.third ?? ''));

    expect(outcome).toMatchObject({ status: 'deployed', version: '6', previousVersion: '3' });
    expect(await live()).toMatchObject({ version: '6', image: images.third });
    expect(lines.join('\n')).not.toContain('canary uploaded');
  });

  it('--rollback moves the alias back to the version it served before, and a second one undoes it', async () => {
    const first = await rollback({ lambda, report: (line) => lines.push(line) }, rollbackArgs());
    expect(first).toMatchObject({ status: 'rolled-back', version: '3', previousVersion: '6' });
    expect(await live()).toMatchObject({ version: '3', image: images.second });

    const second = await rollback({ lambda, report: (line) => lines.push(line) }, rollbackArgs());
    expect(second).toMatchObject({ status: 'rolled-back', version: '6', previousVersion: '3' });
    expect(await live()).toMatchObject({ version: '6', image: images.third });
  });

  it('--rollback --to-version goes to that version, and refuses one that does not exist', async () => {
    const report = (line: string) => lines.push(line);
    await expect(
      rollback({ lambda, report }, rollbackArgs({ toVersion: '2', dryRun: true })),
    ).resolves.toMatchObject({
      status: 'planned',
    });
    expect(await live()).toMatchObject({ version: '6' });
    await expect(rollback({ lambda, report }, rollbackArgs({ toVersion: '99' }))).rejects.toThrow(
      /reading function thumbnailer:99: not found/,
    );
    await expect(rollback({ lambda, report }, rollbackArgs({ toVersion: '2' }))).resolves.toMatchObject({
      status: 'rolled-back',
      version: '2',
    });
  });

  it('refuses an image the registry does not hold, before changing anything', async () => {
    const missing = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@sha256:${'0'.repeat(64)}`;
    const before = { live: await live(), latest: await latestImage(), versions: await versions() };

    const failure = deploy(deps(), deployArgs(missing));

    await expect(failure).rejects.toThrow(DeployError);
    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(/^looking up \S+@sha256:0+: not found \(.*does not exist/),
      hint: expect.stringContaining('scripts/pushImage.sh'),
    });
    expect({ live: await live(), latest: await latestImage(), versions: await versions() }).toEqual(before);
  });

  describe('the npm run deploy command', () => {
    const command = async (args: string[], summary: string) => {
      const env = {
        ...process.env,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: REGION,
        GITHUB_SHA: 'c0ffee',
      };
      const result = await run(
        process.execPath,
        [DEPLOY_MAIN, ...args, '--summary', summary],
        REPO_ROOT,
        env,
      );
      return { ...result, summary: await readFile(summary, 'utf8').catch(() => '') };
    };

    it('deploys, prints each step, exits 0 and appends a job summary', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-deploy-'));
      const result = await command(
        ['--function', FUNCTION, '--image-uri', images.first ?? '', '--skip-smoke-test'],
        join(directory, 'summary.md'),
      );

      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(
        /\[4\/5\] smoke test skipped \(--skip-smoke-test\)\n\[5\/5\] moving alias live from version 2 to version 7\n$/,
      );
      expect(result.summary).toContain('| commit | `c0ffee` |');
      expect(result.summary).toContain('| version | 7 |');
      expect(result.summary).toContain('| previous version | 2 |');
      expect(result.summary).toContain('| smoke test | skipped |');
      expect(await live()).toMatchObject({ version: '7', image: images.first });
    });

    it('exits 1 saying what failed and what to do, and records the failure in the summary', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'thumbnailer-deploy-'));
      const missing = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@sha256:${'9'.repeat(64)}`;
      const result = await command(
        ['--function', FUNCTION, '--image-uri', missing],
        join(directory, 'summary.md'),
      );

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^\ndeploy failed: looking up \S+: not found .*\nnext: {2}push it first: scripts\/pushImage\.sh/s,
      );
      expect(result.summary).toMatch(/\| result \| \*\*failed\*\*: looking up /);
      expect(result.summary).toContain('The alias was not moved');
    });

    it('exits 2 for bad usage', async () => {
      const result = await command(['--function', FUNCTION], '/dev/null');
      expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('--image-uri is required') });
    });
  });

  it('says so when the function does not exist', async () => {
    await expect(
      deploy(deps(), deployArgs(images.second ?? '', { functionName: 'not-deployed' })),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/^reading function not-deployed: not found/),
      hint: expect.stringContaining('scripts/bootstrap.sh'),
    });
  });
});
