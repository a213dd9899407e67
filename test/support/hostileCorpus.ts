import sharp from 'sharp';
import type { RejectReason } from '../../src/function/processor/recordOutcome';
import { MAX_KEY_BYTES } from '../../src/core/thumbnailKey';
import {
  animatedGif,
  photoJpeg,
  pngDeclaring,
  sampleHeic,
  solidImage,
  withBogusHuffmanTable,
  withDamagedScanData,
} from './images';
import { avifDeclaring, compressedText, frame, gif, riffChunk, webp } from './metadataBombs';

/** What must happen to one corpus file: a thumbnail of this size, or a refusal for this reason. */
export type ExpectedOutcome =
  | { readonly status: 'made'; readonly size: readonly [number, number] }
  | { readonly status: 'rejected'; readonly reason: RejectReason; readonly detail: RegExp };

export interface CorpusFile {
  /** The S3 key it is uploaded under; its name says what it is. */
  readonly key: string;
  readonly body: Buffer;
  readonly expected: ExpectedOutcome;
  /** A byte string that must not survive into the thumbnail (a polyglot's payload). */
  readonly payload?: string;
}

type Entry = readonly [key: string, body: () => Promise<Buffer> | Buffer, expected: ExpectedOutcome];

const made = (width: number, height: number): ExpectedOutcome => ({ status: 'made', size: [width, height] });
const refused = (reason: RejectReason, detail: RegExp): ExpectedOutcome => ({
  status: 'rejected',
  reason,
  detail,
});

/** Digits grouped as limit messages print them, by the platform's own formatter. */
const grouped = (count: number) => count.toLocaleString('en-US');

const CORRUPT = (format: string) => refused('corrupt', new RegExp(`(unreadable|cannot decode) ${format}`));
const NOT_AN_IMAGE = refused('not-an-image', /not an image/);

/** Deterministic noise (xorshift), so a failing corpus file is the same file on every run. */
function noise(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  bytes[0] = 0x00; // no image signature starts with a zero byte followed by noise
  return bytes;
}

const head = (fraction: number) => (whole: Buffer) => whole.subarray(0, Math.floor(whole.length * fraction));

/** Rewrites the frame size a JPEG's start-of-frame (SOF0) segment declares; the pixels stay tiny. */
function jpegDeclaring(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  const frame = copy.indexOf(Buffer.from([0xff, 0xc0]));
  copy.writeUInt16BE(height, frame + 5);
  copy.writeUInt16BE(width, frame + 7);
  return copy;
}

/** Rewrites the logical screen and first image size of a GIF (little-endian fields). */
function gifDeclaring(gif: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(gif);
  copy.writeUInt16LE(width, 6);
  copy.writeUInt16LE(height, 8);
  const descriptor = copy.indexOf(0x2c, 13);
  copy.writeUInt16LE(width, descriptor + 5);
  copy.writeUInt16LE(height, descriptor + 7);
  return copy;
}

/** Flips one byte inside a PNG chunk's data, leaving its CRC stale. */
function pngWithBadCrc(png: Buffer, chunkType: 'IHDR' | 'IDAT'): Buffer {
  const copy = Buffer.from(png);
  const type = copy.indexOf(Buffer.from(chunkType, 'latin1'));
  copy[type + 6] = (copy[type + 6] ?? 0) ^ 0xff;
  return copy;
}

/** A JPEG padded with comment (COM) segments to exactly `bytes`: a valid image of a chosen size. */
async function jpegOfExactly(bytes: number): Promise<Buffer> {
  const jpeg = await solidImage(320, 240);
  const segments: Buffer[] = [];
  let missing = bytes - jpeg.length;
  while (missing > 0) {
    // A segment is marker (2) + length (2) + data; the length field counts itself, at most 65535.
    const data = Math.min(65533, missing - 4);
    if (data < 0) {
      throw new Error(`cannot pad to exactly ${bytes} bytes`);
    }
    const segment = Buffer.alloc(4 + data, 0x20);
    segment.writeUInt16BE(0xfffe, 0);
    segment.writeUInt16BE(data + 2, 2);
    segments.push(segment);
    missing -= segment.length;
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

/** An animated GIF of `frames` 16x16 frames, made from one tall raw strip. */
function manyFrameGif(frames: number): Promise<Buffer> {
  const [width, height] = [16, 16 * frames];
  const pixels = Buffer.alloc(width * height * 3);
  for (let frame = 0; frame < frames; frame += 1) {
    pixels.fill(frame % 251, frame * width * 16 * 3, (frame + 1) * width * 16 * 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3, pageHeight: 16 } })
    .gif()
    .toBuffer();
}

/** A single-frame GIF of noise: it compresses badly, so half of it stops mid-frame. */
const noisyGif = () =>
  sharp({
    create: {
      width: 300,
      height: 200,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
    },
  })
    .gif()
    .toBuffer();

const PAYLOAD = '<script>alert("polyglot")</script>';

/** Every printable ASCII character S3 allows in a key that is not a letter or digit, `/` included. */
export const SPECIAL_CHARACTERS = ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const jpeg = () => photoJpeg(800, 600);
const png = () => solidImage(800, 600, 'png');

/** Not images at all, whatever their names say. */
const NOT_IMAGES: readonly Entry[] = [
  ['empty.jpg', () => Buffer.alloc(0), refused('empty', /empty \(0 bytes\)/)],
  ['random-64-bytes.jpg', () => noise(64, 1), NOT_AN_IMAGE],
  ['random-200-kb.png', () => noise(200_000, 2), NOT_AN_IMAGE],
  ['text-named.jpg', () => Buffer.from('just some text, named like a photo\n'), NOT_AN_IMAGE],
  ['html-named.jpg', () => Buffer.from('<!doctype html><html><body><img src=x></body></html>'), NOT_AN_IMAGE],
  ['json-named.png', () => Buffer.from('{"not":"an image"}'), NOT_AN_IMAGE],
  ['zip-named.gif', () => Buffer.concat([Buffer.from('PK\x03\x04'), noise(500, 3)]), NOT_AN_IMAGE],
  ['elf-named.webp', () => Buffer.concat([Buffer.from('\x7fELF'), noise(500, 4)]), NOT_AN_IMAGE],
];

/** HEIC is decoded (by libheif's WebAssembly build): the bytes decide, whatever the name says. */
const HEIC: readonly Entry[] = [
  ['heic-photo.heic', sampleHeic, made(64, 48)],
  ['heic-named.jpg', sampleHeic, made(64, 48)],
];

/** Recognised formats the engine refuses by design. */
const REFUSED_FORMATS: readonly Entry[] = [
  [
    'svg-external-refs.svg',
    () => Buffer.from(svgWithExternalReferences()),
    refused('unsupported-format', /SVG/),
  ],
  [
    'svg-named.jpg',
    () => Buffer.from(`\uFEFF<?xml version="1.0"?>\n${svgWithExternalReferences()}`),
    refused('unsupported-format', /SVG/),
  ],
  [
    'pdf-named.jpg',
    () => Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n'),
    refused('unsupported-format', /PDF/),
  ],
  [
    'bitmap.bmp',
    () => Buffer.concat([Buffer.from('BM'), noise(100, 5)]),
    refused('unsupported-format', /BMP/),
  ],
  [
    'photoshop.psd',
    () => Buffer.concat([Buffer.from('8BPS'), noise(100, 6)]),
    refused('unsupported-format', /PSD/),
  ],
  [
    'favicon.ico',
    () => Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0]), noise(100, 7)]),
    refused('unsupported-format', /ICO \(Windows icon\) is not supported/),
  ],
  [
    'pixels.qoi',
    () => Buffer.concat([Buffer.from('qoif'), noise(100, 8)]),
    refused('unsupported-format', /QOI/),
  ],
  [
    'jpeg-xl.jxl',
    () => Buffer.concat([Buffer.from([0xff, 0x0a]), noise(100, 9)]),
    refused('unsupported-format', /JPEG XL is not supported/),
  ],
];

/** Cut short, or damaged inside. */
const DAMAGED: readonly Entry[] = [
  ['truncated-half.jpg', async () => head(0.5)(await jpeg()), CORRUPT('jpeg')],
  ['truncated-header.jpg', () => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a]), CORRUPT('jpeg')],
  ['truncated-half.png', async () => head(0.5)(await png()), CORRUPT('png')],
  ['truncated-signature.png', async () => (await png()).subarray(0, 8), CORRUPT('png')],
  ['truncated-half.gif', async () => head(0.5)(await noisyGif()), CORRUPT('gif')],
  // Its first frame is whole, and the first frame is all a thumbnail shows.
  [
    'truncated-after-first-frame.gif',
    async () => head(0.5)(await animatedGif(['#f00', '#0f0', '#00f'], 300, 200)),
    made(256, 171),
  ],
  ['truncated-half.webp', async () => head(0.5)(await solidImage(800, 600, 'webp')), CORRUPT('webp')],
  ['truncated-half.tiff', async () => head(0.5)(await solidImage(800, 600, 'tiff')), CORRUPT('tiff')],
  ['truncated-half.avif', async () => head(0.5)(await solidImage(400, 300, 'avif')), CORRUPT('avif')],
  ['bogus-huffman-table.jpg', async () => withBogusHuffmanTable(await jpeg()), refused('corrupt', /Huffman/)],
  [
    'damaged-scan-data.jpg',
    async () => withDamagedScanData(await jpeg()),
    refused('corrupt', /premature end/),
  ],
  [
    'bad-crc-header.png',
    async () => pngWithBadCrc(await png(), 'IHDR'),
    refused('corrupt', /damaged data \(such as a bad checksum\)/),
  ],
  [
    'bad-crc-data.png',
    async () => pngWithBadCrc(await png(), 'IDAT'),
    refused('corrupt', /cannot decode png: vipspng: libpng read error/),
  ],
  [
    'heic-claiming-avif.avif',
    () => Buffer.from(sampleHeic().toString('latin1').replace(/heic/g, 'avif'), 'latin1'),
    CORRUPT('avif'),
  ],
];

/** Small files declaring enormous images: refused from the header, before any pixel is decoded. */
const BOMBS: readonly Entry[] = [
  [
    'bomb-50000x50000.png',
    () => pngDeclaring(50_000, 50_000),
    refused('too-many-pixels', /50000x50000 = 2,500,000,000 pixels, above the 100,000,000-pixel limit/),
  ],
  [
    'bomb-65000x65000.jpg',
    async () => jpegDeclaring(await solidImage(64, 64), 65_000, 65_000),
    refused('too-many-pixels', /65000x65000/),
  ],
  [
    'bomb-65535x65535.gif',
    async () => gifDeclaring(await solidImage(16, 16, 'gif'), 65_535, 65_535),
    refused('too-many-pixels', /65535x65535/),
  ],
  // Small files whose metadata, frames or canvas would cost hundreds of megabytes: refused before decoding.
  [
    'bomb-500-text-chunks-of-1MiB.png',
    () => compressedText('zTXt', 500),
    refused('too-much-metadata', /PNG metadata takes at least [\d,]+ bytes in memory \(text chunks/),
  ],
  [
    'bomb-pixel-at-9999x9999.gif',
    () => gif(1, [9999, 9999]),
    refused('too-much-memory', /canvas as large as its frames reach, here 10000x10000/),
  ],
  [
    'bomb-12000-frames.webp',
    () =>
      webp(0x02, [16, 16], (image) => [
        riffChunk('ANIM', Buffer.alloc(6)),
        ...Array.from({ length: 12_000 }, () => frame(image)),
      ]),
    refused('too-many-frames', /WebP has at least 12,000 frames or pages, above the 10,000-frame limit/),
  ],
  [
    'bomb-10000x10000.avif',
    () => avifDeclaring(10_000, 10_000),
    refused('too-much-memory', /an AVIF is decoded whole, at full size, here 10000x10000/),
  ],
];

/** The byte limit's neighbours. */
const byteLimitNeighbours = (maxInputBytes: number): readonly Entry[] => [
  ['at-the-byte-limit.jpg', () => jpegOfExactly(maxInputBytes), made(256, 192)],
  [
    'one-byte-over-the-limit.jpg',
    () => jpegOfExactly(maxInputBytes + 1),
    refused(
      'too-large',
      new RegExp(`${grouped(maxInputBytes + 1)} bytes, above the ${grouped(maxInputBytes)}-byte limit`),
    ),
  ],
];

/** Odd but valid: each makes exactly one thumbnail. */
const ODD_BUT_VALID: readonly Entry[] = [
  ['gif-3000-frames.gif', () => manyFrameGif(3000), made(16, 16)],
  ['one-pixel.png', () => solidImage(1, 1, 'png'), made(1, 1)],
  ['ribbon-10000x1.png', () => solidImage(10_000, 1, 'png'), made(256, 1)],
  ['transparent.webp', () => solidImage(300, 300, 'webp', { r: 0, g: 0, b: 0, alpha: 0 }), made(256, 256)],
  ['polyglot-jpeg-html.jpg', async () => Buffer.concat([await jpeg(), Buffer.from(PAYLOAD)]), made(256, 192)],
  [
    'polyglot-html-jpeg.jpg',
    async () => Buffer.concat([Buffer.from(`<html>${PAYLOAD}`), await jpeg()]),
    NOT_AN_IMAGE,
  ],
];

/** Keys at S3's limits, on valid images. */
const ODD_KEYS: readonly Entry[] = [
  [`${'k'.repeat(MAX_KEY_BYTES - 4)}.jpg`, () => solidImage(64, 48), made(64, 48)],
  [`${'é'.repeat((MAX_KEY_BYTES - 4) / 2)}.jpg`, () => solidImage(64, 48), made(64, 48)],
  [`special/${SPECIAL_CHARACTERS}.jpg`, () => solidImage(64, 48), made(64, 48)],
  ['special/naïve café 東京 🐱.jpg', () => solidImage(64, 48), made(64, 48)],
  ['special/plus+and space %2B %20.jpg', () => solidImage(64, 48), made(64, 48)],
  // A raw newline would forge a second log line on a terminal; a tab is legal in XML listings too.
  // (Other control characters are valid in S3 keys, but s3rver cannot list them: XML 1.0 forbids them.)
  ['special/tab\tand\nnewline.jpg', () => solidImage(64, 48), made(64, 48)],
  ['special/../dot-dot.jpg', () => solidImage(64, 48), made(64, 48)],
];

/**
 * The hostile corpus: bad or odd files, each beside the outcome it must have. `maxInputBytes` is the
 * byte limit the pipeline under test runs with, so the limit's neighbours can be tested cheaply.
 */
export function corpusEntries(maxInputBytes: number): readonly Entry[] {
  return [
    ...NOT_IMAGES,
    ...HEIC,
    ...REFUSED_FORMATS,
    ...DAMAGED,
    ...BOMBS,
    ...byteLimitNeighbours(maxInputBytes),
    ...ODD_BUT_VALID,
    ...ODD_KEYS,
  ];
}

function svgWithExternalReferences(): string {
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">',
    '<image xlink:href="http://169.254.169.254/latest/meta-data/iam/security-credentials/" width="100" height="100"/>',
    '<image href="file:///etc/passwd" width="10" height="10"/>',
    '</svg>',
  ].join('');
}

/** The corpus with every file generated. */
export async function hostileCorpus(maxInputBytes: number): Promise<CorpusFile[]> {
  return Promise.all(
    corpusEntries(maxInputBytes).map(async ([key, body, expected]) => ({
      key,
      body: Buffer.from(await body()),
      expected,
      ...(key.startsWith('polyglot') ? { payload: PAYLOAD } : {}),
    })),
  );
}
