import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import {
  iccpChunk,
  jpeg,
  jpegIccSegments,
  jpegSegment,
  png,
  stripes,
  TIFF_ICC_TAG,
  tiff,
  tiffFile,
  tiffImageTags,
  withJpegSegments,
} from './imageContainers';
import { pngChunk } from './images';
import { type RejectionReason } from '../../src/common/errors';

/**
 * Inputs whose ancillary data, frames or canvas would cost far more memory than their size suggests,
 * beside inputs with large but legitimate metadata, each with the outcome it must have. Every file is
 * generated; none is committed.
 */
export type Expected =
  { readonly status: 'made' } | { readonly status: 'rejected'; readonly reason: RejectionReason };

export type MemoryCase = readonly [name: string, body: () => Promise<Buffer> | Buffer, expected: Expected];

const MEBIBYTE = 1024 * 1024;
const made: Expected = { status: 'made' };
const refused = (reason: RejectionReason): Expected => ({ status: 'rejected', reason });

const small = () => stripes([[0.8, 0.2, 0.1]], 8, 64, 48);
const oneByOne = () => stripes([[0.8, 0.2, 0.1]], 8, 1, 1);
const times = <T>(count: number, make: (index: number) => T): T[] =>
  Array.from({ length: count }, (_, i) => make(i));

/** The Adobe RGB fixture grown to `bytes` with a private tag: a valid profile of a chosen size. */
export function largeIccProfile(bytes: number): Buffer {
  const base = readFileSync(join(__dirname, '..', 'fixtures', 'icc', 'compatibleWithAdobeRGB1998.icc'));
  const tags = base.readUInt32BE(128);
  const head = Buffer.alloc(132 + (tags + 1) * 12);
  base.copy(head, 0, 0, 132 + tags * 12);
  const shift = 12; // one more tag-table entry moves every tag's data down by 12 bytes
  for (let tag = 0; tag < tags; tag += 1)
    head.writeUInt32BE(base.readUInt32BE(136 + tag * 12) + shift, 136 + tag * 12);
  const body = base.subarray(132 + tags * 12);
  const paddingAt = head.length + body.length + ((4 - (body.length % 4)) % 4);
  const privateTag = Buffer.alloc(Math.max(8, bytes - paddingAt), 0x5a);
  privateTag.write('data', 0, 'latin1'); // dataType: a private tag of raw bytes
  head.write('zzzz', 132 + tags * 12, 'latin1');
  head.writeUInt32BE(paddingAt, 136 + tags * 12);
  head.writeUInt32BE(privateTag.length, 140 + tags * 12);
  head.writeUInt32BE(tags + 1, 128);
  const profile = Buffer.concat([
    head,
    body,
    Buffer.alloc(paddingAt - head.length - body.length),
    privateTag,
  ]);
  profile.writeUInt32BE(profile.length, 0);
  return profile;
}

/** A JPEG with `count` copies of one APPn (or COM) segment. */
const jpegWith = async (marker: number, data: Buffer, count: number) =>
  withJpegSegments(
    await jpeg(small()),
    times(count, () => jpegSegment(marker, data)),
  );

const EXIF = Buffer.concat([
  Buffer.from('Exif\0\0II*\0\x08\0\0\0\0\0', 'latin1'),
  Buffer.alloc(65_000, 0x20),
]);
const XMP_EXTENSION = Buffer.concat([
  Buffer.from('http://ns.adobe.com/xmp/extension/\0', 'latin1'),
  Buffer.from('0123456789ABCDEF0123456789ABCDEF', 'latin1'),
  Buffer.alloc(8),
  Buffer.alloc(65_000, 0x78),
]);

function xmpPacket(bytes: number): string {
  const open =
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">';
  const close = '</rdf:RDF></x:xmpmeta>';
  return `${open}<!--${'x'.repeat(Math.max(0, bytes - open.length - close.length - 7))}-->${close}`;
}

/** PNG text chunks, each inflating to 1 MiB from about 1 KB. */
export const compressedText = (type: 'zTXt' | 'iTXt', count: number) => {
  const text = deflateSync(Buffer.alloc(MEBIBYTE, 0x61), { level: 9 });
  const head = (index: number) => (type === 'zTXt' ? `k${index}\0\0` : `k${index}\0\x01\0\0\0`);
  return png(
    small(),
    times(count, (index) => pngChunk(type, Buffer.concat([Buffer.from(head(index), 'latin1'), text]))),
  );
};

/** A PNG whose header declares an interlaced image of `width` x `height` RGBA at 16 bits. */
function interlacedPngDeclaring(width: number, height: number): Buffer {
  const image = Buffer.from(png({ ...stripes([[0.5, 0.5, 0.5, 1]], 16, 1, 1), channels: 4 }));
  image.writeUInt32BE(width, 16);
  image.writeUInt32BE(height, 20);
  image[28] = 1; // interlace method: Adam7
  return image;
}

/** Rewrites the frame size a progressive JPEG's SOF2 declares; the scans stay tiny. */
async function progressiveJpegDeclaring(width: number, height: number): Promise<Buffer> {
  const image = Buffer.from(
    await sharp(await jpeg(small()))
      .jpeg({ progressive: true, chromaSubsampling: '4:4:4' })
      .toBuffer(),
  );
  const frame = image.indexOf(Buffer.from([0xff, 0xc2]));
  image.writeUInt16BE(height, frame + 5);
  image.writeUInt16BE(width, frame + 7);
  return image;
}

export const riffChunk = (type: string, data: Buffer) => {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, Buffer.alloc(data.length % 2)]);
};
const riff = (chunks: readonly Buffer[]) => {
  const body = Buffer.concat([Buffer.from('WEBP'), ...chunks]);
  return Buffer.concat([
    riffChunk('RIFF', Buffer.alloc(0)).subarray(0, 4),
    Buffer.from(Uint32Array.of(body.length).buffer),
    body,
  ]);
};
const u24 = (value: number) => Buffer.from([value & 255, (value >> 8) & 255, value >> 16]);

/** A WebP of a 1x1 lossless image with a VP8X header (canvas, flags) and extra chunks. */
export async function webp(
  flags: number,
  canvas: readonly [number, number],
  extra: (image: Buffer) => Buffer[],
) {
  const lossless = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c33' } })
    .webp({ lossless: true })
    .toBuffer();
  const image = lossless.subarray(12); // its VP8L chunk
  const vp8x = Buffer.concat([Buffer.from([flags, 0, 0, 0]), u24(canvas[0] - 1), u24(canvas[1] - 1)]);
  return riff([riffChunk('VP8X', vp8x), ...extra(image)]);
}
export const frame = (image: Buffer) =>
  riffChunk('ANMF', Buffer.concat([u24(0), u24(0), u24(0), u24(0), u24(100), Buffer.from([0]), image]));

/** A GIF of `frames` one-pixel frames, the last placed at (x, y). */
export function gif(frames: number, [x, y]: readonly [number, number] = [0, 0]): Buffer {
  const screen = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1');
  const pixel = (left: number, top: number) => {
    const block = Buffer.from([
      0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x80, 0xc0, 0x30, 0x30, 255, 255, 255, 2, 2, 0x44, 1, 0,
    ]);
    block.writeUInt16LE(left, 1);
    block.writeUInt16LE(top, 3);
    return block;
  };
  const blocks = times(frames, (index) => (index === frames - 1 ? pixel(x, y) : pixel(0, 0)));
  return Buffer.concat([screen, ...blocks, Buffer.from([0x3b])]);
}

/** A TIFF of `pages` one-pixel pages. */
const tiffPages = (pages: number) =>
  tiffFile(
    times(pages, () => ({
      data: Buffer.from([200, 50, 25]),
      tags: (at: number) => tiffImageTags(oneByOne(), at),
    })),
  );

/** An AVIF whose image-size property (ispe) declares `width` x `height`. */
export async function avifDeclaring(width: number, height: number): Promise<Buffer> {
  const image = Buffer.from(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } })
      .avif()
      .toBuffer(),
  );
  const ispe = image.indexOf('ispe', 0, 'latin1');
  image.writeUInt32BE(width, ispe + 8);
  image.writeUInt32BE(height, ispe + 12);
  return image;
}

const avifWithXmp = async (bytes: number) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } })
    .withXmp(xmpPacket(bytes))
    .avif()
    .toBuffer();

/** PNG: text, ICC, Exif and interlacing that inflate far beyond the file. */
const PNG_BOMBS: readonly MemoryCase[] = [
  ['png-ztxt-500-chunks-of-1MiB.png', () => compressedText('zTXt', 500), refused('too-much-metadata')],
  ['png-itxt-500-chunks-of-1MiB.png', () => compressedText('iTXt', 500), refused('too-much-metadata')],
  [
    'png-text-20MiB.png',
    () =>
      png(
        small(),
        times(20, (i) =>
          pngChunk('tEXt', Buffer.concat([Buffer.from(`k${i}\0`), Buffer.alloc(MEBIBYTE, 0x62)])),
        ),
      ),
    refused('too-much-metadata'),
  ],
  [
    'png-iccp-inflating-to-200MiB.png',
    () => png(small(), [iccpChunk(Buffer.alloc(200 * MEBIBYTE))]),
    refused('too-much-metadata'),
  ],
  [
    'png-exif-20MiB.png',
    () => png(small(), [pngChunk('eXIf', Buffer.alloc(20 * MEBIBYTE))]),
    refused('too-much-metadata'),
  ],
  [
    'png-interlaced-10000x10000-rgba16.png',
    () => interlacedPngDeclaring(10_000, 10_000),
    refused('too-much-memory'),
  ],
];

/** JPEG: repeated metadata segments, and a progressive scan of a huge canvas. */
const JPEG_BOMBS: readonly MemoryCase[] = [
  ['jpeg-exif-300-app1-segments.jpg', () => jpegWith(0xe1, EXIF, 300), refused('too-much-metadata')],
  ['jpeg-extended-xmp-20MiB.jpg', () => jpegWith(0xe1, XMP_EXTENSION, 320), refused('too-much-metadata')],
  [
    'jpeg-iptc-300-app13-segments.jpg',
    () => jpegWith(0xed, Buffer.alloc(65_000), 300),
    refused('too-much-metadata'),
  ],
  [
    'jpeg-progressive-10000x10000.jpg',
    () => progressiveJpegDeclaring(10_000, 10_000),
    refused('too-much-memory'),
  ],
];

/** WebP: oversized metadata chunks, and animations too long or too large. */
const WEBP_BOMBS: readonly MemoryCase[] = [
  [
    'webp-exif-20MiB.webp',
    () => webp(0x08, [1, 1], (image) => [image, riffChunk('EXIF', Buffer.alloc(20 * MEBIBYTE))]),
    refused('too-much-metadata'),
  ],
  [
    'webp-iccp-20MiB.webp',
    () => webp(0x20, [1, 1], (image) => [riffChunk('ICCP', Buffer.alloc(20 * MEBIBYTE)), image]),
    refused('too-much-metadata'),
  ],
  [
    'webp-xmp-20MiB.webp',
    () => webp(0x04, [1, 1], (image) => [image, riffChunk('XMP ', Buffer.alloc(20 * MEBIBYTE))]),
    refused('too-much-metadata'),
  ],
  [
    'webp-12000-frames.webp',
    () =>
      webp(0x02, [16, 16], (image) => [
        riffChunk('ANIM', Buffer.alloc(6)),
        ...times(12_000, () => frame(image)),
      ]),
    refused('too-many-frames'),
  ],
  [
    'webp-animation-on-10000x10000.webp',
    () =>
      webp(0x02, [10_000, 10_000], (image) => [
        riffChunk('ANIM', Buffer.alloc(6)),
        frame(image),
        frame(image),
      ]),
    refused('too-much-memory'),
  ],
];

/** GIF, TIFF and AVIF: far-flung pixels, endless frames or pages, huge canvases and metadata. */
const GIF_TIFF_AVIF_BOMBS: readonly MemoryCase[] = [
  ['gif-pixel-at-9999x9999.gif', () => gif(1, [9999, 9999]), refused('too-much-memory')],
  ['gif-20000-frames.gif', () => gif(20_000), refused('too-many-frames')],
  ['tiff-20000-pages.tif', () => tiffPages(20_000), refused('too-many-frames')],
  [
    'tiff-xmp-20MiB.tif',
    () => tiff(oneByOne(), [{ tag: 700, type: 1, values: Buffer.alloc(20 * MEBIBYTE, 0x20) }]),
    refused('too-much-metadata'),
  ],
  ['avif-10000x10000.avif', () => avifDeclaring(10_000, 10_000), refused('too-much-memory')],
  ['avif-xmp-20MiB.avif', () => avifWithXmp(20 * MEBIBYTE), refused('too-much-metadata')],
];

/** Large but legitimate: each makes its thumbnail. */
const LARGE_BUT_LEGITIMATE: readonly MemoryCase[] = [
  [
    'legit-jpeg-icc-3MiB.jpg',
    async () => jpeg(small(), jpegIccSegments(largeIccProfile(3 * MEBIBYTE))),
    made,
  ],
  [
    'legit-jpeg-icc-16MB-255-segments.jpg',
    async () => jpeg(small(), jpegIccSegments(largeIccProfile(255 * 65_519))),
    made,
  ],
  [
    'legit-jpeg-exif-60KB-xmp-2MiB.jpg',
    async () =>
      withJpegSegments(await jpeg(small()), [
        jpegSegment(0xe1, EXIF.subarray(0, 60_000)),
        ...times(32, () => jpegSegment(0xe1, XMP_EXTENSION)),
      ]),
    made,
  ],
  [
    'legit-png-icc-3MiB-xmp-2MiB.png',
    () =>
      png(small(), [
        iccpChunk(largeIccProfile(3 * MEBIBYTE)),
        pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0${xmpPacket(2 * MEBIBYTE)}`, 'latin1')),
      ]),
    made,
  ],
  [
    'legit-tiff-icc-3MiB.tif',
    () => tiff(small(), [{ tag: TIFF_ICC_TAG, type: 7, values: largeIccProfile(3 * MEBIBYTE) }]),
    made,
  ],
  [
    'legit-webp-icc-3MiB.webp',
    () => webp(0x20, [1, 1], (image) => [riffChunk('ICCP', largeIccProfile(3 * MEBIBYTE)), image]),
    made,
  ],
  ['legit-avif-xmp-2MiB.avif', () => avifWithXmp(2 * MEBIBYTE), made],
  ['legit-gif-2000-frames.gif', () => gif(2000), made],
  [
    'legit-jpeg-12MP-progressive.jpg',
    async () =>
      sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#36a' } })
        .jpeg({ progressive: true })
        .toBuffer(),
    made,
  ],
];

/** Each kind of oversized ancillary data, frame count and canvas, and legitimate large metadata. */
export function memoryCases(): readonly MemoryCase[] {
  return [...PNG_BOMBS, ...JPEG_BOMBS, ...WEBP_BOMBS, ...GIF_TIFF_AVIF_BOMBS, ...LARGE_BUT_LEGITIMATE];
}
