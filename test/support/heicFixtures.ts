import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

export type Rgb = readonly [number, number, number];

/**
 * A picture whose orientation can be read back: `left` on the left half, `right` on the right, and a
 * `top` band across the top eighth (of its own colour), so that a rotation or a mirror shows.
 */
export async function orientationPicture(
  width: number,
  height: number,
  colours: { left: Rgb; right: Rgb; top: Rgb },
  depth: 8 | 16 = 8,
) {
  const pixels = depth === 8 ? Buffer.alloc(width * height * 3) : new Uint16Array(width * height * 3);
  const scale = depth === 8 ? 1 : 257;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const colour = y < height / 8 ? colours.top : x < width / 2 ? colours.left : colours.right;
      colour.forEach((value, channel) => (pixels[(y * width + x) * 3 + channel] = value * scale));
    }
  }
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  return (depth === 8 ? image : image.toColourspace('rgb16')).png().toBuffer();
}

/** heif-enc (Debian's libheif-examples) on PNG files: several give one file of several images. */
export async function heifEnc(pngs: readonly Buffer[], args: readonly string[] = []): Promise<Buffer> {
  const folder = await mkdtemp(join(tmpdir(), 'thumbnailer-heic-'));
  try {
    const inputs = await Promise.all(
      pngs.map(async (png, index) => {
        const path = join(folder, `${index}.png`);
        await writeFile(path, png);
        return path;
      }),
    );
    const output = join(folder, 'out.heic');
    await run('heif-enc', ['-q', '90', ...args, '-o', output, ...inputs]);
    return await readFile(output);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
