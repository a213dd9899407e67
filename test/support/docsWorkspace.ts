import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './dockerfile';
import { type CommandResult, run } from './terraform';

/**
 * A scratch copy of what the docs scripts read (docs/, the README, CONTRIBUTING.md, the stacks' .tf files,
 * Prettier's settings), so that a test can damage or regenerate docs without touching the checkout. The
 * scripts run from the checkout (their imports resolve there) with the copy as their working folder.
 */
export async function docsWorkspace() {
  const root = await mkdtemp(join(tmpdir(), 'thumbnailer-docs-'));
  for (const path of ['docs', 'README.md', 'CONTRIBUTING.md', '.prettierrc.json']) {
    await cp(join(REPO_ROOT, path), join(root, path), { recursive: true });
  }
  await cp(join(REPO_ROOT, 'terraform'), join(root, 'terraform'), {
    recursive: true,
    filter: (source) => !/(\.terraform|\.tfstate[^/]*|\.terraform\.lock\.hcl)$/.test(source),
  });
  const path = (relative: string) => join(root, relative);
  return {
    root,
    read: (relative: string) => readFile(path(relative), 'utf8'),
    async write(relative: string, text: string) {
      await mkdir(dirname(path(relative)), { recursive: true });
      await writeFile(path(relative), text);
    },
    /** `node scripts/<script> ...args` of the checkout, run in the copy. */
    script: (script: string, ...args: string[]): Promise<CommandResult> =>
      run(process.execPath, [join(REPO_ROOT, 'scripts', script), ...args], root, process.env),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

export type DocsWorkspace = Awaited<ReturnType<typeof docsWorkspace>>;

/**
 * Calls a function an ES module of scripts/ exports, in a child process (Jest runs CommonJS), and resolves
 * with its JSON-encoded result; a Map comes back as an object. A thrown error rejects with its message.
 */
export async function callScriptModule(module: string, name: string, ...args: unknown[]): Promise<unknown> {
  const program = `
    const module = await import(process.argv[1]);
    try {
      const result = await module[process.argv[2]](...JSON.parse(process.argv[3]));
      process.stdout.write(JSON.stringify(result, (key, value) =>
        value instanceof Map ? Object.fromEntries(value) : value) ?? 'null');
    } catch (error) {
      process.stderr.write(error.message);
      process.exit(1);
    }`;
  const path = join(REPO_ROOT, 'scripts', module);
  const command = ['--input-type=module', '-e', program, path, name, JSON.stringify(args)];
  const result = await run(process.execPath, command, REPO_ROOT, process.env);
  if (result.code !== 0) {
    throw new Error(result.stderr);
  }
  return JSON.parse(result.stdout);
}
