import { type Encoding, photoJpeg, solidImage } from './images';

/** One object of a load burst, and what the pipeline must make of it. */
export interface BurstObject {
  readonly key: string;
  readonly body: Buffer;
  readonly kind: 'valid' | 'not-an-image' | 'corrupt';
  /** Of a valid image. */
  readonly size?: readonly [number, number];
}

const ENCODINGS: readonly Encoding[] = ['jpeg', 'png', 'webp', 'gif'];
const EXTENSION: Record<Encoding, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tif',
  avif: 'avif',
};

async function valid(index: number, prefix: string): Promise<BurstObject> {
  const encoding = ENCODINGS[index % ENCODINGS.length] ?? 'jpeg';
  const [width, height] = [40 + ((index * 37) % 900), 40 + ((index * 53) % 700)];
  const colour = `#${((index * 2654435761) % 0xffffff).toString(16).padStart(6, '0')}`;
  const body = await solidImage(width, height, encoding, colour);
  const key = `${prefix}valid/${String(index).padStart(4, '0')}.${EXTENSION[encoding]}`;
  return { key, body, kind: 'valid', size: [width, height] };
}

const notAnImage = (index: number, prefix: string): BurstObject => ({
  key: `${prefix}not-an-image/${String(index).padStart(4, '0')}.jpg`,
  body: Buffer.from(`upload #${index}: a text file with an image's name\n`.repeat(1 + (index % 40))),
  kind: 'not-an-image',
});

async function corrupt(index: number, prefix: string): Promise<BurstObject> {
  const whole = await photoJpeg(160, 120, index + 1);
  return {
    key: `${prefix}corrupt/${String(index).padStart(4, '0')}.jpg`,
    body: whole.subarray(0, Math.floor(whole.length / 2)),
    kind: 'corrupt',
  };
}

/** Deterministic shuffle (Fisher-Yates over xorshift), so uploads of each kind interleave. */
function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const result = [...items];
  let state = seed;
  for (let index = result.length - 1; index > 0; index -= 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const other = (state >>> 0) % (index + 1);
    [result[index], result[other]] = [result[other] as T, result[index] as T];
  }
  return result;
}

/** `counts` valid images, non-images and corrupt images under `prefix`, in a mixed order. */
export async function burstCorpus(
  prefix: string,
  counts: { valid: number; notAnImage: number; corrupt: number },
): Promise<BurstObject[]> {
  const range = (length: number) => Array.from({ length }, (_, index) => index);
  return shuffled([
    ...(await Promise.all(range(counts.valid).map((index) => valid(index, prefix)))),
    ...range(counts.notAnImage).map((index) => notAnImage(index, prefix)),
    ...(await Promise.all(range(counts.corrupt).map((index) => corrupt(index, prefix)))),
  ]);
}
