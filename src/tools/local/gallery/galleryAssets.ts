import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A file of the gallery page, as it is served. */
export interface GalleryAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** URL path -> file in the gallery's static folder (and nothing else: no path ever reaches the disk). */
const ASSETS: Readonly<Record<string, readonly [file: string, contentType: string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/gallery.css': ['gallery.css', 'text/css; charset=utf-8'],
  '/gallery.js': ['gallery.js', 'text/javascript; charset=utf-8'],
  '/placeholders.js': ['placeholders.js', 'text/javascript; charset=utf-8'],
};

/** The ThumbHash decoder, the `thumbhash` package's own ES module, served to the page as it is. */
const THUMBHASH_MODULE = require.resolve('thumbhash');

/**
 * Reads the page's files once, at start: `src/tools/local/gallery/static` under tests, its copy beside the
 * bundle in `dist` for `npm start` (scripts/build.mjs copies it).
 */
export async function loadGalleryAssets(directory: string): Promise<ReadonlyMap<string, GalleryAsset>> {
  const entries = await Promise.all(
    Object.entries(ASSETS).map(async ([path, [file, contentType]]) => {
      const body = await readFile(join(directory, file)).catch((error: unknown) => {
        throw new Error(`the gallery page's ${file} is missing from ${directory} (run \`npm run build\`)`, {
          cause: error,
        });
      });
      return [path, { contentType, body }] as const;
    }),
  );
  const thumbhash = { contentType: 'text/javascript; charset=utf-8', body: await readFile(THUMBHASH_MODULE) };
  return new Map([...entries, ['/thumbhash.js', thumbhash]]);
}
