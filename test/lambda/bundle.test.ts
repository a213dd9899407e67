import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join } from 'node:path';
import { getObject, putObject } from '../support/bucketContents';
import { REPO_ROOT, readDockerfile } from '../support/dockerfile';
import { SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { describeImage, solidImage } from '../support/images';
import { s3ClientFor } from '../support/s3Client';
import { s3Event } from '../support/s3Events';
import { type RunningS3rver, startS3rver } from '../support/s3rverServer';

const TASK_ROOT = join(REPO_ROOT, 'dist', 'lambda');

interface RuntimeOutcome {
  readonly exitCode: number | null;
  readonly kind: 'RESULT' | 'ERROR';
  readonly value: Record<string, unknown>;
  readonly output: string;
}

/** Runs the bundle in a fresh process the way the Lambda Node.js runtime loads and invokes it. */
function invokeLikeLambda(
  handlerSetting: string,
  env: Record<string, string>,
  event: unknown,
): Promise<RuntimeOutcome> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'test', 'support', 'lambdaRuntime.cjs')], {
    cwd: TASK_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      LAMBDA_TASK_ROOT: TASK_ROOT,
      _HANDLER: handlerSetting,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.stdin.end(JSON.stringify(event));
  return new Promise((resolve) => {
    child.on('close', (exitCode) => {
      const last = output.trim().split('\n').at(-1) ?? '';
      const [kind, ...json] = last.split(':');
      resolve({
        exitCode,
        kind: kind as RuntimeOutcome['kind'],
        value: JSON.parse(json.join(':') || '{}'),
        output,
      });
    });
  });
}

describe('the Lambda bundle, as the container image ships it', () => {
  const finalStage = readDockerfile().at(-1);
  const instruction = (keyword: string, containing = '') =>
    finalStage?.instructions.find((line) => line.keyword === keyword && line.args.includes(containing))
      ?.args ?? '';
  const [handlerSetting = ''] = JSON.parse(instruction('CMD') || '[]') as string[];

  beforeAll(() => {
    // The same command the Dockerfile's bundle stage runs.
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'pipe' });
  });

  it("copies the build's output into LAMBDA_TASK_ROOT under the module name CMD gives", () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: { build: string };
    };
    const build = manifest.scripts.build;
    const [, copiedFrom = '', copiedTo = ''] = instruction('COPY', '--from=bundle').split(/\s+/);
    expect(handlerSetting).toBe('index.handler');
    expect(build).toContain('--outfile=dist/lambda/index.js');
    expect(copiedFrom).toMatch(/\/dist\/lambda\/index\.js$/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's variable, literally.
    expect(copiedTo).toBe('${LAMBDA_TASK_ROOT}/');
    expect(basename(copiedFrom, '.js')).toBe(handlerSetting.split('.')[0]);
  });

  it('bundles every dependency but sharp, whose native binaries the image installs beside it', () => {
    // esbuild's own record of every import it left for the runtime to resolve.
    const meta = JSON.parse(readFileSync(join(TASK_ROOT, 'meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }>;
    };
    const external = Object.values(meta.outputs)
      .flatMap((output) => output.imports)
      .filter((entry) => entry.external && !builtinModules.includes(entry.path.replace(/^node:/, '')))
      .map((entry) => entry.path);
    expect([...new Set(external)]).toEqual(['sharp']);
  });

  describe('invoked through the runtime loader against a real S3 server', () => {
    let server: RunningS3rver;

    beforeAll(async () => {
      server = await startS3rver([SOURCE_BUCKET, THUMBNAIL_BUCKET]);
    });
    afterAll(() => server.stop());

    const lambdaEnv = () => ({
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      THUMBNAIL_BUCKET,
    });

    it('makes a thumbnail from an S3 event, configured only by environment variables', async () => {
      const s3 = s3ClientFor(server);
      const body = await solidImage(1024, 768, 'png');
      const eTag = await putObject(s3, SOURCE_BUCKET, 'bundle/the photo.png', body);

      const outcome = await invokeLikeLambda(
        handlerSetting,
        lambdaEnv(),
        s3Event(SOURCE_BUCKET, [{ key: 'bundle/the photo.png', size: body.length, eTag }]),
      );

      expect({ kind: outcome.kind, value: outcome.value, exitCode: outcome.exitCode }).toEqual({
        kind: 'RESULT',
        value: {
          records: [{ key: 'bundle/the photo.png', status: 'made', outputKey: 'bundle/the photo.png.jpg' }],
        },
        exitCode: 0,
      });
      expect(outcome.output).toContain('"message":"thumbnail made"');
      const thumbnail = await getObject(s3, THUMBNAIL_BUCKET, 'bundle/the photo.png.jpg');
      expect(await describeImage(thumbnail?.body ?? Buffer.alloc(0))).toMatchObject({
        format: 'jpeg',
        width: 256,
        height: 192,
      });
    });

    it('fails the init, naming every bad variable, when the configuration is bad', async () => {
      const env = { ...lambdaEnv(), THUMBNAIL_BUCKET: '', THUMBNAIL_QUALITY: '0', THUMBNAIL_FORMAT: 'gif' };
      const outcome = await invokeLikeLambda(handlerSetting, env, s3Event(SOURCE_BUCKET, [{ key: 'x.jpg' }]));
      expect(outcome).toMatchObject({
        kind: 'ERROR',
        exitCode: 1,
        value: { phase: 'init', errorType: 'ConfigError' },
      });
      expect(outcome.value.errorMessage).toMatch(
        /THUMBNAIL_BUCKET: .*THUMBNAIL_FORMAT: .*THUMBNAIL_QUALITY: /,
      );
    });

    it('reports a handler name the bundle does not export the way Lambda does', async () => {
      const outcome = await invokeLikeLambda('index.nothere', lambdaEnv(), {});
      expect(outcome).toMatchObject({
        kind: 'ERROR',
        value: { phase: 'init', errorType: 'Runtime.HandlerNotFound' },
      });
    });
  });
});
