/**
 * The `thumbhash` package (Evan Wallace's reference implementation, MIT). It ships as an ES module only,
 * which this CommonJS code loads with require (Node 20.19+, and the esbuild bundles, which inline it);
 * the functions used are typed here.
 */
interface ThumbHash {
  rgbaToThumbHash: (width: number, height: number, rgba: ArrayLike<number>) => Uint8Array;
  thumbHashToRGBA: (hash: ArrayLike<number>) => { w: number; h: number; rgba: Uint8Array };
  thumbHashToAverageRGBA: (hash: ArrayLike<number>) => { r: number; g: number; b: number; a: number };
  thumbHashToApproximateAspectRatio: (hash: ArrayLike<number>) => number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: an ES-module-only package
const thumbhash = require('thumbhash') as ThumbHash;

export const { rgbaToThumbHash, thumbHashToRGBA, thumbHashToAverageRGBA, thumbHashToApproximateAspectRatio } =
  thumbhash;
