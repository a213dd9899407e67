import { readFileSync } from 'node:fs';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './dockerfile';

/** The packages esbuild left out of the Lambda bundle (its metafile's external, non-builtin imports). */
export function bundleExternals(): string[] {
  const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist', 'lambda', 'meta.json'), 'utf8')) as {
    outputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }>;
  };
  const external = Object.values(meta.outputs)
    .flatMap((output) => output.imports)
    .filter((entry) => entry.external && !builtinModules.includes(entry.path.replace(/^node:/, '')))
    .map((entry) =>
      entry.path
        .split('/')
        .slice(0, entry.path.startsWith('@') ? 2 : 1)
        .join('/'),
    );
  return [...new Set(external)].sort();
}

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly os?: string[];
  readonly cpu?: string[];
  readonly libc?: string[];
}

export interface Platform {
  readonly os: string;
  readonly cpu: string;
  readonly libc: string;
}

/** npm's rule for a package's `os`, `cpu` and `libc` lists: allowed values, or `!value` exclusions. */
function fits(allowed: readonly string[] | undefined, value: string): boolean {
  const denied = (allowed ?? []).filter((entry) => entry.startsWith('!')).map((entry) => entry.slice(1));
  const permitted = (allowed ?? []).filter((entry) => !entry.startsWith('!'));
  return !denied.includes(value) && (permitted.length === 0 || permitted.includes(value));
}

const fitsPlatform = (entry: LockEntry | undefined, platform: Platform) =>
  fits(entry?.os, platform.os) && fits(entry?.cpu, platform.cpu) && fits(entry?.libc, platform.libc);

/** Where Node would find `name` from the package at `from` (a lockfile path), in the lockfile's tree. */
function resolve(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate]) {
      return candidate;
    }
    const parent = base.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, '');
    if (base === '' || parent === base) {
      return undefined;
    }
    base = parent;
  }
}

/**
 * Every package the lockfile says `roots` need on `platform`: their dependencies, and those optional ones
 * whose os, cpu and libc fit it, transitively. What npm installs for the roots on that platform, no more.
 */
export function lockfileClosure(roots: readonly string[], platform: Platform): Map<string, string> {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const needed = new Map<string, string>();
  const visit = (path: string | undefined, name: string) => {
    const entry = path === undefined ? undefined : lock.packages[path];
    if (path === undefined || entry === undefined || needed.has(name)) {
      return;
    }
    needed.set(name, entry.version ?? '');
    const optional = Object.keys(entry.optionalDependencies ?? {}).filter((dependency) =>
      fitsPlatform(lock.packages[resolve(lock.packages, path, dependency) ?? ''], platform),
    );
    for (const dependency of [...Object.keys(entry.dependencies ?? {}), ...optional]) {
      visit(resolve(lock.packages, path, dependency), dependency);
    }
  };
  for (const root of roots) {
    visit(resolve(lock.packages, '', root), root);
  }
  return needed;
}

/** The packages installed under a node_modules folder (name -> version), nested ones included. */
export async function installedPackages(nodeModules: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const entries = await readdir(nodeModules).catch(() => [] as string[]);
  const folders = (
    await Promise.all(
      entries.map(async (entry) =>
        entry.startsWith('@')
          ? (await readdir(join(nodeModules, entry))).map((name) => join(entry, name))
          : entry.startsWith('.')
            ? []
            : [entry],
      ),
    )
  ).flat();
  for (const folder of folders) {
    const manifest = JSON.parse(await readFile(join(nodeModules, folder, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    found.set(manifest.name, manifest.version);
    for (const [name, version] of await installedPackages(join(nodeModules, folder, 'node_modules'))) {
      found.set(name, version);
    }
  }
  return found;
}

export interface TreeFile {
  readonly path: string;
  readonly bytes: number;
  /** ELF e_machine for an ELF file (a native binary), undefined otherwise. */
  readonly elfMachine?: number;
}

async function elfMachine(path: string): Promise<number | undefined> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await file.read(header, 0, 20, 0);
    const isElf = bytesRead === 20 && header.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    return isElf ? header.readUInt16LE(18) : undefined;
  } finally {
    await file.close();
  }
}

/** Every regular file under `root` (paths relative to it), with its size and, for ELF files, the machine. */
export async function treeFiles(root: string, relative = ''): Promise<TreeFile[]> {
  const files: TreeFile[] = [];
  for (const entry of await readdir(join(root, relative))) {
    const path = join(relative, entry);
    const info = await lstat(join(root, path));
    if (info.isDirectory()) {
      files.push(...(await treeFiles(root, path)));
    } else if (info.isFile()) {
      const machine = await elfMachine(join(root, path));
      files.push({ path, bytes: info.size, ...(machine === undefined ? {} : { elfMachine: machine }) });
    }
  }
  return files;
}
