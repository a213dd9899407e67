import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3rverObject, S3rverStore } from './s3rverInternals';

/**
 * Stores objects as S3 does: visible whole or not at all. s3rver wrote straight into the object's file, so
 * a reader could see half an object while it was written, a failed upload left a truncated one behind,
 * and a write error (a name too long, a full disk) was an unhandled error that killed the process.
 * Here the body goes to a temporary file beside the object, renamed into place once complete.
 */
export function storeObjectsAtomically(store: S3rverStore): void {
  store.putObject = async (object: S3rverObject) => {
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    // Not ending in `._S3rver_object`, so listings never show it.
    const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
    const md5 = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    try {
      await mkdir(dirname(path), { recursive: true });
      await pipeline(body, measure, createWriteStream(temporary));
      const digest = md5.digest('hex');
      // Metadata first: the object appears, by the rename, with its metadata already in place.
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(temporary, path);
      return { size, md5: digest };
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  };
}
