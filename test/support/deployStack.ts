import { readFile } from 'node:fs/promises';
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
import type { DeployDependencies } from '../../src/tools/deploy/deploy';
import type { DeployArguments, RollbackArguments } from '../../src/tools/deploy/deployArguments';
import { parseImageUri } from '../../src/tools/deploy/imageUri';
import type { Invoker } from '../../src/tools/deploy/invoker';
import type { RollbackDependencies } from '../../src/tools/deploy/rollback';
import { REPO_ROOT } from './dockerfile';
import { inProcessInvoker } from './inProcessInvoker';
import { awsEnvironment, type RunningMoto, startMotoServer } from './motoServer';
import { s3ClientFor } from './s3Client';
import { awsCli } from './terraform';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const CANARY = join(REPO_ROOT, 'scripts', 'assets', 'smoke-test.jpg');
const REPOSITORY = 'thumbnailer';

/**
 * moto with Lambda, ECR and S3, shared by a test file: each test then makes a {@link DeployStack} of its
 * own, so that no test depends on what another left behind. As on AWS, a function can only be created
 * from (and updated to) an image the registry holds (MOTO_LAMBDA_STUB_ECR=false).
 */
export async function startDeployWorld() {
  const moto = await startMotoServer({ env: { MOTO_LAMBDA_STUB_ECR: 'false' } });
  const config = {
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
  };
  const clients = { lambda: new LambdaClient(config), ecr: new ECRClient(config), s3: s3ClientFor(moto) };
  await clients.ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
  const roleArn = await createExecutionRole(moto);
  let stacks = 0;
  return {
    moto,
    ...clients,
    /** A fresh function with its own buckets and first image, as terraform/lambda leaves it. */
    stack: () => createDeployStack({ ...clients, roleArn }, `s${++stacks}`),
    stop: () => moto.stop(),
  };
}

export type DeployWorld = Awaited<ReturnType<typeof startDeployWorld>>;

/** Inside a describe: a {@link DeployWorld} started before its tests and stopped after them. */
export function useDeployWorld(): () => DeployWorld {
  let world: DeployWorld | undefined;
  beforeAll(async () => {
    world = await startDeployWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.stop();
  });
  return () => world ?? fail('the deploy world is not started yet: use it inside a test');
}

/** The AWS CLI's environment for this moto. */
export const cliEnvironment = (moto: RunningMoto): NodeJS.ProcessEnv => ({
  ...process.env,
  ...awsEnvironment(moto, REGION),
});

async function createExecutionRole(moto: RunningMoto): Promise<string> {
  const trust = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  };
  const { Role } = (await awsCli(
    cliEnvironment(moto),
    ...['iam', 'create-role', '--role-name', 'thumbnailer-execution'],
    ...['--assume-role-policy-document', JSON.stringify(trust)],
  )) as { Role: { Arn: string } };
  return Role.Arn;
}

interface Clients {
  readonly lambda: LambdaClient;
  readonly ecr: ECRClient;
  readonly s3: S3Client;
  readonly roleArn: string;
}

/** An image in moto's ECR; a tag of its own gives it a manifest, and so a digest, of its own. */
async function pushImage(ecr: ECRClient, tag: string): Promise<string> {
  const layer = `sha256:${Buffer.from(tag.padEnd(32, '.')).toString('hex').slice(0, 64)}`;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1024, digest: layer },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 4096, digest: layer }],
  });
  const { image } = await ecr.send(
    new PutImageCommand({ repositoryName: REPOSITORY, imageTag: tag, imageManifest: manifest }),
  );
  return `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPOSITORY}@${image?.imageId?.imageDigest ?? ''}`;
}

/** What terraform/lambda creates: the function on its first image and version, both aliases on it. */
async function createFunction(clients: Clients, name: string, environment: Record<string, string>) {
  const first = await pushImage(clients.ecr, `${name}-first`);
  const created = await clients.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      PackageType: 'Image',
      Code: { ImageUri: first },
      Role: clients.roleArn,
      Architectures: ['arm64'],
      Environment: { Variables: environment },
      Publish: true,
    }),
  );
  for (const alias of ['live', 'previous']) {
    await clients.lambda.send(
      new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: created.Version ?? '1' }),
    );
  }
  return first;
}

async function createDeployStack(clients: Clients, id: string) {
  const functionName = `thumbnailer-${id}`;
  const [uploads, thumbnails] = [`uploads-${id}`, `thumbnails-${id}`];
  for (const bucket of [uploads, thumbnails]) {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  const environment = { THUMBNAIL_BUCKET: thumbnails, SOURCE_BUCKET: uploads };
  const firstImage = await createFunction(clients, functionName, environment);
  return {
    ...stackActions(clients, functionName, environment),
    functionName,
    uploads,
    thumbnails,
    firstImage,
  };
}

export type DeployStack = Awaited<ReturnType<typeof createDeployStack>>;

/** What a test does with its stack: deploy and roll back, look at the aliases, push images. */
function stackActions(clients: Clients, functionName: string, environment: Record<string, string>) {
  const { lambda } = clients;
  // Images listed here fail to start when invoked, as a build that cannot load its handler does.
  const broken = new Set<string>();
  const invoker = inProcessInvoker(lambda, clients.s3, broken);
  const lines: string[] = [];
  const image = async (tag: string, options: { broken?: boolean } = {}) => {
    const uri = await pushImage(clients.ecr, `${functionName}-${tag}`);
    if (options.broken === true) {
      broken.add(uri);
    }
    return uri;
  };
  return {
    lines,
    invoker,
    image,
    ...commandInputs(clients, functionName, invoker.invoke, lines),
    ...lookups(lambda, functionName),
    /** What a terraform apply that changes the function's settings does to $LATEST. */
    setEnvironment: async (variables: Record<string, string>) => {
      await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: functionName,
          Environment: { Variables: { ...environment, ...variables } },
        }),
      );
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: functionName });
    },
  };
}

/** deploy()'s and rollback()'s arguments and dependencies for this stack; progress lands in `lines`. */
function commandInputs(clients: Clients, functionName: string, invoke: Invoker, lines: string[]) {
  const report = (line: string) => {
    lines.push(line);
  };
  return {
    deps: (): DeployDependencies => ({
      ...{ lambda: clients.lambda, ecr: clients.ecr, s3: clients.s3 },
      invoke,
      readCanaryImage: () => readFile(CANARY),
      report,
      maxWaitSeconds: 30,
    }),
    rollbackDeps: (): RollbackDependencies => ({ lambda: clients.lambda, report }),
    deployArgs: (uri: string, extra: Partial<DeployArguments> = {}): DeployArguments => ({
      action: 'deploy',
      functionName,
      dryRun: false,
      image: parseImageUri(uri) ?? fail(`not an image URI: ${uri}`),
      smokeTest: true,
      ...extra,
    }),
    rollbackArgs: (extra: Partial<RollbackArguments> = {}): RollbackArguments => ({
      action: 'rollback',
      functionName,
      dryRun: false,
      ...extra,
    }),
  };
}

function fail(message: string): never {
  throw new Error(message);
}

/** Where the function stands, read straight from moto. */
function lookups(lambda: LambdaClient, functionName: string) {
  const alias = async (name: string) => {
    const { FunctionVersion } = await lambda.send(
      new GetAliasCommand({ FunctionName: functionName, Name: name }),
    );
    const version = await lambda.send(
      new GetFunctionCommand({ FunctionName: functionName, Qualifier: FunctionVersion }),
    );
    return { version: FunctionVersion, image: version.Code?.ImageUri };
  };
  const latestImage = async () =>
    (await lambda.send(new GetFunctionCommand({ FunctionName: functionName }))).Code?.ImageUri;
  const versions = async () =>
    (
      (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName }))).Versions ?? []
    ).map((version) => version.Version);
  return {
    alias,
    /** Both aliases, $LATEST's image and every version: everything a failed deploy must leave alone. */
    snapshot: async () => ({
      live: await alias('live'),
      previous: await alias('previous'),
      latest: await latestImage(),
      versions: await versions(),
    }),
  };
}
