import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/dockerfile';
import type { TreeFile } from '../support/imageContents';
import { imageConfig, type LambdaImage } from '../support/lambdaImage';

/** Where the image tier leaves its figures; `npm run test:image` (and `.ci/run`) print them. */
export const FIGURES_DIR = join(REPO_ROOT, '.image-tier');

/**
 * Records what one architecture's image is: its size and its stand-in base's (uncompressed, as podman
 * counts them), what /var/task holds (bytes per top-level package), and how long the build took.
 */
export async function recordImageFigures(
  image: LambdaImage,
  emulated: boolean,
  packages: ReadonlyMap<string, string>,
  files: readonly TreeFile[],
): Promise<void> {
  const [own, base] = await Promise.all([imageConfig(image.id), imageConfig(image.standIn)]);
  const bytesUnder = (prefix: string) =>
    files
      .filter((file) => file.path === prefix || file.path.startsWith(`${prefix}/`))
      .reduce((sum, file) => sum + file.bytes, 0);
  const taskRoot = Object.fromEntries(
    [['index.js', ''], ...[...packages].map(([name, version]) => [`node_modules/${name}`, version])].map(
      ([path = '', version = '']) => [path, { version, bytes: bytesUnder(path) }],
    ),
  );
  const figures = {
    arch: image.arch,
    emulated,
    at: new Date().toISOString(),
    standIn: image.standIn,
    imageBytes: own.sizeBytes,
    standInBytes: base.sizeBytes,
    taskRootBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    taskRoot,
    standInSeconds: image.standInSeconds,
    buildSeconds: image.buildSeconds,
  };
  await mkdir(FIGURES_DIR, { recursive: true });
  await writeFile(join(FIGURES_DIR, `${image.arch}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}
