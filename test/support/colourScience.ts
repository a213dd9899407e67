/**
 * Reference colour science, written from the colour spaces' published definitions (IEC 61966-2-1 for
 * sRGB, Adobe RGB (1998), SMPTE EG 432-1 for Display P3, CIE 15 for CIELAB and CIEDE2000). Tests compute
 * the colour a thumbnail must have with these formulas, never with sharp or lcms, which the engine uses.
 */

/** Three components: linear or encoded RGB in 0..1, or CIE XYZ/Lab. */
export type Triple = readonly [number, number, number];
type Matrix = readonly [Triple, Triple, Triple];

export interface RgbSpace {
  readonly name: string;
  /** Chromaticities (x, y) of the red, green and blue primaries. */
  readonly primaries: readonly [
    readonly [number, number],
    readonly [number, number],
    readonly [number, number],
  ];
  /** Encoded value (0..1) to linear light. */
  readonly decode: (encoded: number) => number;
  readonly encode: (linear: number) => number;
}

const D65: readonly [number, number] = [0.3127, 0.329];

const srgbDecode = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const srgbEncode = (v: number) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);
/** Adobe RGB (1998) specifies gamma 563/256, which its ICC profiles store exactly. */
const ADOBE_GAMMA = 563 / 256;

export const SRGB: RgbSpace = {
  name: 'sRGB',
  primaries: [
    [0.64, 0.33],
    [0.3, 0.6],
    [0.15, 0.06],
  ],
  decode: srgbDecode,
  encode: srgbEncode,
};

export const ADOBE_RGB: RgbSpace = {
  name: 'Adobe RGB',
  primaries: [
    [0.64, 0.33],
    [0.21, 0.71],
    [0.15, 0.06],
  ],
  decode: (v) => v ** ADOBE_GAMMA,
  encode: (v) => v ** (1 / ADOBE_GAMMA),
};

/** Display P3: DCI-P3 primaries, D65 white and the sRGB transfer curve. */
export const DISPLAY_P3: RgbSpace = {
  name: 'Display P3',
  primaries: [
    [0.68, 0.32],
    [0.265, 0.69],
    [0.15, 0.06],
  ],
  decode: srgbDecode,
  encode: srgbEncode,
};

const xyzOf = ([x, y]: readonly [number, number]): Triple => [x / y, 1, (1 - x - y) / y];

const multiply = (m: Matrix, v: Triple): Triple => [
  m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
  m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
  m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
];

function invert(m: Matrix): Matrix {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/** Linear RGB to XYZ: the primaries' XYZ columns, scaled so that RGB (1, 1, 1) is the D65 white. */
function rgbToXyz(space: RgbSpace): Matrix {
  const [r, g, b] = space.primaries.map(xyzOf) as [Triple, Triple, Triple];
  const columns: Matrix = [
    [r[0], g[0], b[0]],
    [r[1], g[1], b[1]],
    [r[2], g[2], b[2]],
  ];
  const [sr, sg, sb] = multiply(invert(columns), xyzOf(D65));
  return columns.map(([x, y, z]) => [x * sr, y * sg, z * sb]) as unknown as Matrix;
}

/** Encoded RGB (0..1) in `space` to CIE XYZ (D65, Y of white = 1). */
export const toXyz = (space: RgbSpace, rgb: Triple): Triple =>
  multiply(rgbToXyz(space), rgb.map(space.decode) as unknown as Triple);

/** CIE XYZ (D65) to encoded RGB (0..1) in `space`, unclipped. */
export const fromXyz = (space: RgbSpace, xyz: Triple): Triple =>
  multiply(invert(rgbToXyz(space)), xyz).map(space.encode) as unknown as Triple;

/** Converts encoded RGB between spaces through XYZ; both share the D65 white, so no adaptation is needed. */
export const convertRgb = (from: RgbSpace, to: RgbSpace, rgb: Triple): Triple =>
  fromXyz(to, toXyz(from, rgb));

/** CIELAB of an XYZ colour, relative to D65 white. */
export function toLab(xyz: Triple): Triple {
  const white = xyzOf(D65);
  const f = (t: number) => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
  const [fx, fy, fz] = xyz.map((value, index) => f(value / (white[index] ?? 1))) as unknown as Triple;
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** CIELAB of an 8-bit sRGB colour. */
export const labOfSrgb8 = (rgb: Triple): Triple =>
  toLab(toXyz(SRGB, rgb.map((value) => value / 255) as unknown as Triple));

const degrees = (radians: number) => (radians * 180) / Math.PI;
const radians = (angle: number) => (angle * Math.PI) / 180;

/** Hue angle in degrees, 0..360. */
const hue = (b: number, a: number) => (a === 0 && b === 0 ? 0 : (degrees(Math.atan2(b, a)) + 360) % 360);

/** The hue difference h2 - h1 the short way round, in degrees. */
function hueDifference(h1: number, h2: number): number {
  const difference = h2 - h1;
  if (Math.abs(difference) <= 180) {
    return difference;
  }
  return difference > 180 ? difference - 360 : difference + 360;
}

/** The mean of two hue angles the short way round, in degrees. */
function meanHue(h1: number, h2: number): number {
  const sum = h1 + h2;
  if (Math.abs(h1 - h2) <= 180) {
    return sum / 2;
  }
  return sum < 360 ? (sum + 360) / 2 : (sum - 360) / 2;
}

/** CIEDE2000's weighting functions, at the pair's mean lightness, chroma and hue. */
function weights(meanL: number, meanC: number, meanH: number) {
  const cos = (angle: number) => Math.cos(radians(angle));
  const T =
    1 -
    0.17 * cos(meanH - 30) +
    0.24 * cos(2 * meanH) +
    0.32 * cos(3 * meanH + 6) -
    0.2 * cos(4 * meanH - 63);
  const rotation = Math.sin(radians(60 * Math.exp(-(((meanH - 275) / 25) ** 2))));
  return {
    SL: 1 + (0.015 * (meanL - 50) ** 2) / Math.sqrt(20 + (meanL - 50) ** 2),
    SC: 1 + 0.045 * meanC,
    SH: 1 + 0.015 * meanC * T,
    RT: -2 * Math.sqrt(meanC ** 7 / (meanC ** 7 + 25 ** 7)) * rotation,
  };
}

/** CIEDE2000 colour difference (kL = kC = kH = 1). About 1 is just noticeable; 3 is a small difference. */
export function deltaE2000([L1, a1, b1]: Triple, [L2, a2, b2]: Triple): number {
  const meanC = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2;
  const G = 0.5 * (1 - Math.sqrt(meanC ** 7 / (meanC ** 7 + 25 ** 7)));
  const [ap1, ap2] = [a1 * (1 + G), a2 * (1 + G)];
  const [C1, C2] = [Math.hypot(ap1, b1), Math.hypot(ap2, b2)];
  const [h1, h2] = [hue(b1, ap1), hue(b2, ap2)];
  const achromatic = C1 * C2 === 0;
  const dH = 2 * Math.sqrt(C1 * C2) * Math.sin(radians((achromatic ? 0 : hueDifference(h1, h2)) / 2));
  const { SL, SC, SH, RT } = weights((L1 + L2) / 2, (C1 + C2) / 2, achromatic ? h1 + h2 : meanHue(h1, h2));
  const [dL, dC] = [(L2 - L1) / SL, (C2 - C1) / SC];
  return Math.sqrt(dL ** 2 + dC ** 2 + (dH / SH) ** 2 + RT * dC * (dH / SH));
}
