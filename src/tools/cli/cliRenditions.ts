import { readFileSync } from 'node:fs';
import { parseRenditions, type Rendition } from '../../core/renditions';
import { describeFsError } from './fsErrors';
import { UsageError } from '../../common/errors';

/** The flags (and their variables) that describe the one thumbnail: renditions replace them all. */
export const SINGLE_THUMBNAIL = [
  ['width', 'THUMBNAIL_WIDTH'],
  ['height', 'THUMBNAIL_HEIGHT'],
  ['fit', 'THUMBNAIL_FIT'],
  ['format', 'THUMBNAIL_FORMAT'],
  ['quality', 'THUMBNAIL_QUALITY'],
  ['background', 'THUMBNAIL_BACKGROUND'],
] as const;

/** `--renditions @file`: the file's text; a file that cannot be read is a usage error naming it. */
function renditionsText(value: string): string {
  if (!value.startsWith('@')) {
    return value;
  }
  const path = value.slice(1);
  if (path === '') {
    throw new UsageError('--renditions @<file>: the file name is missing after @');
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeFsError(error);
    throw new UsageError(`--renditions ${value}: cannot read ${path}: ${why}`);
  }
  // Editors that save UTF-8 with a byte-order mark (Notepad) put an invisible U+FEFF before the JSON.
  return text.replace(/^\uFEFF/, '');
}

/**
 * What each input becomes: `--renditions` (JSON, or @file), else RENDITIONS, else undefined (the one
 * thumbnail the single-thumbnail flags and THUMBNAIL_* describe). The flag wins over the variable. Renditions together
 * with a single-thumbnail flag, or RENDITIONS with a THUMBNAIL_* variable (as the function rules), is
 * refused: each rendition has its own size, fit, formats, quality and background.
 */
export function cliRenditions(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): readonly Rendition[] | undefined {
  const flag = typeof values.renditions === 'string' ? values.renditions : undefined;
  const variable = env.RENDITIONS || undefined;
  if (flag === undefined && variable === undefined) {
    return undefined;
  }
  const source = flag === undefined ? 'RENDITIONS' : '--renditions';
  const flags = SINGLE_THUMBNAIL.filter(([name]) => values[name] !== undefined).map(([name]) => `--${name}`);
  const variables =
    flag === undefined ? SINGLE_THUMBNAIL.filter(([, name]) => env[name]).map(([, name]) => name) : [];
  const clashing = [...flags, ...variables];
  if (clashing.length > 0) {
    throw new UsageError(
      `${source} replaces ${clashing.join(', ')}: give each rendition its own width, height, fit, formats, quality and background`,
    );
  }
  const parsed = parseRenditions(flag === undefined ? (variable as string) : renditionsText(flag));
  if (!parsed.ok) {
    throw new UsageError(parsed.problems.map((problem) => `${source}${problem}`).join('; '));
  }
  return parsed.renditions;
}
