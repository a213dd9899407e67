import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { kindOf } from './fsErrors';
import { ImageRejectedError } from '../../common/errors';

/** A planned input that is not a regular file by the time it is read (replaced by a folder, a FIFO). */
export class NotAFileError extends Error {
  override readonly name = 'NotAFileError';
}

const MIN_CHUNK = 64 * 1024;

/** Reads to the end, but never more than `limit + 1` bytes, so a file that grows is still bounded. */
async function readAtMost(handle: FileHandle, expected: number, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total <= limit) {
    const chunk = Buffer.allocUnsafe(Math.min(Math.max(expected + 1 - total, MIN_CHUNK), limit + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) {
      break;
    }
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

const tooLarge = (bytes: string, limit: number) =>
  new ImageRejectedError('too-large', `${bytes} bytes, above the ${limit}-byte limit`);

/**
 * The bytes of the file at `path`, refusing what must not be read: anything but a regular file (checked
 * on the open file, so a swap after planning is caught; O_NONBLOCK keeps a FIFO from blocking the open)
 * and anything over `maxBytes` (refused without reading, or when it grows past the limit while read).
 */
export async function readInput(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new NotAFileError(`no longer a regular file: it is now ${kindOf(stats)}`);
    }
    if (stats.size > maxBytes) {
      throw tooLarge(String(stats.size), maxBytes);
    }
    const data = await readAtMost(handle, stats.size, maxBytes);
    if (data.length > maxBytes) {
      throw tooLarge(`more than ${maxBytes} (it grew while read)`, maxBytes);
    }
    return data;
  } finally {
    await handle.close();
  }
}
