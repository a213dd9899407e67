/**
 * zod, as this project uses it: the tree-shakable `zod/mini` API (in the Lambda bundle, ~40 KB instead of
 * ~730 KB for zod's classic API, and about 25 ms less cold start: see the README), with English error
 * messages, which zod/mini does not load by itself. Schema modules import `* as z` from here.
 */
import { coerce, config, int, maximum, minimum, pipe } from 'zod/mini';
// The CommonJS locale loads under Jest and Node; the Lambda build aliases it to the ES module, so that
// the bundle holds one copy of zod (see scripts/build.mjs).
import en from 'zod/v4/locales/en.cjs';

config(en());

export * from 'zod/mini';

/** A whole number from `min` to `max`; numeric strings, as environment variables and flags give them, pass. */
export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  pipe(coerce.number(), int().check(minimum(min), maximum(max)));
