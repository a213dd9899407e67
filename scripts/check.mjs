#!/usr/bin/env node
// `npm run check [-- <check>...]`: every static check the project has, as `.ci/run` runs them: ESLint,
// Prettier, tsc, shellcheck (every shell script), terraform fmt and validate (every stack), flake8 (every
// Python file), the Dockerfile and workflow lints, and the generated docs (`npm run docs -- --check`).
// Checks run two at a time, each to the end; a failing one prints its output, a tool that is missing is
// named with how to install it, and either makes the exit code 1. Names given run only those checks.
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Tools that do not come with `npm ci`, and how to get them. */
const TOOLS = {
  shellcheck: 'apt-get install shellcheck',
  flake8: 'apt-get install flake8 (or pip install flake8)',
  terraform: 'Terraform 1.7 or later, https://developer.hashicorp.com/terraform/install',
};

/** Folders never searched for files to check: installed, built, generated or machine-local. */
const SKIPPED = new Set(['node_modules', '.git', 'dist', 'coverage', '.bench', '.local-s3', '.terraform']);

/** Runs a command to its end; resolves with its exit code and everything it printed. */
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: 127, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const hasTool = (tool) =>
  spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0;

/** Every file under `directory`, not looking into the folders in SKIPPED. */
async function walk(directory) {
  const files = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = directory === '.' ? entry.name : join(directory, entry.name);
    if (entry.isDirectory() && !SKIPPED.has(entry.name)) {
      files.push(...(await walk(path)));
    } else if (entry.isFile()) {
      files.push(path);
    }
  }
  return files;
}

/** Files of the checkout (tracked, or new and not ignored), or of the folder tree when it is not a clone. */
async function projectFiles() {
  const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  });
  if (git.status === 0) {
    return git.stdout.split('\0').filter((path) => path && existsSync(path));
  }
  return walk('.');
}

/** Shell scripts: `*.sh` (some are only sourced) and files whose first line runs sh or bash. */
async function shellScripts(files) {
  const scripts = [];
  for (const path of files) {
    const head = path.endsWith('.sh') ? '' : (await readFile(path, 'latin1')).slice(0, 64).split('\n')[0];
    if (path.endsWith('.sh') || /^#!.*\b(ba)?sh\b/.test(head)) {
      scripts.push(path);
    }
  }
  return scripts.sort();
}

/** Scratch copies in use, removed if the run is interrupted (their `finally` would not run). */
const scratchFolders = new Set();
for (const [signal, number] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
]) {
  process.on(signal, () => {
    for (const folder of scratchFolders) {
      rmSync(folder, { recursive: true, force: true });
    }
    process.exit(128 + number);
  });
}

/**
 * `terraform validate` of one stack, in a scratch copy (so that no provider, lock or state file lands in
 * the tree), installing the AWS provider from TF_PLUGIN_DIR only, with a CLI configuration of its own:
 * the machine's (TF_CLI_CONFIG_FILE) may be missing or point elsewhere.
 */
async function terraformValidate(stack) {
  const root = await mkdtemp(join(tmpdir(), 'thumbnailer-check-'));
  scratchFolders.add(root);
  try {
    await cp(join('terraform', stack), join(root, stack), {
      recursive: true,
      filter: (source) => !/(\.terraform|\.tfstate[^/]*|\.terraform\.lock\.hcl)$/.test(source),
    });
    const cliConfig = join(root, 'terraformrc');
    const mirror = JSON.stringify(process.env.TF_PLUGIN_DIR);
    await writeFile(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path = ${mirror}\n  }\n}\n`,
    );
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
    };
    const options = { cwd: join(root, stack), env };
    const init = await run('terraform', ['init', '-backend=false', '-input=false', '-no-color'], options);
    return init.code === 0 ? await run('terraform', ['validate', '-no-color'], options) : init;
  } finally {
    await rm(root, { recursive: true, force: true });
    scratchFolders.delete(root);
  }
}

/** The checks: a name, the tools it needs beyond npm's, and what runs it. */
function checks(files) {
  const node =
    (script, ...args) =>
    () =>
      run(process.execPath, [script, ...args]);
  const bin =
    (tool, ...args) =>
    () =>
      run(tool, args);
  // npm's own tools, from this checkout's node_modules whether or not npm put them on PATH.
  const npmBin = (tool, ...args) => bin(join('node_modules', '.bin', tool), ...args);
  return [
    { name: 'eslint', run: npmBin('eslint', '.') },
    { name: 'prettier', run: npmBin('prettier', '--check', '--log-level', 'warn', '.') },
    { name: 'tsc', run: npmBin('tsc', '-p', '.') },
    {
      name: 'shellcheck',
      tools: ['shellcheck'],
      run: async () => run('shellcheck', ['-x', '--', ...(await shellScripts(files))]),
    },
    {
      name: 'terraform-fmt',
      tools: ['terraform'],
      run: bin('terraform', 'fmt', '-check', '-recursive', '-diff', 'terraform'),
    },
    ...['dependencies', 'lambda', 'delivery'].map((stack) => ({
      name: `terraform-validate-${stack}`,
      tools: ['terraform'],
      mirror: true,
      run: () => terraformValidate(stack),
    })),
    {
      name: 'flake8',
      tools: ['flake8'],
      run: () =>
        run('flake8', ['--max-line-length', '110', '--', ...files.filter((path) => path.endsWith('.py'))]),
    },
    { name: 'dockerfile', run: node('scripts/lintDockerfile.mjs') },
    { name: 'workflows', run: node('scripts/lintWorkflows.mjs') },
    { name: 'docs', run: node('scripts/docs.mjs', '--check') },
  ];
}

/** Why a check cannot run here (its tools, or the provider mirror), or undefined when it can. */
function missingFor(check) {
  const missing = (check.tools ?? [])
    .filter((tool) => !hasTool(tool))
    .map((tool) => `${tool} (${TOOLS[tool]})`);
  const mirror = process.env.TF_PLUGIN_DIR;
  if (check.mirror && !(mirror && existsSync(mirror))) {
    missing.push(
      'a provider mirror named by TF_PLUGIN_DIR (make one: terraform -chdir=terraform/dependencies providers mirror <dir>)',
    );
  }
  return missing.length > 0 ? `MISSING: ${missing.join('; ')}` : undefined;
}

async function runCheck(check) {
  const missing = missingFor(check);
  if (missing) {
    return { ...check, code: 1, output: `${missing}\n`, seconds: 0 };
  }
  const started = performance.now();
  const { code, output } = await check.run();
  return { ...check, code, output, seconds: (performance.now() - started) / 1000 };
}

function report(result) {
  const status = result.code === 0 ? 'ok  ' : 'FAIL';
  process.stdout.write(`${status} ${result.name} (${result.seconds.toFixed(1)} s)\n`);
  if (result.code !== 0) {
    process.stdout.write(`${result.output.trimEnd().replace(/^/gm, '     ')}\n`);
  }
}

/** Runs `queue` `width` at a time, reporting each as it ends. */
async function runAll(queue, width) {
  const results = [];
  const worker = async () => {
    for (let check = queue.shift(); check; check = queue.shift()) {
      const result = await runCheck(check);
      report(result);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

const all = checks(await projectFiles());
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.some((check) => check.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown check ${unknown.join(', ')}; the checks are: ${all.map((check) => check.name).join(', ')}`,
  );
  process.exit(2);
}
const selected = wanted.length > 0 ? all.filter((check) => wanted.includes(check.name)) : all;
const results = await runAll([...selected], Math.min(2, availableParallelism()));
const failed = results.filter((result) => result.code !== 0).map((result) => result.name);
process.stdout.write(
  failed.length === 0
    ? `check: all ${results.length} passed\n`
    : `check: ${failed.length} of ${results.length} failed: ${failed.join(', ')}\n`,
);
process.exit(failed.length === 0 ? 0 : 1);
