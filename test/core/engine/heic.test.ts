import sharp from 'sharp';
import { makeRenditions } from '../../../src/core/engine/makeRenditions';
import { DEFAULT_INPUT_POLICY } from '../../../src/core/engine/inputLimits';
import { checkRenditions, type Rendition } from '../../../src/core/renditions';
import { heifEnc, orientationPicture, type Rgb } from '../../support/heicFixtures';
import { declaringSize, imageItems, withPrimary, withTransforms } from '../../support/heifBoxes';
import { describeTier } from '../../support/tiers';

const [RED, BLUE, GREEN] = [
  [220, 30, 30],
  [30, 30, 220],
  [30, 200, 30],
] as const satisfies Rgb[];

const parsed = checkRenditions([{ name: 'box', width: 64, height: 64, formats: ['webp'] }]);
const RENDITIONS: readonly Rendition[] = parsed.ok ? parsed.renditions : [];

const PALETTE = { red: RED, blue: BLUE, green: GREEN };

/** The palette colour nearest to each of 16 points over `image`, away from the colours' borders. */
async function colourGrid(image: Buffer | sharp.Sharp): Promise<string[]> {
  const { data, info } = await (Buffer.isBuffer(image) ? sharp(image) : image)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const steps = [0.03, 0.3, 0.7, 0.97];
  return steps.flatMap((y) =>
    steps.map((x) => {
      const at = (Math.floor(y * info.height) * info.width + Math.floor(x * info.width)) * 3;
      const distance = (colour: Rgb) =>
        colour.reduce((sum, value, c) => sum + Math.abs(value - (data[at + c] ?? 0)), 0);
      const [nearest] = Object.entries(PALETTE).sort(([, a], [, b]) => distance(a) - distance(b));
      return nearest?.[0] ?? 'none';
    }),
  );
}

/** What a HEIC must come out as: its picture, transformed as sharp transforms the PNG it was made from. */
async function expectLike(heic: Buffer, png: Buffer, transform: (image: sharp.Sharp) => sharp.Sharp) {
  const made = await makeRenditions(heic, RENDITIONS);
  const [output] = made.outputs;
  const expected = await transform(sharp(png)).png().toBuffer();
  const { width, height } = await sharp(expected).metadata();
  expect(made.input).toMatchObject({ format: 'heic', width, height });
  expect(await colourGrid(output?.data ?? Buffer.alloc(0))).toEqual(await colourGrid(sharp(expected)));
}

describeTier('heif', 'makeRenditions: HEIC input (libheif WebAssembly)', () => {
  let picture: Buffer;
  let heic8: Buffer;

  beforeAll(async () => {
    picture = await orientationPicture(64, 32, { left: RED, right: BLUE, top: GREEN });
    heic8 = await heifEnc([picture]);
  });

  it('decodes an 8-bit HEIC as its picture', async () => {
    await expectLike(heic8, picture, (image) => image);
  });

  it('decodes a 10-bit HEIC as its picture', async () => {
    const deep = await orientationPicture(64, 32, { left: RED, right: BLUE, top: GREEN }, 16);
    await expectLike(await heifEnc([deep], ['-b', '10']), picture, (image) => image);
  });

  it.each<[string, number, 0 | 1 | undefined, (image: sharp.Sharp) => sharp.Sharp]>([
    ['a quarter turn anticlockwise (irot 1)', 1, undefined, (image) => image.rotate(270)],
    ['a half turn (irot 2)', 2, undefined, (image) => image.rotate(180)],
    [
      'three quarter turns, then mirrored left to right (irot 3, imir 1)',
      3,
      1,
      // HEIF applies irot, then imir; sharp flips before it rotates, so the same picture is flip then 90.
      (image) => image.flip().rotate(90),
    ],
    ['mirrored top to bottom (imir 0)', 0, 0, (image) => image.flip()],
  ])('comes out upright after %s', async (_name, turns, mirror, transform) => {
    await expectLike(withTransforms(heic8, turns, mirror), picture, transform);
  });

  it('uses the primary image of a multi-image file, whichever is stored first', async () => {
    const other = await orientationPicture(48, 48, { left: GREEN, right: GREEN, top: BLUE });
    const multi = await heifEnc([picture, other]);
    const [first, second] = imageItems(multi);
    await expectLike(withPrimary(multi, first ?? 0), picture, (image) => image);
    await expectLike(withPrimary(multi, second ?? 0), other, (image) => image);
  });

  it('refuses a truncated file as corrupt', async () => {
    await expect(makeRenditions(heic8.subarray(0, heic8.length - 40), RENDITIONS)).rejects.toMatchObject({
      reason: 'corrupt',
      message: expect.stringMatching(/^cannot decode heic: \S.*\S$/) as unknown,
    });
  });

  it("gives libheif's reason on one line, without its trailing newline", async () => {
    // A cut inside the coded data: libheif's "Extent in iloc box references data outside of file bounds".
    const larger = await heifEnc([
      await orientationPicture(256, 192, { left: RED, right: BLUE, top: GREEN }),
    ]);
    const refused = makeRenditions(larger.subarray(0, Math.floor(larger.length * 0.9)), RENDITIONS);
    await expect(refused).rejects.toMatchObject({
      message: expect.stringMatching(/^cannot decode heic: .*iloc[^\n]*\)$/) as unknown,
    });
  });

  it('refuses one declaring 60000x60000 by the pixel limit, before decoding a pixel', async () => {
    await expect(makeRenditions(declaringSize(heic8, 60000, 60000), RENDITIONS)).rejects.toMatchObject({
      reason: 'too-many-pixels',
      message: 'image is 60000x60000 = 3,600,000,000 pixels, above the 100,000,000-pixel limit',
    });
  });

  it('refuses every HEIC when HEIC input is turned off', async () => {
    await expect(
      makeRenditions(heic8, RENDITIONS, { ...DEFAULT_INPUT_POLICY, heic: false }),
    ).rejects.toMatchObject({
      reason: 'unsupported-format',
    });
  });
});
