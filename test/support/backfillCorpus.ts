import type { S3Client } from '@aws-sdk/client-s3';
import { putObject } from './bucketContents';
import { type Encoding, solidImage } from './images';
import { inParallel } from './inParallel';

/** What an object of a backfill corpus is, and so what the backfill must answer for it. */
export type CorpusKind = 'image' | 'text' | 'empty' | 'folder';

export interface CorpusObject {
  readonly key: string;
  readonly kind: CorpusKind;
}

const ENCODINGS: readonly Encoding[] = ['jpeg', 'png', 'webp', 'gif'];
/** Names S3 allows and URL encoding mangles when done wrong: spaces, `+`, `%`, unicode. */
const ODD_NAMES = ['a b', 'c+d', '100% e', 'café ☕', '%41'];

/** The kind of the object at `index`: four images in five, then text, empty objects and folder markers. */
function kindAt(index: number): CorpusKind {
  const slot = index % 20;
  return slot < 16 ? 'image' : slot < 18 ? 'text' : slot === 18 ? 'empty' : 'folder';
}

function keyOf(index: number, kind: CorpusKind): string {
  const folder = `set-${String(index % 7)}/${ODD_NAMES[index % ODD_NAMES.length] ?? ''}`;
  const name = `${folder} ${String(index).padStart(5, '0')}`;
  return kind === 'folder' ? `${name}/` : `${name}.${kind === 'image' ? 'img' : 'txt'}`;
}

/** `count` objects of mixed kinds in `bucket`, images in each format sharp writes small and fast. */
export async function seedCorpus(s3: S3Client, bucket: string, count: number): Promise<CorpusObject[]> {
  const images = await Promise.all(ENCODINGS.map((encoding) => solidImage(48, 32, encoding)));
  const objects = Array.from({ length: count }, (_, index) => {
    const kind = kindAt(index);
    return { key: keyOf(index, kind), kind, index };
  });
  await inParallel(objects, 16, ({ key, kind, index }) => {
    const body =
      kind === 'image'
        ? (images[index % images.length] ?? Buffer.alloc(0))
        : kind === 'text'
          ? Buffer.from(`notes ${index}`)
          : Buffer.alloc(0);
    return putObject(s3, bucket, key, body);
  });
  return objects.map(({ key, kind }) => ({ key, kind }));
}
