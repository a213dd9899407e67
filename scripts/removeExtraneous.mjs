#!/usr/bin/env node
// Removes from node_modules every package `npm ls` calls extraneous (installed, yet needed by nothing
// installed), given `npm ls --all --parseable --long` on standard input; an npm scope left empty goes too.
// The image build needs it: npm 10 installs what only other platforms' optional packages depend on (sharp's
// WebAssembly build, wanted by its FreeBSD and WebContainers packages), so the target's image would carry it.
import { readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';

for (const line of readFileSync(0, 'utf8').split('\n')) {
  if (!line.endsWith(':EXTRANEOUS')) {
    continue;
  }
  const directory = line.slice(0, line.indexOf(':'));
  rmSync(directory, { recursive: true, force: true });
  const scope = dirname(directory);
  if (basename(scope).startsWith('@') && readdirSync(scope).length === 0) {
    rmdirSync(scope);
  }
  console.error(`removed extraneous ${line.split(':')[1] ?? directory}`);
}
