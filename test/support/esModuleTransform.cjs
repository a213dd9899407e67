// Jest runs CommonJS; a dependency published only as an ES module (thumbhash) is turned into CommonJS
// with esbuild, as the bundles do. Everything else in node_modules is left as it is.
'use strict';
const { transformSync } = require('esbuild');

module.exports = {
  process(source, path) {
    const { code, map } = transformSync(source, {
      format: 'cjs',
      loader: 'js',
      sourcefile: path,
      sourcemap: true,
    });
    return { code, map };
  },
};
