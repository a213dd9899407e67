import { messageOf } from '../../common/errors';
/** What a file-system error code means, in words a user can act on. */
const MEANINGS: Record<string, string> = {
  ENOENT: 'it no longer exists (moved or deleted during the run?)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links (a loop?)',
  ENAMETOOLONG: 'the name or path is too long',
  ENOTDIR: 'something on its path is not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'something else is already there',
  EIO: 'input/output error (a failing disk or network share?)',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ENXIO: 'no such device',
};

/** `permission denied (EACCES)`, or the error's own message for anything not in the table. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const meaning = code === undefined ? undefined : MEANINGS[code];
  if (meaning !== undefined) {
    return `${meaning} (${code})`;
  }
  return messageOf(error);
}

/** What a non-regular file is, for the line that says it was skipped. */
export function kindOf(stats: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (stats.isDirectory()) {
    return 'a folder';
  }
  if (stats.isFIFO()) {
    return 'a FIFO';
  }
  if (stats.isSocket()) {
    return 'a socket';
  }
  if (stats.isCharacterDevice()) {
    return 'a character device';
  }
  return stats.isBlockDevice() ? 'a block device' : 'not a regular file';
}
