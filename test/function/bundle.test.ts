import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { getObject, putObject } from '../support/bucketContents';
import { bundleExternals } from '../support/imageContents';
import { REPO_ROOT, readDockerfile } from '../support/dockerfile';
import { MALLOC_ENV } from '../../src/tools/bench/lambdaEnvironment';
import type { HandlerResult } from '../../src/function/handlers/s3Event';
import { brief, SOURCE_BUCKET, THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { describeImage, solidImage } from '../support/images';
import { s3ClientFor } from '../support/s3Client';
import { functionUrlEvent } from '../support/functionUrlEvents';
import { s3Event } from '../support/s3Events';
import { type RunningS3rver, startS3rver } from '../support/s3rverServer';

const TASK_ROOT = join(REPO_ROOT, 'dist', 'lambda');

/** esbuild's metafile for the Lambda bundle: what it wrote, and what each output imports. */
const buildMeta = () =>
  JSON.parse(readFileSync(join(TASK_ROOT, 'meta.json'), 'utf8')) as {
    outputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }>;
  };

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

// globalSetup has run `npm run build`, which includes `build:lambda`, the Dockerfile's bundle step.
describe('the Lambda bundle, as the container image ships it', () => {
  const stages = readDockerfile();
  const finalStage = stages.at(-1);
  const instruction = (keyword: string, containing = '') =>
    finalStage?.instructions.find((line) => line.keyword === keyword && line.args.includes(containing))
      ?.args ?? '';
  const [handlerSetting = ''] = JSON.parse(instruction('CMD') || '[]') as string[];

  it("copies the build's output into LAMBDA_TASK_ROOT under the module name CMD gives", () => {
    const [, copiedFrom = '', copiedTo = ''] = instruction('COPY', '--from=bundle').split(/\s+/);
    const bundleStage = stages.find((stage) => stage.name === 'bundle');
    expect(bundleStage?.instructions).toContainEqual({ keyword: 'RUN', args: 'npm run build:lambda' });
    expect(handlerSetting).toBe('index.handler');
    expect(Object.keys(buildMeta().outputs)).toContain('dist/lambda/index.js');
    expect(copiedFrom).toMatch(/\/dist\/lambda\/index\.js$/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's variable, literally.
    expect(copiedTo).toBe('${LAMBDA_TASK_ROOT}/');
    expect(basename(copiedFrom, '.js')).toBe(handlerSetting.split('.')[0]);
  });

  it('sets the allocator settings the bench measured, as npm start does', () => {
    const settings = Object.entries(MALLOC_ENV).map(([name, value]) => `${name}=${value}`);
    const env = instruction('ENV', 'MALLOC_ARENA_MAX').split(/\s+/);
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const setting of settings) {
      expect(env).toContain(setting);
      expect(manifest.scripts.start).toContain(setting);
    }
  });

  it('bundles every dependency but sharp and libheif-js, which the image installs beside it', () => {
    // esbuild's own record of every import it left for the runtime to resolve, by package.
    expect(bundleExternals()).toEqual(['libheif-js', 'sharp']);
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

      expect({ kind: outcome.kind, exitCode: outcome.exitCode }).toEqual({ kind: 'RESULT', exitCode: 0 });
      expect(brief((outcome.value as unknown as HandlerResult).records)).toEqual([
        { key: 'bundle/the photo.png', status: 'made', outputKey: 'bundle/the photo.png.jpg' },
      ]);
      expect(outcome.output).toContain('"message":"thumbnail made"');
      const thumbnail = await getObject(s3, THUMBNAIL_BUCKET, 'bundle/the photo.png.jpg');
      expect(await describeImage(thumbnail?.body ?? Buffer.alloc(0))).toMatchObject({
        format: 'jpeg',
        width: 256,
        height: 192,
      });
    });

    it('answers a function URL request (the on-demand origin) with the rendition it makes', async () => {
      const s3 = s3ClientFor(server);
      await putObject(s3, SOURCE_BUCKET, 'bundle/on demand.png', await solidImage(512, 256, 'png'));
      const env = { ...lambdaEnv(), SOURCE_BUCKET };

      const outcome = await invokeLikeLambda(
        handlerSetting,
        env,
        functionUrlEvent({ path: '/bundle/on%20demand.png.jpg' }),
      );

      expect({ kind: outcome.kind, exitCode: outcome.exitCode }).toEqual({ kind: 'RESULT', exitCode: 0 });
      const result = outcome.value as unknown as {
        statusCode: number;
        body: string;
        isBase64Encoded: boolean;
      };
      expect(result).toMatchObject({ statusCode: 200, isBase64Encoded: true });
      expect(await describeImage(Buffer.from(result.body, 'base64'))).toMatchObject({
        format: 'jpeg',
        width: 256,
        height: 128,
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
