#!/usr/bin/env node
// Builds the bundles: `node scripts/build.mjs [lambda] [tools]` (both when none is named).
//   lambda  dist/lambda/index.js: the Lambda handler with every dependency but sharp and libheif-js (which
//           the image installs beside it), plus meta.json
//   tools   dist/local/main.js (npm start), dist/cli/main.js (the thumbnailer command),
//           dist/bench/main.js (npm run bench), dist/deploy/main.js (npm run deploy) and
//           dist/backfill/main.js (npm run backfill), dependencies
//           left in node_modules; and the files they read at run time, copied as they are beside them:
//           the gallery page's static files (src/tools/local/gallery/static to dist/local/gallery/static)
//           and the bench's Pillow comparison (src/tools/bench/pillow_thumbnail.py to dist/bench)
// Files are replaced atomically and only when their content changes, so a build never disturbs a
// process that is running (or a test that is starting) one of them.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

const targets = {
  lambda: {
    ...common,
    entryPoints: ['src/function/index.ts'],
    outfile: 'dist/lambda/index.js',
    // sharp is native; libheif-js is LGPL WebAssembly, kept as its own files and loaded on a first HEIC.
    external: ['sharp', 'libheif-js'],
    // src/common/zod.ts loads zod's CommonJS locale (Jest and Node need it); here the ES module is
    // used instead, so that the bundle holds only zod's tree-shaken ES build.
    alias: { 'zod/v4/locales/en.cjs': 'zod/v4/locales/en.js' },
    metafile: true,
  },
  tools: {
    ...common,
    entryPoints: [
      'src/tools/local/main.ts',
      'src/tools/cli/main.ts',
      'src/tools/bench/main.ts',
      'src/tools/deploy/main.ts',
      'src/tools/backfill/main.ts',
    ],
    outbase: 'src/tools',
    outdir: 'dist',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
  },
};

async function writeIfChanged(path, contents, mode) {
  const current = await readFile(path).catch(() => undefined);
  if (current?.equals(contents)) {
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, contents);
  await chmod(temporary, mode);
  await rename(temporary, path);
}

/** Files and folders copied beside the bundles of a target: read at run time as they are, not bundled. */
const copies = {
  tools: [
    ['src/tools/local/gallery/static', 'dist/local/gallery/static'],
    ['src/tools/bench/pillow_thumbnail.py', 'dist/bench/pillow_thumbnail.py'],
  ],
};

/** Copies a file, or a folder's files (not its subfolders). */
async function copy(from, to) {
  if (!(await stat(from)).isDirectory()) {
    await writeIfChanged(to, await readFile(from), 0o644);
    return;
  }
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isFile()) {
      await writeIfChanged(join(to, entry.name), await readFile(join(from, entry.name)), 0o644);
    }
  }
}

const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : Object.keys(targets)) {
  const options = targets[name];
  if (!options) {
    console.error(`unknown build target "${name}"; expected one of: ${Object.keys(targets).join(', ')}`);
    process.exit(2);
  }
  const result = await build({ ...options, write: false });
  for (const file of result.outputFiles) {
    const executable = name === 'tools' && file.path.endsWith('main.js');
    await writeIfChanged(file.path, Buffer.from(file.contents), executable ? 0o755 : 0o644);
  }
  for (const [from, to] of copies[name] ?? []) {
    await copy(from, to);
  }
  if (result.metafile) {
    await writeIfChanged(
      'dist/lambda/meta.json',
      Buffer.from(JSON.stringify(result.metafile, null, 1)),
      0o644,
    );
  }
}
