import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { startGalleryServer } from '../../src/tools/local/gallery/galleryServer';
import { GalleryState } from '../../src/tools/local/gallery/galleryState';
import { REPO_ROOT } from './dockerfile';
import { s3ClientFor } from './s3Client';
import { startS3rver } from './s3rverServer';

export interface RunningGallery {
  readonly url: string;
  readonly port: number;
  /** The `Host` the gallery expects: `127.0.0.1:<port>`. */
  readonly host: string;
  readonly s3: S3Client;
  readonly state: GalleryState;
  /** What the gallery reported through onError (a request it answered with a 500). */
  readonly errors: unknown[];
  stop(): Promise<void>;
}

/** The gallery server in this process, over a real S3 server holding the buckets `uploads` and `thumbnails`. */
export async function startGallery(): Promise<RunningGallery> {
  const s3rver = await startS3rver(['uploads', 'thumbnails']);
  const s3 = s3ClientFor(s3rver);
  const state = new GalleryState();
  const errors: unknown[] = [];
  const gallery = await startGalleryServer({
    port: 0,
    state,
    s3,
    sourceBucket: 'uploads',
    thumbnailBucket: 'thumbnails',
    thumbnailPrefix: '',
    cdnUrl: 'http://127.0.0.1:9/',
    assetsDirectory: join(REPO_ROOT, 'src', 'tools', 'local', 'gallery', 'static'),
    onError: (error) => errors.push(error),
  });
  const { host, port } = new URL(gallery.url);
  return {
    url: gallery.url,
    port: Number(port),
    host,
    s3,
    state,
    errors,
    async stop() {
      await gallery.stop();
      s3.destroy();
      await s3rver.stop();
    },
  };
}
