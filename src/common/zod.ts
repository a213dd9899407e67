/**
 * zod, as this project uses it: the tree-shakable `zod/mini` API (in the Lambda bundle, ~40 KB instead of
 * ~730 KB for zod's classic API, and about 25 ms less cold start: see docs/performance.md#reading-the-figures),
 * with English error messages, which zod/mini does not load by itself. Schema modules import `* as z` from here.
 */
import {
  boolean,
  config,
  enum as oneOf,
  int,
  maximum,
  minimum,
  number,
  pipe,
  transform,
  union,
} from 'zod/mini';
// The CommonJS locale loads under Jest and Node; the Lambda build aliases it to the ES module, so that
// the bundle holds one copy of zod (see scripts/build.mjs).
import en from 'zod/v4/locales/en.cjs';

config(en());

export * from 'zod/mini';

/**
 * The one reading of a whole number that a user typed (a flag, an environment variable): decimal digits
 * only. `Number()` would take " 100", "0x10", "1e2" and "" as numbers, so `--width 0x10` made 16 px.
 * Anything else, and a number beyond exact integers, is NaN.
 */
export function readWholeNumber(value: unknown): number {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? value : Number.NaN;
  }
  if (typeof value !== 'string' || !/^[0-9]{1,16}$/.test(value)) {
    return Number.NaN;
  }
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : Number.NaN;
}

/** What {@link wholeNumber} says of a bad value: `must be a whole number from 1 to 4096`. */
export const wholeNumberRange = (min: number, max = Number.MAX_SAFE_INTEGER): string =>
  max === Number.MAX_SAFE_INTEGER
    ? `must be a whole number of at least ${min}`
    : `must be a whole number from ${min} to ${max}`;

/** A whole number from `min` to `max`, as code, environment variables and flags give it ({@link readWholeNumber}). */
export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const message = wholeNumberRange(min, max);
  return pipe(
    transform(readWholeNumber),
    number(message).check(int(message), minimum(min, message), maximum(max, message)),
  );
};

/** true or false, given as a boolean (code) or as text, as environment variables and flags give it. */
export const trueOrFalse = union(
  [
    boolean(),
    pipe(
      oneOf(['true', 'false', '1', '0'], { message: 'must be true or false' }),
      transform((value) => value === 'true' || value === '1'),
    ),
  ],
  { message: 'must be true or false' },
);
