/**
 * What the measured CPU time means for a Lambda function. Lambda gives a function CPU in proportion to
 * its memory, a full vCPU at 1,769 MB; sharp runs one libvips thread per image on Linux (glibc), so an
 * image's CPU time stretches by 1769 / memory below that and does not shrink above it.
 */
export const FULL_VCPU_MB = 1769;
/** arm64 (Graviton) prices in us-east-1: per GB-second of duration, and per request. */
export const PRICE_PER_GB_SECOND = 0.0000133334;
export const PRICE_PER_REQUEST = 0.0000002;
/** An assumption, not a measurement: an in-region S3 GET of a few MB plus a small PUT and a HEAD. */
export const ASSUMED_S3_MS = 80;
/**
 * Also an assumption: renditions are PUT side by side (about one PUT's time), then the manifest after
 * them, one more round trip.
 */
export const ASSUMED_MANIFEST_MS = 20;

export const CANDIDATE_MEMORY_MB = [512, 768, 1024, 1536, FULL_VCPU_MB, 2048] as const;

export interface MemoryOption {
  readonly memoryMb: number;
  /** Estimated duration for a typical (12 MP) and a large (24 MP) photo. */
  readonly typicalMs: number;
  readonly largeMs: number;
  readonly costPerMillionUsd: number;
}

const durationMs = (cpuMs: number, memoryMb: number, s3Ms: number) =>
  s3Ms + cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb);

/**
 * Each candidate size's estimated duration for a typical and a large input, and the cost per million of
 * the typical one; `s3Ms` is the assumed S3 time of an invocation.
 */
export function memoryOptions(
  typicalCpuMs: number,
  largeCpuMs: number,
  s3Ms: number = ASSUMED_S3_MS,
): MemoryOption[] {
  return CANDIDATE_MEMORY_MB.map((memoryMb) => {
    const typicalMs = durationMs(typicalCpuMs, memoryMb, s3Ms);
    const gbSeconds = (memoryMb / 1024) * (typicalMs / 1000);
    return {
      memoryMb,
      typicalMs: Math.round(typicalMs),
      largeMs: Math.round(durationMs(largeCpuMs, memoryMb, s3Ms)),
      costPerMillionUsd: Number(((gbSeconds * PRICE_PER_GB_SECOND + PRICE_PER_REQUEST) * 1e6).toFixed(2)),
    };
  });
}

/**
 * The cheapest size that leaves 2.5x headroom over the measured peak RSS and still makes the large input
 * within `largeWithinMs`: for one thumbnail, a 24 MP photo within a second; for the renditions scenario,
 * an iPhone's 12 MP HEIC made into the four within two seconds ({@link RENDITIONS_LARGE_WITHIN_MS}).
 */
export function recommendMemory(
  options: readonly MemoryOption[],
  peakRssMb: number,
  largeWithinMs = 1000,
): MemoryOption | undefined {
  const fits = options.filter(
    (option) => option.memoryMb >= peakRssMb * 2.5 && option.largeMs <= largeWithinMs,
  );
  return [...fits].sort((a, b) => a.costPerMillionUsd - b.costPerMillionUsd || a.memoryMb - b.memoryMb)[0];
}

/** How long a phone's HEIC may take to become every rendition, for the renditions recommendation. */
export const RENDITIONS_LARGE_WITHIN_MS = 2000;
