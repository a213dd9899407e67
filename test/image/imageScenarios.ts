import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { s3Notification } from '../../src/aws/events/s3Notification';
import { type Arch, ARCHES } from '../support/containerTools';
import { bundleExternals, installedPackages, lockfileClosure, treeFiles } from '../support/imageContents';
import { type LambdaContainer, type LambdaFunctionSettings, runLikeLambda } from '../support/lambdaContainer';
import { getObject } from '../support/bucketContents';
import { THUMBNAIL_BUCKET } from '../support/handlerHarness';
import { withTransforms } from '../support/heifBoxes';
import { describeImage, sampleHeic, solidImage } from '../support/images';
import { readManifest } from '../../src/core/manifest';
import { imageConfig, type LambdaImage, withImageRoot } from '../support/lambdaImage';
import { type RuntimeApi, type RuntimeError, startRuntimeApi } from '../support/lambdaRuntimeApi';
import { ENTRY_POINTS } from './entryPoints';
import type { FunctionS3 } from './functionS3';
import { recordImageFigures } from './imageFigures';

/** One architecture's image as the scenarios see it, once built. */
export interface ImageUnderTest {
  readonly image: LambdaImage;
  readonly s3: FunctionS3;
  /** The function as Terraform deploys it: its memory, and its environment pointing at the local S3. */
  readonly settings: LambdaFunctionSettings;
  /** How long an invocation may take (a guard against hangs, never a performance figure). */
  readonly deadlineMs: number;
  readonly emulated: boolean;
}

/** A check of the image: `run` asserts (its rejection fails the scenario's test). */
export interface Scenario {
  title(arch: Arch): string;
  run(subject: ImageUnderTest): Promise<void>;
}

interface Running {
  readonly api: RuntimeApi;
  readonly container: LambdaContainer;
}

/** Runs `body` against a function container of `image`, then kills it; its logs are added to any failure. */
async function withFunction<T>(
  image: string,
  settings: LambdaFunctionSettings,
  body: (running: Running) => Promise<T>,
): Promise<T> {
  const api = await startRuntimeApi();
  const container = runLikeLambda(image, api.address, settings);
  try {
    return await body({ api, container });
  } catch (error) {
    if (error instanceof Error) {
      error.message += `\n--- the function's output ---\n${container.output()}`;
      error.message += `\n--- Runtime API calls ---\n${api.requests.join('\n')}`;
    }
    throw error;
  } finally {
    await container.kill();
    await api.stop();
  }
}

/** The init error the runtime posts; the container exiting without one fails instead. */
async function initErrorOf({ api, container }: Running): Promise<RuntimeError> {
  const exitedFirst = container.exited.then((code) => {
    throw new Error(`the function exited (code ${String(code)}) without reporting an init error`);
  });
  exitedFirst.catch(() => undefined); // it exits after reporting too: that is no failure
  const error = await Promise.race([api.initError(), exitedFirst]);
  // After an init error Lambda's runtime ends the sandbox; so does this one.
  expect(await container.exited).not.toBe(0);
  return error;
}

const architecture: Scenario = {
  title: (arch) => `is a linux/${arch} image, and every native binary in /var/task is for ${arch}`,
  async run({ image }) {
    expect(await imageConfig(image.id)).toMatchObject({
      architecture: image.arch,
      os: 'linux',
      cmd: ['index.handler'],
    });
    const binaries = await withImageRoot(image.id, async (root) =>
      (await treeFiles(join(root, 'var', 'task'))).filter((file) => file.elfMachine !== undefined),
    );
    const sharpAddon = `node_modules/@img/sharp-linux-${image.arch === 'amd64' ? 'x64' : 'arm64'}/lib/`;
    expect(binaries.some((file) => file.path.startsWith(sharpAddon) && file.path.endsWith('.node'))).toBe(
      true,
    );
    expect(binaries.filter((file) => file.elfMachine !== ARCHES[image.arch].elfMachine)).toEqual([]);
  },
};

const contents: Scenario = {
  title: () =>
    "holds the bundle and exactly the packages the lockfile gives its externals on the image's platform",
  async run({ image, emulated }) {
    const platform = { os: 'linux', cpu: image.arch === 'amd64' ? 'x64' : 'arm64', libc: 'glibc' };
    const expected = lockfileClosure(bundleExternals(), platform);
    const { packages, files } = await withImageRoot(image.id, async (root) => ({
      packages: await installedPackages(join(root, 'var', 'task', 'node_modules')),
      files: await treeFiles(join(root, 'var', 'task')),
    }));
    expect([...new Set(files.map((file) => file.path.split('/')[0]))].sort()).toEqual([
      'index.js',
      'node_modules',
    ]);
    expect([...packages.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(packages.get('sharp')).toBe(expected.get('sharp'));
    await recordImageFigures(image, emulated, packages, files);
  },
};

const entryPoints: Scenario[] = ENTRY_POINTS.map((entryPoint) => ({
  title: () => `${entryPoint.handler}: ${entryPoint.title}`,
  async run({ image, s3, settings, deadlineMs }) {
    const invocation = await entryPoint.prepare(s3);
    await withFunction(image.id, { ...settings, command: [entryPoint.handler] }, async ({ api }) => {
      const outcome = await api.invoke(invocation.event, deadlineMs);
      expect(outcome.kind).toBe('response');
      await invocation.verify(outcome.kind === 'response' ? outcome.payload : undefined);
    });
  },
}));

/** A port on 127.0.0.1 that nothing listens on (bound, then closed again). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const transientFailure: Scenario = {
  title: () => 'reports S3 out of reach as an invocation error (TransientFailureError), for Lambda to retry',
  async run({ image, s3, settings, deadlineMs }) {
    const key = 'unreachable/photo.jpg';
    const notice = await s3.upload(key, await solidImage(64, 64));
    const environment = {
      ...settings.environment,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${await closedPort()}`,
    };
    await withFunction(image.id, { ...settings, environment }, async ({ api, container }) => {
      const outcome = await api.invoke(s3Notification([notice]), deadlineMs);
      expect(outcome).toEqual({
        kind: 'error',
        error: expect.objectContaining({
          errorType: 'TransientFailureError',
          errorMessage: expect.stringContaining(key),
        }),
      });
      // The sandbox lives on for the next event, as Lambda's does after an invocation error.
      expect(
        await Promise.race([
          container.exited,
          new Promise((resolve) => setTimeout(resolve, 1000, 'running')),
        ]),
      ).toBe('running');
    });
  },
};

const HEIC_RENDITIONS = [
  { name: 'square', width: 32, height: 32, fit: 'cover', position: 'attention', formats: ['webp', 'jpeg'] },
  { name: 'card', width: 40, height: 40, formats: ['avif'] },
];

const heicRenditions: Scenario = {
  title: () =>
    'makes every rendition and the manifest of a HEIC upload, upright (libheif in WebAssembly, in the image)',
  async run({ image, s3, settings, deadlineMs }) {
    const key = 'iphone/IMG_0001.HEIC';
    // The 64x48 sample, stored turned a quarter anticlockwise (irot): upright it is 48x64.
    const notice = await s3.upload(key, withTransforms(sampleHeic(), 1));
    const environment = { ...settings.environment, RENDITIONS: JSON.stringify(HEIC_RENDITIONS) };
    await withFunction(image.id, { ...settings, environment }, async ({ api }) => {
      const outcome = await api.invoke(s3Notification([notice]), deadlineMs);
      expect(outcome.kind).toBe('response');
      const stored = await getObject(s3.client, THUMBNAIL_BUCKET, `_manifests/${key}.json`);
      const manifest = readManifest(stored?.body.toString() ?? '');
      expect(manifest?.source).toMatchObject({ key, format: 'heic', width: 48, height: 64 });
      expect(manifest?.renditions.map((entry) => [entry.key, entry.width, entry.height])).toEqual([
        [`square/${key}.webp`, 32, 32],
        [`square/${key}.jpg`, 32, 32],
        [`card/${key}.avif`, 30, 40],
      ]);
      for (const entry of manifest?.renditions ?? []) {
        const rendition = await getObject(s3.client, THUMBNAIL_BUCKET, entry.key);
        const decoded = await describeImage(rendition?.body ?? Buffer.alloc(0));
        expect([decoded.width, decoded.height]).toEqual([entry.width, entry.height]);
      }
    });
  },
};

const badConfiguration: Scenario = {
  title: () => 'reports a bad configuration as an init error that names every bad variable',
  async run({ image, settings }) {
    const bad = { THUMBNAIL_BUCKET: 'Not_A_Bucket', THUMBNAIL_WIDTH: 'wide', DECODE_FAIL_ON: 'often' };
    const environment = { ...settings.environment, ...bad };
    const error = await withFunction(image.id, { ...settings, environment }, initErrorOf);
    expect(error.errorType).toBe('ConfigError');
    for (const name of Object.keys(bad)) {
      expect(error.errorMessage).toContain(name);
    }
    expect(error.errorMessage).not.toContain('SOURCE_BUCKET');
  },
};

const wrongHandler: Scenario = {
  title: () => 'reports a handler name the bundle does not export as Runtime.HandlerNotFound',
  async run({ image, settings }) {
    const error = await withFunction(image.id, { ...settings, command: ['index.thumbnail'] }, initErrorOf);
    expect(error).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.thumbnail is undefined or not exported',
    });
  },
};

const withoutSharp: Scenario = {
  title: () => 'reports an image without sharp as Runtime.ImportModuleError naming sharp',
  async run({ image, settings }) {
    const error = await withFunction(image.withoutSharp, settings, initErrorOf);
    expect(error.errorType).toBe('Runtime.ImportModuleError');
    expect(error.errorMessage).toContain("Cannot find module 'sharp'");
  },
};

/** Everything the tier checks of each architecture's image. */
export const SCENARIOS: readonly Scenario[] = [
  architecture,
  contents,
  ...entryPoints,
  heicRenditions,
  transientFailure,
  badConfiguration,
  wrongHandler,
  withoutSharp,
];
