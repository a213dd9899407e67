import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Arch,
  buildah,
  IMAGE_REPOSITORY,
  podman,
  tool,
  WORKING_CONTAINER_PREFIX,
} from './containerTools';
import { REPO_ROOT } from './dockerfile';

/** The project's image for one architecture, built by the image tier, and what went into building it. */
export interface LambdaImage {
  readonly arch: Arch;
  /** The local stand-in for public.ecr.aws/lambda/nodejs:22 it was built on (scripts/lambdaStandIn.sh). */
  readonly standIn: string;
  /** The image the Dockerfile builds (by ID: a concurrent run may move a tag, never an ID). */
  readonly id: string;
  /** The same image with sharp taken out of /var/task/node_modules. */
  readonly withoutSharp: string;
  readonly standInSeconds: number;
  readonly buildSeconds: number;
}

const seconds = (since: number) => Math.round((Date.now() - since) / 1000);

/** The stand-in base image for `arch`, built or found in the cache: the script's last line names it. */
async function standInFor(arch: Arch): Promise<string> {
  const output = await tool('bash', [join(REPO_ROOT, 'scripts', 'lambdaStandIn.sh'), arch], true);
  const name = output.trim().split('\n').at(-1) ?? '';
  if (!name.startsWith('localhost/')) {
    throw new Error(`scripts/lambdaStandIn.sh ${arch} named no image:\n${output}`);
  }
  return name;
}

/**
 * The Dockerfile, unchanged, built with buildah for `linux/<arch>` on the stand-in (the only build argument).
 * `--layers` keeps each step's result as a cache image, so only what changed is built again.
 */
async function buildDockerfile(arch: Arch, standIn: string, tag: string): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'thumbnailer-image-'));
  process.stderr.write(`image tier ${arch}: building the Dockerfile with buildah on ${standIn}\n`);
  try {
    await buildah(
      'bud',
      '--layers',
      '--pull=never',
      '--network=host',
      `--platform=linux/${arch}`,
      `--build-arg=LAMBDA_BASE_IMAGE=${standIn}`,
      `--iidfile=${join(scratch, 'id')}`,
      `--tag=${tag}`,
      `--file=${join(REPO_ROOT, 'Dockerfile')}`,
      REPO_ROOT,
    );
    return (await readFile(join(scratch, 'id'), 'utf8')).trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `image` with `path` (relative to its root) deleted, committed as `tag`. */
async function derivedWithout(arch: Arch, image: string, path: string, tag: string): Promise<string> {
  const container = `${WORKING_CONTAINER_PREFIX}${arch}-${process.pid}`;
  await buildah('from', '--pull=never', '--name', container, image);
  try {
    const root = (await buildah('mount', container)).trim();
    await rm(join(root, path), { recursive: true });
    await buildah('umount', container);
    return (await buildah('commit', '--quiet', '--rm', container, tag)).trim();
  } catch (error) {
    await buildah('rm', container).catch(() => undefined);
    throw error;
  }
}

export async function buildLambdaImage(arch: Arch): Promise<LambdaImage> {
  const started = Date.now();
  const standIn = await standInFor(arch);
  const standInSeconds = seconds(started);
  const tag = `${IMAGE_REPOSITORY}:${arch}-${process.pid}`;
  const id = await buildDockerfile(arch, standIn, tag);
  const withoutSharp = await derivedWithout(arch, id, 'var/task/node_modules/sharp', `${tag}-without-sharp`);
  return { arch, standIn, id, withoutSharp, standInSeconds, buildSeconds: seconds(started) - standInSeconds };
}

/** Untags what `buildLambdaImage` made; the cache layers stay for the next build. */
export async function removeLambdaImage(image: LambdaImage | undefined): Promise<void> {
  if (image) {
    const tag = `${IMAGE_REPOSITORY}:${image.arch}-${process.pid}`;
    await buildah('rmi', `${tag}-without-sharp`, tag).catch(() => undefined);
  }
}

export interface ImageConfig {
  readonly architecture: string;
  readonly os: string;
  readonly sizeBytes: number;
  readonly cmd: readonly string[];
}

/** What buildah records for the image (its OCI config), and podman's figure for its size. */
export async function imageConfig(image: string): Promise<ImageConfig> {
  const inspected = JSON.parse(await buildah('inspect', '--type', 'image', image)) as {
    OCIv1: { architecture: string; os: string; config?: { Cmd?: string[] } };
  };
  const [sized] = JSON.parse(await podman('image', 'inspect', image)) as Array<{ Size: number }>;
  return {
    architecture: inspected.OCIv1.architecture,
    os: inspected.OCIv1.os,
    sizeBytes: sized?.Size ?? 0,
    cmd: inspected.OCIv1.config?.Cmd ?? [],
  };
}

/** Runs `body` with the image's root filesystem mounted read-only-by-convention on this machine. */
export async function withImageRoot<T>(image: string, body: (root: string) => Promise<T>): Promise<T> {
  const root = (await podman('image', 'mount', image)).trim();
  try {
    return await body(root);
  } finally {
    await podman('image', 'unmount', image).catch(() => undefined);
  }
}
