#!/usr/bin/env bash
# `npm run thumbnailer -- ARGS`: the thumbnailer command of this checkout, built from its source first
# (as npm start and npm run deploy are), run in the folder npm was called from: npm runs scripts at the
# package root and names the caller's folder in INIT_CWD, and relative paths must mean what the user
# typed. An npm script never installs anything, so this can only ever run this checkout's code (unlike
# npx, which outside the checkout fetches whatever package the public registry has by that name).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -d "${root}/node_modules/esbuild" ]; then
  printf 'thumbnailer: the dependencies are not installed\nnext:  run npm ci in %s, then run this again\n' "$root" >&2
  exit 2
fi
(cd "$root" && node scripts/build.mjs tools)
cd "${INIT_CWD:-$PWD}"
exec node --enable-source-maps "${root}/dist/cli/main.js" "$@"
