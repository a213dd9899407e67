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

export const CANDIDATE_MEMORY_MB = [512, 768, 1024, 1536, FULL_VCPU_MB, 2048] as const;

export interface MemoryOption {
  readonly memoryMb: number;
  /** Estimated duration for a typical (12 MP) and a large (24 MP) photo. */
  readonly typicalMs: number;
  readonly largeMs: number;
  readonly costPerMillionUsd: number;
}

const durationMs = (cpuMs: number, memoryMb: number) =>
  ASSUMED_S3_MS + cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb);

export function memoryOptions(typicalCpuMs: number, largeCpuMs: number): MemoryOption[] {
  return CANDIDATE_MEMORY_MB.map((memoryMb) => {
    const typicalMs = durationMs(typicalCpuMs, memoryMb);
    const gbSeconds = (memoryMb / 1024) * (typicalMs / 1000);
    return {
      memoryMb,
      typicalMs: Math.round(typicalMs),
      largeMs: Math.round(durationMs(largeCpuMs, memoryMb)),
      costPerMillionUsd: Number(((gbSeconds * PRICE_PER_GB_SECOND + PRICE_PER_REQUEST) * 1e6).toFixed(2)),
    };
  });
}

/**
 * The cheapest size that leaves 2.5x headroom over the measured peak RSS and still thumbnails a 24 MP
 * photo within a second.
 */
export function recommendMemory(
  options: readonly MemoryOption[],
  peakRssMb: number,
): MemoryOption | undefined {
  const fits = options.filter((option) => option.memoryMb >= peakRssMb * 2.5 && option.largeMs <= 1000);
  return [...fits].sort((a, b) => a.costPerMillionUsd - b.costPerMillionUsd || a.memoryMb - b.memoryMb)[0];
}
