import { inflateSync } from 'node:zlib';

/**
 * How many bytes a zlib stream inflates to, counting no further than `cap`: the answer is `cap + 1` for
 * anything larger, so a bomb costs at most `cap` bytes of work to measure. A stream that is not valid
 * zlib inflates to nothing here, as in the decoder, which gives up on it.
 */
export function inflatedSize(compressed: Uint8Array, cap: number): number {
  try {
    return inflateSync(compressed, { maxOutputLength: Math.max(1, cap + 1) }).length;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? cap + 1 : 0;
  }
}
