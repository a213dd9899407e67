import { readFile } from 'node:fs/promises';
import { WorkQueue } from '../../common/workQueue';
import { makeThumbnail } from '../../core/engine/makeThumbnail';
import { DEFAULT_THUMBNAIL_OPTIONS } from '../../core/engine/thumbnailOptions';

export interface BurstResult {
  readonly images: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly peakRssMb: number;
}

/**
 * Runs in a process of its own (so its peak RSS is the engine's alone): thumbnails `files` `rounds` times
 * over, `concurrency` at a time, reading each file from disk as an upload would arrive.
 */
export async function runBurst(
  files: readonly string[],
  rounds: number,
  concurrency: number,
): Promise<BurstResult> {
  const queue = new WorkQueue(concurrency);
  const started = performance.now();
  for (let round = 0; round < rounds; round += 1) {
    for (const file of files) {
      queue.add(async () => {
        await makeThumbnail(await readFile(file), DEFAULT_THUMBNAIL_OPTIONS);
      });
    }
  }
  await queue.onIdle();
  const seconds = (performance.now() - started) / 1000;
  const images = files.length * rounds;
  return {
    images,
    seconds: Number(seconds.toFixed(2)),
    imagesPerSecond: Number((images / seconds).toFixed(1)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
