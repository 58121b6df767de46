/**
 * sRGB <-> Oklab (Björn Ottosson, 2020). Oklab is close to perceptually uniform, so plain
 * squared Euclidean distance in it is a good colour-difference measure for clustering.
 */

/** A colour in Oklab: L in [0, 1], a and b roughly in [-0.4, 0.4]. */
export interface Oklab {
  L: number;
  a: number;
  b: number;
}

/** sRGB transfer function inverse for one channel in [0, 1]. */
export function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** sRGB transfer function for one linear channel in [0, 1] (not clamped). */
export function linearToSrgb(c: number): number {
  return c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
}

/**
 * Linear value of each 8-bit sRGB level. Converting whole images goes through here because
 * Math.pow per channel per pixel would dominate the cost of quantisation.
 */
export const SRGB8_TO_LINEAR: Float64Array = (() => {
  const table = new Float64Array(256);
  for (let i = 0; i < 256; i++) table[i] = srgbToLinear(i / 255);
  return table;
})();

/**
 * Oklab of a colour given as *linear* RGB in [0, 1]. Writes into `out` at `offset` (L, a, b)
 * so hot loops can fill flat Float64Arrays without allocating.
 */
export function linearRgbToOklabInto(
  r: number,
  g: number,
  b: number,
  out: Float64Array | Float32Array | number[],
  offset = 0,
): void {
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  out[offset] = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  out[offset + 1] = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  out[offset + 2] = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
}

/** Oklab of an 8-bit sRGB colour (integers 0-255), via the linearisation table. */
export function srgb8ToOklab(r: number, g: number, b: number): Oklab {
  const out = [0, 0, 0];
  linearRgbToOklabInto(SRGB8_TO_LINEAR[r & 255]!, SRGB8_TO_LINEAR[g & 255]!, SRGB8_TO_LINEAR[b & 255]!, out);
  return { L: out[0]!, a: out[1]!, b: out[2]! };
}

/** Oklab of an sRGB colour with fractional channels in [0, 255] (e.g. a cluster mean). */
export function srgbToOklab(r: number, g: number, b: number): Oklab {
  const out = [0, 0, 0];
  linearRgbToOklabInto(srgbToLinear(r / 255), srgbToLinear(g / 255), srgbToLinear(b / 255), out);
  return { L: out[0]!, a: out[1]!, b: out[2]! };
}

/** 8-bit sRGB of an Oklab colour, clamped to the gamut and rounded. */
export function oklabToSrgb8(L: number, a: number, b: number): { r: number; g: number; b: number } {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const lr = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s;
  const lg = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s;
  const lb = -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s;
  return { r: toByte(lr), g: toByte(lg), b: toByte(lb) };
}

function toByte(linear: number): number {
  const v = Math.round(linearToSrgb(linear < 0 ? 0 : linear > 1 ? 1 : linear) * 255);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
