/**
 * zod, as this project uses it: the tree-shakable `zod/mini` API (in the Lambda bundle, ~40 KB instead of
 * ~730 KB for zod's classic API, and about 25 ms less cold start: see the README), with English error
 * messages, which zod/mini does not load by itself. Schema modules import `* as z` from here.
 */
import {
  boolean,
  coerce,
  config,
  enum as oneOf,
  int,
  maximum,
  minimum,
  pipe,
  transform,
  union,
} from 'zod/mini';
// The CommonJS locale loads under Jest and Node; the Lambda build aliases it to the ES module, so that
// the bundle holds one copy of zod (see scripts/build.mjs).
import en from 'zod/v4/locales/en.cjs';

config(en());

export * from 'zod/mini';

/** A whole number from `min` to `max`; numeric strings, as environment variables and flags give them, pass. */
export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  pipe(coerce.number(), int().check(minimum(min), maximum(max)));

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
