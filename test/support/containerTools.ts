import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Debian's daemonless container tools, as the image tier uses them: buildah builds, podman runs, both on
 * the same containers-storage. This machine's kernel and cgroups (v1, hybrid) need runc (crun refuses
 * hybrid cgroups) and cgroupfs as podman's cgroup manager (no systemd); THUMBNAILER_OCI_RUNTIME overrides.
 */
export const PODMAN_GLOBAL_ARGS = [
  '--runtime',
  process.env.THUMBNAILER_OCI_RUNTIME ?? '/usr/sbin/runc',
  '--cgroup-manager',
  'cgroupfs',
];

/** Everything the image tier makes is labelled with the PID of the test process that made it. */
export const OWNER_LABEL = 'io.thumbnailer.image-tier.pid';
/** Tags of the project's images the tier builds: `<repository>:<arch>-<pid>[-<variant>]`. */
export const IMAGE_REPOSITORY = 'localhost/thumbnailer-image-tier';

/** buildah working containers the tier makes (to derive images) are named `<prefix><arch>-<pid>`. */
export const WORKING_CONTAINER_PREFIX = 'thumbnailer-image-tier-';

export type Arch = 'amd64' | 'arm64';

/** ELF `e_machine` and qemu's name for each architecture the function ships for. */
export const ARCHES: Record<
  Arch,
  { readonly elfMachine: number; readonly qemu: string; readonly gnu: string }
> = {
  amd64: { elfMachine: 62, qemu: 'x86_64', gnu: 'x86_64-linux-gnu' },
  arm64: { elfMachine: 183, qemu: 'aarch64', gnu: 'aarch64-linux-gnu' },
};

/**
 * Runs a tool and resolves with its standard output; rejects with the end of its output when it fails.
 * `echo` also passes its standard error through as it comes (progress of a long build, for CI's log).
 */
export function tool(command: string, args: readonly string[], echo = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-60).join('\n');
        reject(
          new Error(
            `${command} ${args.join(' ')} failed (${error.message.split('\n')[0] ?? ''}):\n${output}`,
          ),
        );
      } else {
        resolve(stdout);
      }
    });
    if (echo) {
      child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    }
  });
}

export const buildah = (...args: string[]) => tool('buildah', args);
export const podman = (...args: string[]) => tool('podman', [...PODMAN_GLOBAL_ARGS, ...args]);

export function hostArch(): Arch | undefined {
  const arch = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout.trim();
  return arch === 'amd64' || arch === 'arm64' ? arch : undefined;
}

function binfmtReady(qemu: string): boolean {
  try {
    const entry = readFileSync(`/proc/sys/fs/binfmt_misc/qemu-${qemu}`, 'utf8');
    // F: the kernel opens qemu once, so it runs inside chroots and containers that do not carry it.
    return entry.startsWith('enabled') && /^flags:.*F/m.test(entry);
  } catch {
    return false;
  }
}

/** Why the image tier cannot run here, or undefined when it can (globalSetup's probe). */
export function probeImageTools(): string | undefined {
  const host = hostArch();
  if (host === undefined || process.getuid?.() !== 0) {
    return 'it needs root on a Debian amd64 or arm64 machine';
  }
  const foreign: Arch = host === 'amd64' ? 'arm64' : 'amd64';
  const commands = ['buildah', 'podman', 'debootstrap', 'cmake', 'make', 'g++', 'xz', 'flock', 'chroot'];
  const missing = [...commands, `${ARCHES[foreign].gnu}-g++`].filter(
    (command) => spawnSync('sh', ['-c', `command -v "${command}"`], { stdio: 'ignore' }).status !== 0,
  );
  const runtime = PODMAN_GLOBAL_ARGS[1] ?? '';
  if (spawnSync(runtime, ['--version'], { stdio: 'ignore' }).status !== 0) {
    missing.push(runtime);
  }
  if (missing.length > 0) {
    return `missing ${missing.join(', ')}`;
  }
  return binfmtReady(ARCHES[foreign].qemu)
    ? undefined
    : `${foreign} programs cannot run here (qemu-${ARCHES[foreign].qemu} is not registered with binfmt_misc, flag F)`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PID in a tier-made name: `...-<arch>-<pid>` or `...-<arch>-<pid>-<variant>`. */
const ownerOfName = (name: string) => /[:-](?:amd64|arm64)-(\d+)(?:-[a-z-]+)?$/.exec(name)?.[1];

const deadOwner = (pid: string | undefined) => pid !== undefined && /^\d+$/.test(pid) && !alive(Number(pid));

/**
 * Removes what an earlier run of the tier left when it was killed: its containers (by label) and its tagged
 * images (by tag), once the process that made them is gone; never anything a live run or anyone else owns.
 * Cache layers of the tier's builds older than a week go too (they carry the stand-in's label).
 */
export async function removeStaleArtifacts(): Promise<void> {
  const containers = JSON.parse(
    await podman('ps', '--all', '--filter', `label=${OWNER_LABEL}`, '--format', 'json'),
  ) as Array<{ Id: string; Labels?: Record<string, string> | null }>;
  for (const container of containers.filter((entry) => deadOwner(entry.Labels?.[OWNER_LABEL]))) {
    await podman('rm', '--force', '--time', '0', container.Id).catch(() => undefined);
  }
  const tags = (await buildah('images', '--noheading', '--format', '{{.Name}}:{{.Tag}}'))
    .split('\n')
    .filter((tag) => tag.startsWith(`${IMAGE_REPOSITORY}:`) && deadOwner(ownerOfName(tag)));
  for (const tag of tags) {
    await buildah('rmi', tag).catch(() => undefined);
  }
  const working = (await buildah('containers', '--format', '{{.ContainerName}}'))
    .split('\n')
    .filter((name) => name.startsWith(WORKING_CONTAINER_PREFIX) && deadOwner(ownerOfName(name)));
  for (const name of working) {
    await buildah('rm', name).catch(() => undefined);
  }
  await podman(
    'image',
    'prune',
    '--force',
    '--filter',
    'label=io.thumbnailer.lambda-stand-in',
    '--filter',
    'until=168h',
  ).catch(() => undefined);
}
