#!/usr/bin/env node
// Builds the bundles: `node scripts/build.mjs [lambda] [tools]` (both when none is named).
//   lambda  dist/lambda/index.js: the Lambda handler with every dependency but sharp, plus meta.json
//   tools   dist/local/main.js (npm start), dist/cli/main.js (the thumbnailer command),
//           dist/bench/main.js (npm run bench) and dist/deploy/main.js (npm run deploy), dependencies
//           left in node_modules; and the gallery page's static files, copied as they are from
//           src/tools/local/gallery/static to dist/local/gallery/static, where dist/local/main.js looks for them
// Files are replaced atomically and only when their content changes, so a build never disturbs a
// process that is running (or a test that is starting) one of them.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
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
    external: ['sharp'],
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

/** Folders copied file by file beside the bundles of a target (files served as they are, not bundled). */
const copies = {
  tools: [['src/tools/local/gallery/static', 'dist/local/gallery/static']],
};

async function copyFolder(from, to) {
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
    await copyFolder(from, to);
  }
  if (result.metafile) {
    await writeIfChanged(
      'dist/lambda/meta.json',
      Buffer.from(JSON.stringify(result.metafile, null, 1)),
      0o644,
    );
  }
}
