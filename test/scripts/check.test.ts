import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../support/dockerfile';
import { run, TERRAFORM_SOURCE } from '../support/terraform';
import { describeTier } from '../support/tiers';

const CHECK = join(REPO_ROOT, 'scripts', 'check.mjs');
const check = (cwd: string, env: NodeJS.ProcessEnv, ...names: string[]) =>
  run(process.execPath, [CHECK, ...names], cwd, env);
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
/** `it` when the tool is here; otherwise skipped, saying so (.ci/run installs both). */
const withTool = (tool: string) => {
  if (!has(tool)) {
    console.warn(`[tests] skipping the ${tool} checks of npm run check: ${tool} is not on PATH`);
  }
  return has(tool) ? it : it.skip;
};

async function scratch(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'thumbnailer-check-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe('npm run check', () => {
  it('names each missing tool with how to install it, and fails', async () => {
    const bin = await scratch({});
    for (const tool of ['sh', 'git']) {
      await symlink(
        spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(),
        join(bin, tool),
      );
    }
    const env = { ...process.env, PATH: bin, TF_PLUGIN_DIR: join(bin, 'no-mirror') };
    try {
      const result = await check(REPO_ROOT, env, 'shellcheck', 'flake8', 'terraform-validate-lambda');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        'FAIL shellcheck (0.0 s)\n     MISSING: shellcheck (apt-get install shellcheck)\n',
      );
      expect(result.stdout).toContain('MISSING: flake8 (apt-get install flake8 (or pip install flake8))');
      expect(result.stdout).toMatch(
        /MISSING: terraform \(.+\); a provider mirror named by TF_PLUGIN_DIR \(make one: terraform -chdir=terraform\/dependencies providers mirror <dir>\)/,
      );
      expect(result.stdout).toMatch(/check: 3 of 3 failed: .*flake8/);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('refuses a check it does not know, naming those it does', async () => {
    const result = await check(REPO_ROOT, process.env, 'eslnit');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^unknown check eslnit; the checks are: eslint, prettier, tsc, shellcheck, /,
    );
  });

  withTool('shellcheck')('shellchecks every shell script: *.sh, and files that start #!…sh', async () => {
    const root = await scratch({
      'lib/sourced.sh': 'echo $1\n',
      'bin/tool': '#!/usr/bin/env bash\necho $1\n',
      'bin/tool.py': '#!/usr/bin/env python3\nprint(1)\n',
      'node_modules/dependency.sh': 'echo $1\n',
    });
    try {
      const result = await check(root, process.env, 'shellcheck');
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/In bin\/tool line 2:/);
      expect(result.stdout).toMatch(/In lib\/sourced\.sh line 1:/);
      expect(result.stdout).not.toMatch(/tool\.py|node_modules/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  withTool('flake8')('lints every Python file with flake8, at the project’s 110 columns', async () => {
    const root = await scratch({ 'ok.py': `x = "${'a'.repeat(100)}"\n`, 'tools/bad.py': 'import os\n' });
    try {
      const result = await check(root, process.env, 'flake8');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain("tools/bad.py:1:1: F401 'os' imported but unused");
      expect(result.stdout).not.toContain('ok.py');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describeTier('terraform', 'npm run check: terraform validate', () => {
  it('validates each stack from the provider mirror alone, and names what is wrong', async () => {
    const root = await mkdtemp(join(tmpdir(), 'thumbnailer-check-'));
    try {
      await cp(TERRAFORM_SOURCE, join(root, 'terraform'), {
        recursive: true,
        filter: (path) => !path.includes('.terraform'),
      });
      const outputs = join(root, 'terraform', 'lambda', 'outputs.tf');
      await writeFile(
        outputs,
        `${await readFile(outputs, 'utf8')}\noutput "broken" {\n  value = var.missing\n}\n`,
      );
      const env = { ...process.env, TF_CLI_CONFIG_FILE: join(root, 'missing-terraformrc') };
      const result = await check(root, env, 'terraform-validate-dependencies', 'terraform-validate-lambda');
      expect(result.stdout).toMatch(/^ok {3}terraform-validate-dependencies/m);
      expect(result.stdout).toMatch(/^FAIL terraform-validate-lambda/m);
      expect(result.stdout).toContain('Reference to undeclared input variable');
      expect(result.code).toBe(1);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
