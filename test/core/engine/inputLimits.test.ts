import { DEFAULT_INPUT_LIMITS } from '../../../src/core/engine/inputLimits';
import { makeThumbnail } from '../../../src/core/engine/makeThumbnail';
import { DEFAULT_THUMBNAIL_OPTIONS } from '../../../src/core/engine/thumbnailOptions';
import { jpeg, jpegSegment, stripes, withJpegSegments } from '../../support/imageContainers';
import { gif, memoryCases } from '../../support/metadataBombs';

/**
 * Every kind of oversized ancillary data, frame count and canvas is refused with its reason, before a
 * decoder allocates for it; large but legitimate metadata still makes a thumbnail. The memory these
 * take is measured in test/engine/memory.test.ts.
 */
describe('makeThumbnail: input limits', () => {
  const cases = memoryCases().map(([name, body, expected]) => ({
    name,
    body,
    expected,
    outcome: expected.status === 'made' ? 'made' : expected.reason,
  }));

  it.each(cases)('$name: $outcome', async ({ body, expected }) => {
    const input = await body();
    const outcome = await makeThumbnail(input, DEFAULT_THUMBNAIL_OPTIONS).then(
      () => ({ status: 'made' }),
      (error: unknown) => ({ status: 'rejected', reason: (error as { reason?: string }).reason, error }),
    );
    expect(outcome).toMatchObject(expected);
  });
});

describe('makeThumbnail: input limits are settings, and their messages give exact numbers', () => {
  it.each([
    {
      name: '4 frames against a 3-frame limit',
      input: () => gif(4),
      limits: { maxFrames: 3 },
      detail:
        'GIF has at least 4 frames or pages, above the 3-frame limit (decoders index every one before showing the first)',
    },
    {
      name: '60,000 bytes of EXIF against a 50,000-byte limit',
      input: async () =>
        withJpegSegments(await jpeg(stripes([[0.5, 0.5, 0.5]], 8, 8, 8)), [
          jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), Buffer.alloc(59_994)])),
        ]),
      limits: { maxMetadataBytes: 50_000 },
      detail:
        'JPEG metadata takes at least 60,000 bytes in memory (EXIF 60,000 bytes), above the 50,000-byte metadata limit',
    },
    {
      name: 'a 100x100 GIF canvas against a 40,000-byte decode limit',
      input: () => gif(1, [99, 99]),
      limits: { maxDecodeBytes: 40_000 },
      detail:
        'decoding needs about 45,000 bytes (a GIF is composed on a canvas as large as its frames reach, here 100x100), above the 40,000-byte decode memory limit',
    },
  ])('$name', async ({ input, limits, detail }) => {
    await expect(
      makeThumbnail(await input(), DEFAULT_THUMBNAIL_OPTIONS, { ...DEFAULT_INPUT_LIMITS, ...limits }),
    ).rejects.toMatchObject({ message: detail });
    await expect(makeThumbnail(await input(), DEFAULT_THUMBNAIL_OPTIONS)).resolves.toMatchObject({
      format: 'jpeg',
    });
  });
});
