import { type Sniffed, sniffFormat } from '../../../src/core/engine/sniffFormat';
import { sampleHeic, solidImage } from '../../support/images';

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );

/** An ISO-BMFF `ftyp` box with a major brand and compatible brands. */
const ftyp = (major: string, ...compatible: string[]): Buffer => {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], ...compatible);
};

describe('sniffFormat', () => {
  it.each<[string, () => Promise<Buffer> | Buffer, Sniffed]>([
    ['JPEG', () => solidImage(8, 8, 'jpeg'), { kind: 'supported', format: 'jpeg' }],
    ['PNG', () => solidImage(8, 8, 'png'), { kind: 'supported', format: 'png' }],
    ['WebP', () => solidImage(8, 8, 'webp'), { kind: 'supported', format: 'webp' }],
    ['GIF', () => solidImage(8, 8, 'gif'), { kind: 'supported', format: 'gif' }],
    ['TIFF', () => solidImage(8, 8, 'tiff'), { kind: 'supported', format: 'tiff' }],
    ['AVIF', () => solidImage(8, 8, 'avif'), { kind: 'supported', format: 'avif' }],
    [
      'AVIF as a compatible brand of mif1',
      () => ftyp('mif1', 'avif', 'miaf'),
      { kind: 'supported', format: 'avif' },
    ],
    ['big-endian TIFF', () => bytes([0x4d, 0x4d, 0x00, 0x2a], 'rest'), { kind: 'supported', format: 'tiff' }],
    ['GIF87a', () => bytes('GIF87a', [1, 0, 1, 0]), { kind: 'supported', format: 'gif' }],
    ['real HEIC', sampleHeic, { kind: 'supported', format: 'heic' }],
    ['HEIF with only the mif1 brand', () => ftyp('mif1', 'miaf'), { kind: 'supported', format: 'heic' }],
    ['SVG', () => bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'), { kind: 'refused', format: 'svg' }],
    [
      'SVG after a BOM, prolog and comment',
      () => bytes([0xef, 0xbb, 0xbf], '<?xml version="1.0"?>\n<!-- x -->\n<svg width="1">'),
      { kind: 'refused', format: 'svg' },
    ],
    ['PDF', () => bytes('%PDF-1.7\n'), { kind: 'refused', format: 'pdf' }],
    ['BMP', () => bytes('BM', [0, 0, 0, 0]), { kind: 'refused', format: 'bmp' }],
    ['Photoshop', () => bytes('8BPS', [0, 1]), { kind: 'refused', format: 'psd' }],
    ['JPEG XL codestream', () => bytes([0xff, 0x0a, 0x00]), { kind: 'refused', format: 'jxl' }],
    [
      'JPEG 2000',
      () => bytes([0, 0, 0, 0x0c], 'jP  ', [0x0d, 0x0a, 0x87, 0x0a]),
      { kind: 'refused', format: 'jp2' },
    ],
    // A real icon: header, one 16x16 entry (colour count 0, reserved 0, 1 plane, 32 bpp), then its PNG.
    [
      'ICO',
      () => bytes([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0, 1, 0, 0, 22, 0, 0, 0], [0x89, 0x50]),
      { kind: 'refused', format: 'ico' },
    ],
    [
      'CUR',
      () => bytes([0, 0, 2, 0, 1, 0, 32, 32, 0, 0, 4, 0, 4, 0, 0, 1, 0, 0, 22, 0, 0, 0]),
      { kind: 'refused', format: 'ico' },
    ],
    ['QOI', () => bytes('qoif', [0, 0, 0, 8, 0, 0, 0, 8, 4, 0]), { kind: 'refused', format: 'qoi' }],
    ['OpenEXR', () => bytes([0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0]), { kind: 'refused', format: 'exr' }],
    ['Radiance HDR', () => bytes('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n'), { kind: 'refused', format: 'hdr' }],
    ['DDS', () => bytes('DDS ', [124, 0, 0, 0]), { kind: 'refused', format: 'dds' }],
    ['zeros that only start like an icon', () => Buffer.alloc(64), { kind: 'unknown' }],
    ['empty input', () => Buffer.alloc(0), { kind: 'unknown' }],
    ['plain text', () => bytes('hello, I am not a picture'), { kind: 'unknown' }],
    ['HTML', () => bytes('<!doctype html><html><body>hi</body></html>'), { kind: 'unknown' }],
    ['a lone JPEG marker (too short to be a JPEG)', () => bytes([0xff, 0xd8]), { kind: 'unknown' }],
    [
      'RIFF that is not WebP (a WAV file)',
      () => bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '),
      { kind: 'unknown' },
    ],
    ['ftyp of an MP4 video', () => ftyp('isom', 'mp41'), { kind: 'unknown' }],
  ])('%s', async (_name, input, expected) => {
    expect(sniffFormat(await input())).toEqual(expected);
  });

  it('reads brands only within the ftyp box, even when the box claims to be longer than the input', () => {
    const truncated = bytes([0, 0, 0xff, 0xff], 'ftyp', 'isom', [0, 0, 0, 0], 'av');
    expect(sniffFormat(truncated)).toEqual({ kind: 'unknown' });
  });
});
