import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The alternatives `npm run bench -- --compare` measures on the same files: the AWS tutorial's Pillow
 * approach, libvips' own vipsthumbnail, and djpeg's 1/8-scale decode, the floor for a JPEG thumbnail.
 */

/**
 * The Pillow approach, as a Python file: beside this one under tests and ts-node, beside the bundle in
 * dist/bench for `npm run bench` (scripts/build.mjs copies it there).
 */
export const PILLOW_SCRIPT = join(__dirname, 'pillow_thumbnail.py');

/** The Pillow script's arguments; a missing copy in dist is named, rather than left to Python to report. */
function pillowArguments(
  mode: 'times' | 'burst' | 'renditions',
  count: number,
  files: readonly string[],
): string[] {
  if (!existsSync(PILLOW_SCRIPT)) {
    throw new Error(`${PILLOW_SCRIPT} is missing: run \`npm run build\``);
  }
  return [PILLOW_SCRIPT, mode, String(count), ...files];
}

/** A Python interpreter that has Pillow, if any: the default one, else the system's. */
export function findPillowPython(): string | undefined {
  return ['python3', '/usr/bin/python3'].find(
    (python) => spawnSync(python, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0,
  );
}

export const hasCommand = (command: string): boolean =>
  spawnSync('bash', ['-c', 'command -v "$1"', 'bash', command], { stdio: 'ignore' }).status === 0;

/** CPU milliseconds (user + system) a command uses, measured by bash's `time`. */
function commandCpuMs(script: string, args: readonly string[]): number {
  // `set -e` inside the timed group: a failing tool must fail the bench, not look fast.
  const output = execFileSync('bash', [
    '-c',
    `set -eo pipefail; TIMEFORMAT='%3U %3S'; { time ( set -e; { ${script} ; } >/dev/null 2>&1 ) ; } 2>&1`,
    'bash',
    ...args,
  ]);
  const [user = 0, system = 0] = output.toString().trim().split(/\s+/).map(Number);
  return (user + system) * 1000;
}

/** Pillow's CPU milliseconds per run, per file. */
export function pillowTimes(
  python: string,
  files: readonly string[],
  runs: number,
): Record<string, number[]> {
  const output = execFileSync(python, pillowArguments('times', runs, files), {
    maxBuffer: 1 << 24,
  });
  return JSON.parse(output.toString()) as Record<string, number[]>;
}

/**
 * Pillow's CPU milliseconds per run, per file, each run making every one of `outputs` (a box side and a
 * format each) from one decode.
 */
export function pillowRenditionTimes(
  python: string,
  outputs: readonly { readonly side: number; readonly format: string }[],
  files: readonly string[],
  runs: number,
): Record<string, number[]> {
  const spec = outputs.map((output) => `${output.side}:${output.format}`).join(',');
  const output = execFileSync(python, pillowArguments('renditions', runs, [spec, ...files]), {
    maxBuffer: 1 << 24,
  });
  return JSON.parse(output.toString()) as Record<string, number[]>;
}

/** Pillow's wall-clock throughput with `processes` interpreters (it cannot use two cores from one). */
export async function pillowThroughput(
  python: string,
  files: readonly string[],
  rounds: number,
  processes: number,
) {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: processes }, async () => {
      const child = spawn(python, pillowArguments('burst', rounds / processes, files), {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      // A Pillow that fails must fail the bench, not look fast.
      const [code] = (await once(child, 'exit')) as [number | null];
      if (code !== 0) {
        throw new Error(`${python} ${PILLOW_SCRIPT} burst exited with ${String(code)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { images: files.length * rounds, seconds, imagesPerSecond: (files.length * rounds) / seconds };
}

/**
 * CPU milliseconds per run of a command-line tool on `file`: `runs` separate processes, minus as many
 * on a tiny file (process start-up). One process per image, because a tool given the same file twice
 * may answer the second time from a cache.
 */
function toolCpuMs(command: string, file: string, tinyFile: string, runs: number): number {
  const script = `for _ in $(seq "$2"); do ${command}; done`;
  return (commandCpuMs(script, [file, String(runs)]) - commandCpuMs(script, [tinyFile, String(runs)])) / runs;
}

export const vipsthumbnailCpuMs = (file: string, tinyFile: string, runs: number, outDir: string): number =>
  toolCpuMs(`vipsthumbnail -s 256x256 -o '${outDir}/%s.jpg[Q=80]' "$1"`, file, tinyFile, runs);

/**
 * libjpeg-turbo decoding at 1/8 scale: the least any JPEG thumbnailer must do; at 1/2, the least a 1280 px
 * rendition of a 4000 px photo needs (libvips shrinks on load by 1, 2, 4 or 8).
 */
export const djpegCpuMs = (
  file: string,
  tinyFile: string,
  runs: number,
  scale: '1/8' | '1/2' = '1/8',
): number => toolCpuMs(`djpeg -scale ${scale} "$1"`, file, tinyFile, runs);
