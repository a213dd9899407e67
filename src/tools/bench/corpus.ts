import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

/** One kind of input the bench measures, and how to make a deterministic example of it. */
export interface CorpusClass {
  readonly name: string;
  readonly file: string;
  /** Counted in the "mixed 12 MP" comparisons. */
  readonly twelveMegapixel: boolean;
  make(): Promise<Buffer>;
}

/**
 * Photo-like pixels: smooth gradients with fine deterministic grain, which compress like camera output
 * (about 2 MB per 12 MP at quality 90) rather than like flat colour or pure noise.
 */
function photoPixels(width: number, height: number, channels: 3 | 4, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  let state = seed;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      const grain = (state / 0x7fffffff - 0.5) * 14;
      const index = (y * width + x) * channels;
      pixels[index] = 128 + 100 * Math.sin(x / 300 + y / 900) + grain;
      pixels[index + 1] = 128 + 80 * Math.cos(y / 200) + grain;
      pixels[index + 2] = (x + y) / ((width + height) / 255) + grain;
      if (channels === 4) {
        pixels[index + 3] = 255 - Math.abs((((x / width) * 510) % 510) - 255) / 2;
      }
    }
  }
  return pixels;
}

const photo = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp(photoPixels(width, height, channels, width * 31 + height), { raw: { width, height, channels } });

async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(
    Array.from({ length: 12 }, (_, frame) =>
      photo(800, 600)
        .modulate({ hue: frame * 30 })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } })
    .gif()
    .toBuffer();
}

export const CORPUS: readonly CorpusClass[] = [
  {
    name: 'JPEG 1 MP',
    file: 'jpeg-1mp.jpg',
    twelveMegapixel: false,
    make: () => photo(1280, 800).jpeg({ quality: 90 }).toBuffer(),
  },
  {
    name: 'JPEG 12 MP',
    file: 'jpeg-12mp.jpg',
    twelveMegapixel: true,
    make: () => photo(4000, 3000).jpeg({ quality: 90 }).toBuffer(),
  },
  {
    name: 'JPEG 24 MP',
    file: 'jpeg-24mp.jpg',
    twelveMegapixel: false,
    make: () => photo(6000, 4000).jpeg({ quality: 90 }).toBuffer(),
  },
  {
    // As a phone photo comes: rotated by EXIF, with an ICC profile (which Pillow ignores and sharp applies).
    name: 'JPEG 12 MP, EXIF 6 + ICC',
    file: 'jpeg-12mp-exif6.jpg',
    twelveMegapixel: true,
    make: () => photo(4000, 3000).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer(),
  },
  {
    name: 'JPEG 12 MP, progressive',
    file: 'jpeg-12mp-progressive.jpg',
    twelveMegapixel: true,
    make: () => photo(4000, 3000).jpeg({ quality: 90, progressive: true }).toBuffer(),
  },
  {
    name: 'PNG 12 MP, RGBA',
    file: 'png-12mp-rgba.png',
    twelveMegapixel: true,
    make: () => photo(4000, 3000, 4).png().toBuffer(),
  },
  {
    name: 'WebP 12 MP',
    file: 'webp-12mp.webp',
    twelveMegapixel: true,
    make: () => photo(4000, 3000).webp({ quality: 85 }).toBuffer(),
  },
  { name: 'GIF, 12 frames', file: 'gif-animated.gif', twelveMegapixel: false, make: animatedGif },
];

/** Writes any missing corpus file into `directory` (generation is deterministic, so files are reusable). */
export async function ensureCorpus(directory: string, log: (line: string) => void): Promise<void> {
  await mkdir(directory, { recursive: true });
  for (const entry of CORPUS) {
    const path = join(directory, entry.file);
    if (!existsSync(path)) {
      log(`generating ${entry.name} (${entry.file})`);
      await writeFile(path, await entry.make());
    }
  }
}

/** The renditions scenario's HEIC: an iPhone's 12 MP (4032x3024), made from the corpus' photo pixels. */
export const HEIC_12MP = { name: 'HEIC 12 MP', file: 'heic-12mp.heic', width: 4032, height: 3024 } as const;

/**
 * Writes the HEIC if it is missing, with heif-enc (Debian's libheif-examples: libheif and x265), at a
 * quality that gives about the bytes an iPhone writes (2.2 MB); returns its path, or undefined without
 * heif-enc. Encoding takes about half a minute, once.
 */
export async function ensureHeic(
  directory: string,
  log: (line: string) => void,
): Promise<string | undefined> {
  const path = join(directory, HEIC_12MP.file);
  if (existsSync(path)) {
    return path;
  }
  if (spawnSync('heif-enc', ['--help'], { stdio: 'ignore' }).error) {
    return undefined;
  }
  log(`generating ${HEIC_12MP.name} (${HEIC_12MP.file}) with heif-enc`);
  const png = join(directory, 'heic-12mp-source.png');
  await photo(HEIC_12MP.width, HEIC_12MP.height).png({ compressionLevel: 1 }).toFile(png);
  try {
    await run('heif-enc', ['-q', '50', '-o', `${path}.tmp`, png]);
    await rename(`${path}.tmp`, path);
  } finally {
    await rm(png, { force: true });
  }
  return path;
}
