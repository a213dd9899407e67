import { availableParallelism } from 'node:os';
import { type ThumbnailOptions, thumbnailOptionsSchema } from '../../core/engine/thumbnailOptions';
import { readWholeNumber, wholeNumberRange } from '../../common/zod';
import { UsageError } from '../../common/errors';
import { type FlagSpec, readFlagValues } from '../../common/flags';
import { implicitRendition, type Rendition } from '../../core/renditions';
import { cliRenditions } from './cliRenditions';

export const CLI_USAGE = `Usage: thumbnailer <file|dir>... --out <dir> [options]
  from a checkout of thumbnailer: npm run thumbnailer -- <file|dir>... --out <dir> [options]

Makes a thumbnail of every image given, recursing into folders, with the same engine and settings as
the Lambda function. Folder structure is kept: photos/a/cat.png becomes <out>/a/cat.png.jpg. Symbolic
links are followed, to files and to folders; each folder is read once, so a link loop is reported and
not followed round.

Options (flags override the environment variable shown; each flag may be given once):
  -o, --out <dir>            where thumbnails are written (required; not inside an input folder)
      --width <px>           box width, 1-4096                        THUMBNAIL_WIDTH      (256)
      --height <px>          box height, 1-4096                       THUMBNAIL_HEIGHT     (256)
      --fit <inside|cover>   keep all of the image, or fill the box   THUMBNAIL_FIT        (inside)
      --format <jpeg|webp|avif>                                       THUMBNAIL_FORMAT     (jpeg)
      --quality <1-100>                                               THUMBNAIL_QUALITY    (80)
      --background <#hex>    colour behind transparent pixels         THUMBNAIL_BACKGROUND (#ffffff)
      --max-input-bytes <n>  larger files are refused                 MAX_INPUT_BYTES      (52428800)
      --max-input-pixels <n> larger images are refused                MAX_INPUT_PIXELS     (100000000)
      --fail-on <warning|error|truncated>  decoder strictness         DECODE_FAIL_ON       (warning)
      --heic <true|false>    decode HEIC/HEIF input (libheif, LGPL)   HEIC_INPUT           (true)
      --renditions <json|@file>  every size and format per input      RENDITIONS           (unset)
                             the function's JSON list (docs/renditions.md); it replaces
                             --width, --height, --fit, --format, --quality and --background
  -j, --concurrency <n>      files processed at once, 1-256                                (CPU count)
  -f, --force                remake thumbnails even when they are up to date
      --overwrite            replace files in --out that thumbnailer did not write (refused otherwise)
  -h, --help                 show this help
  -V, --version              print the version

With renditions, each input becomes <out>/<rendition>/<key>.<ext> for every rendition and format,
then <out>/_manifests/<key>.json listing them (the function's key layout, relative to --out).

A thumbnail is up to date when the record kept for its input in <out>/.thumbnailer/ says it was made
from the same content with the same settings, and it is unchanged since; anything else remakes it.
Files that are not images are skipped; images that cannot be thumbnailed (corrupt, unsupported, too
large) and files or folders that cannot be read are failures, one line each on stderr, and the run goes
on. Exit code 0 only when nothing failed, 1 otherwise; 2 for bad usage, with nothing written.
`;

export interface CliArguments {
  readonly inputs: readonly string[];
  readonly out: string;
  readonly concurrency: number;
  readonly force: boolean;
  /** Replace a file at an output's place that no record of ours lists (otherwise that input fails). */
  readonly overwrite: boolean;
  readonly thumbnail: ThumbnailOptions;
  /** What each input becomes: --renditions, RENDITIONS, or the one implicit rendition of the thumbnail. */
  readonly renditions: readonly Rendition[];
}

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  width: { type: 'string' },
  height: { type: 'string' },
  fit: { type: 'string' },
  format: { type: 'string' },
  quality: { type: 'string' },
  background: { type: 'string' },
  'max-input-bytes': { type: 'string' },
  'max-input-pixels': { type: 'string' },
  'fail-on': { type: 'string' },
  heic: { type: 'string' },
  renditions: { type: 'string' },
  concurrency: { type: 'string', short: 'j' },
  force: { type: 'boolean', short: 'f' },
  overwrite: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies Record<string, FlagSpec>;

/** Engine option -> [flag, environment variable]. */
const SOURCES: Record<keyof ThumbnailOptions, readonly [keyof typeof OPTIONS, string]> = {
  width: ['width', 'THUMBNAIL_WIDTH'],
  height: ['height', 'THUMBNAIL_HEIGHT'],
  fit: ['fit', 'THUMBNAIL_FIT'],
  format: ['format', 'THUMBNAIL_FORMAT'],
  quality: ['quality', 'THUMBNAIL_QUALITY'],
  background: ['background', 'THUMBNAIL_BACKGROUND'],
  maxInputBytes: ['max-input-bytes', 'MAX_INPUT_BYTES'],
  maxInputPixels: ['max-input-pixels', 'MAX_INPUT_PIXELS'],
  failOn: ['fail-on', 'DECODE_FAIL_ON'],
  heic: ['heic', 'HEIC_INPUT'],
};

/** What a bad value was: ` (got "0x10")`, so the message shows what was read, not what was meant. */
const got = (value: unknown): string => (value === undefined ? '' : ` (got ${JSON.stringify(value)})`);

function thumbnailOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv): ThumbnailOptions {
  const raw = Object.fromEntries(
    Object.entries(SOURCES).map(([option, [flag, variable]]) => [
      option,
      values[flag] ?? (env[variable] || undefined),
    ]),
  );
  const parsed = thumbnailOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [flag, variable] = SOURCES[issue.path[0] as keyof ThumbnailOptions];
      return `--${flag} (or ${variable}): ${issue.message}${got(raw[issue.path[0] as string])}`;
    });
    throw new UsageError(problems.join('; '));
  }
  return parsed.data;
}

/**
 * `npm run thumbnailer imgs --out x` (no `--`) hands `--out` to npm, which keeps it as its own setting
 * (npm_config_out) and passes only `imgs x` on: name the flags npm kept, rather than "--out is required".
 */
function flagsNpmKept(env: NodeJS.ProcessEnv): string[] {
  if (env.npm_lifecycle_event !== 'thumbnailer') {
    return [];
  }
  return Object.entries(OPTIONS).flatMap(([name, spec]) => {
    const names = 'short' in spec ? [name, spec.short] : [name];
    return names.some((flag) => env[`npm_config_${flag.replace(/-/g, '_')}`] !== undefined)
      ? [`--${name}`]
      : [];
  });
}

function concurrencyOf(value: string | undefined): number {
  const concurrency = value === undefined ? availableParallelism() : readWholeNumber(value);
  if (!(concurrency >= 1 && concurrency <= 256)) {
    throw new UsageError(`--concurrency: ${wholeNumberRange(1, 256)}${got(value)}`);
  }
  return concurrency;
}

/** `read()`, or undefined with its usage error's message added to `problems`. */
function usageProblems<T>(problems: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/** Reads the command line; `'help'` or `'version'` when that was asked for instead of a run. */
export function parseCliArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): CliArguments | 'help' | 'version' {
  const kept = flagsNpmKept(env);
  if (kept.length > 0) {
    throw new UsageError(
      `npm kept ${kept.join(', ')} for itself: put -- before the CLI's flags, as in \`npm run thumbnailer -- photos --out thumbs\``,
    );
  }
  const { values, positionals } = readFlagValues(argv, OPTIONS);
  if (values.help || values.version) {
    return values.help ? 'help' : 'version';
  }
  if (positionals.length === 0) {
    throw new UsageError('no input given: name at least one file or folder');
  }
  if (positionals.includes('')) {
    throw new UsageError('an input is an empty string');
  }
  if (!values.out) {
    throw new UsageError('--out <dir> is required');
  }
  return {
    inputs: positionals,
    out: values.out,
    concurrency: concurrencyOf(values.concurrency),
    force: values.force ?? false,
    overwrite: values.overwrite ?? false,
    ...outputSettings(values, env),
  };
}

/**
 * The thumbnail flags and the renditions, both read before either is refused, so that one message names
 * every bad flag and rendition.
 */
function outputSettings(values: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const problems: string[] = [];
  const thumbnail = usageProblems(problems, () => thumbnailOptions(values, env));
  const renditions = usageProblems(problems, () => cliRenditions(values, env));
  if (thumbnail === undefined || problems.length > 0) {
    throw new UsageError(problems.join('; '));
  }
  return { thumbnail, renditions: renditions ?? [implicitRendition(thumbnail)] };
}
