import { readFile } from 'node:fs/promises';
import { decodeHeic } from '../../core/engine/heic/decodeHeic';
import { libheif } from '../../core/engine/heic/libheif';
import { DEFAULT_INPUT_POLICY } from '../../core/engine/inputLimits';
import { makeRenditions } from '../../core/engine/makeRenditions';
import type { Rendition } from '../../core/renditions';
import { cpuMs } from './statistics';

/** What one fresh process measured of a HEIC. */
export interface HeicRun {
  /** Instantiating the libheif WebAssembly module, which a process does on its first HEIC. */
  readonly moduleCpuMs: number;
  /** The decode (libheif), or the decode and every rendition (libheif, then libvips), after the module. */
  readonly cpuMs: number;
  /**
   * The same work again in the same process: without the WebAssembly compiler's tier-up to optimised code,
   * which the first run pays for (as a warm Lambda environment no longer does).
   */
  readonly againCpuMs: number;
  /** The process's peak resident memory, from its start to the end of the first run. */
  readonly peakRssMb: number;
  /** Its resident memory before the work: Node and the bundle. */
  readonly baseRssMb: number;
}

export type HeicJob =
  | { readonly file: string; readonly work: 'decode' }
  | { readonly file: string; readonly work: 'renditions'; readonly renditions: readonly Rendition[] };

const megabytes = (kilobytes: number) => Math.round(kilobytes / 1024);

/**
 * Runs in a process of its own (so that its peak RSS is this work's alone): one HEIC, decoded, or made
 * into renditions, the first thing the process does, as in a fresh Lambda environment; then once more.
 */
export async function runHeicJob(job: HeicJob): Promise<HeicRun> {
  const input = await readFile(job.file);
  const baseRssMb = megabytes(process.resourceUsage().maxRSS);
  const beforeModule = cpuMs();
  await libheif();
  const work = () =>
    job.work === 'decode'
      ? decodeHeic(input, DEFAULT_INPUT_POLICY.maxInputPixels)
      : makeRenditions(input, job.renditions);
  const started = cpuMs();
  await work();
  const first = cpuMs();
  // Before the second run, whose allocations may meet the first's not yet collected.
  const peakRssMb = megabytes(process.resourceUsage().maxRSS);
  await work();
  return {
    moduleCpuMs: started - beforeModule,
    cpuMs: first - started,
    againCpuMs: cpuMs() - first,
    peakRssMb,
    baseRssMb,
  };
}
