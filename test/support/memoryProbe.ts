/**
 * Runs the engine over the files named on the command line, one after another as a Lambda instance
 * does, in a process of its own, and prints one JSON line per file, then the process's peak resident
 * memory (VmHWM) and what it still holds afterwards (VmRSS). Bundled and run by the memory test.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { makeThumbnail } from '../../src/core/engine/makeThumbnail';
import { DEFAULT_THUMBNAIL_OPTIONS } from '../../src/core/engine/thumbnailOptions';

const status = (field: 'VmHWM' | 'VmRSS'): number =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) *
  1024;

async function main(): Promise<void> {
  const startBytes = status('VmHWM');
  for (const file of process.argv.slice(2)) {
    const outcome = await makeThumbnail(readFileSync(file), DEFAULT_THUMBNAIL_OPTIONS).then(
      () => ({ status: 'made' }),
      (error: unknown) => ({ status: 'rejected', reason: (error as { reason?: string }).reason }),
    );
    process.stdout.write(
      `${JSON.stringify({ file: basename(file), ...outcome, peakBytes: status('VmHWM') })}\n`,
    );
  }
  // What the process keeps is what is left once the last input's garbage is collected (run with
  // --expose-gc), as it would be before the next invocation of a warm Lambda instance.
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.stdout.write(
    `${JSON.stringify({ startBytes, peakBytes: status('VmHWM'), rssAfterBytes: status('VmRSS') })}\n`,
  );
}

void main();
