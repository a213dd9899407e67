import {
  ASSUMED_S3_MS,
  FULL_VCPU_MB,
  memoryOptions,
  recommendMemory,
} from '../../../src/tools/bench/lambdaCost';

describe('the Lambda estimates from measured CPU time', () => {
  it('stretches CPU time below a full vCPU, adds the S3 time given, and never shrinks above it', () => {
    const options = memoryOptions(100, 1000, 120);
    const at = (memoryMb: number) => options.find((option) => option.memoryMb === memoryMb);
    expect(at(FULL_VCPU_MB)).toMatchObject({ typicalMs: 220, largeMs: 1120 });
    expect(at(2048)).toMatchObject({ typicalMs: 220, largeMs: 1120 });
    expect(at(512)?.typicalMs).toBe(Math.round(120 + (100 * FULL_VCPU_MB) / 512));
    expect(memoryOptions(100, 1000)[0]?.typicalMs).toBe(
      Math.round(ASSUMED_S3_MS + (100 * FULL_VCPU_MB) / 512),
    );
  });

  it('recommends the cheapest size with headroom whose large input is made in time', () => {
    // A HEIC's four renditions: 1.7 s of CPU; the peak RSS asks for at least 615 MB.
    const options = memoryOptions(108, 1700, 100);
    expect(recommendMemory(options, 246, 2000)?.memoryMb).toBe(FULL_VCPU_MB);
    expect(recommendMemory(options, 246, Number.POSITIVE_INFINITY)?.memoryMb).toBe(768);
    // The thumbnail's rule: within a second, which 1.7 s of CPU never is.
    expect(recommendMemory(options, 246)).toBeUndefined();
  });
});
