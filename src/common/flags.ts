import { parseArgs } from 'node:util';
import { UsageError } from './errors';

/** A flag: it takes a value (`--port 0`, `--port=0`) or it is a switch (`--fresh`). */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

/** The distance between two words in edits (insert, delete, replace, swap two neighbours). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      const best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      (d[i] ?? [])[j] = swapped ? Math.min(best, at(i - 2, j - 2) + 1) : best;
    }
  }
  return at(a.length, b.length);
}

/** The known word closest to `word`, when it is close enough to be what was meant. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const normal = (text: string) => text.toLowerCase().replace(/_/g, '-');
  const ranked = known
    .map((candidate) => ({ candidate, distance: editDistance(normal(word), normal(candidate)) }))
    .sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  return best && best.distance <= Math.min(2, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/** What is wrong with one flag as written, or undefined. */
function flagProblem(token: Token & { kind: 'option' }, spec: FlagSpec | undefined, names: string[]) {
  const { rawName, value, inlineValue } = token;
  if (spec === undefined) {
    const guess = closest(rawName.replace(/^-+/, ''), names);
    return `unknown option ${rawName}${guess ? ` (did you mean --${guess}?)` : ''}`;
  }
  if (spec.type === 'boolean') {
    return value === undefined
      ? undefined
      : `${rawName} takes no value: write ${rawName} alone to turn it on`;
  }
  if (value === undefined) {
    return `${rawName} needs a value: ${rawName} <value> or ${rawName}=<value>`;
  }
  // `--data-dir --fresh` is a forgotten value far more often than a folder named "--fresh".
  if (!inlineValue && /^--?[a-z]/i.test(value)) {
    return `${rawName} needs a value, but the next argument is the option ${value} (write ${rawName}=${value} if you mean it)`;
  }
  return undefined;
}

/** The flags read: each flag's value (`true` for a switch) by its long name, and the other arguments. */
export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

/** The flags given, typed by their specs: a string for a flag that takes a value, `true` for a switch. */
export type FlagValues<Specs extends Readonly<Record<string, FlagSpec>>> = {
  readonly [Name in keyof Specs]?: Specs[Name]['type'] extends 'boolean' ? true : string;
};

/** {@link readFlags}, with the values as an object typed by the specs. */
export function readFlagValues<Specs extends Readonly<Record<string, FlagSpec>>>(
  argv: readonly string[],
  specs: Specs,
  positional?: (value: string) => string,
): { readonly values: FlagValues<Specs>; readonly positionals: readonly string[] } {
  const { values, positionals } = readFlags(argv, specs, positional);
  return { values: Object.fromEntries(values) as FlagValues<Specs>, positionals };
}

/**
 * Reads `--name value`, `--name=value`, short flags and switches, strictly: an unknown option (with the
 * nearest known one), a missing value, a value given to a switch and an option given twice are each
 * refused with a message that names it. Other arguments are positionals; a command that takes none gives
 * `positional`, which says why a stray one is wrong.
 */
export function readFlags(
  argv: readonly string[],
  specs: Readonly<Record<string, FlagSpec>>,
  positional?: (value: string) => string,
): ParsedFlags {
  const { tokens } = parseArgs({
    args: [...argv],
    options: specs,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (positional !== undefined) {
        throw new UsageError(positional(token.value));
      }
      positionals.push(token.value);
    }
    if (token.kind === 'option') {
      values.set(token.name, checkedValue(token, specs, values));
    }
  }
  return { values, positionals };
}

function checkedValue(
  token: Token & { kind: 'option' },
  specs: Readonly<Record<string, FlagSpec>>,
  values: ReadonlyMap<string, string | true>,
): string | true {
  const problem = flagProblem(token, specs[token.name], Object.keys(specs));
  if (problem !== undefined) {
    throw new UsageError(problem);
  }
  if (values.has(token.name)) {
    throw new UsageError(`${token.rawName} is given twice; give it once`);
  }
  return token.value ?? true;
}
