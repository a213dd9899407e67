import * as fc from 'fast-check';
import sharp from 'sharp';
import { DEFAULT_INPUT_LIMITS } from '../../../src/core/engine/inputLimits';
import { scanContainer } from '../../../src/core/engine/scan/scanContainer';
import type { SupportedFormat } from '../../../src/core/engine/sniffFormat';
import { iccpChunk, jpeg, jpegIccSegments, png, stripes, tiff } from '../../support/imageContainers';
import { sampleHeic } from '../../support/images';
import { largeIccProfile } from '../../support/metadataBombs';

/** More with FUZZ_RUNS=100000 (fast-check picks a new seed each run and prints it on failure). */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const pixels = () => stripes([[0.8, 0.2, 0.1]], 8, 16, 8);
const profile = () => largeIccProfile(4096);

/** One valid file per format, with metadata, for the mutations to start from. */
const SAMPLES: Record<SupportedFormat, () => Promise<Buffer> | Buffer> = {
  png: () => png(pixels(), [iccpChunk(profile())]),
  jpeg: () => jpeg(pixels(), jpegIccSegments(profile())),
  tiff: () => tiff(pixels()),
  webp: () => sharp(png(pixels())).withIccProfile('p3').webp().toBuffer(),
  gif: () => sharp(png(pixels())).gif().toBuffer(),
  avif: () => sharp(png(pixels())).withIccProfile('p3').avif().toBuffer(),
  heic: sampleHeic,
};

/** Damage: some bytes overwritten (lengths and offsets among them, by chance), then maybe cut short. */
const damage = (size: number) =>
  fc.record({
    writes: fc.array(fc.tuple(fc.nat(size - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
    keep: fc.option(fc.nat(size), { nil: undefined }),
  });

const finite = (value: number) => Number.isFinite(value) && value >= 0;

/**
 * The scans read attacker-controlled lengths and offsets: whatever the bytes, a scan must end, throw
 * nothing, and give sane numbers, so that the decoder (not the scan) reports the damage.
 */
describe('scanContainer on damaged files', () => {
  it.each(Object.keys(SAMPLES) as SupportedFormat[])(
    '%s: never throws, never loops, always sane',
    async (format) => {
      const sample = await SAMPLES[format]();
      fc.assert(
        fc.property(damage(sample.length), ({ writes, keep }) => {
          const input = Buffer.from(sample);
          for (const [offset, value] of writes) input[offset] = value;
          const facts = scanContainer(input.subarray(0, keep), format, DEFAULT_INPUT_LIMITS);
          expect(facts.frames).toBeGreaterThanOrEqual(1);
          expect([facts.frames, facts.decodeBytes, ...Object.values(facts.metadata)].every(finite)).toBe(
            true,
          );
        }),
        { numRuns: FUZZ_RUNS },
      );
    },
  );
});
