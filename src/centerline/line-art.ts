/**
 * Whether an image is line art a centreline can describe. Refused, with the reason in a sentence:
 * too little plain background (a photo or a full-bleed illustration), many pixels no mix of the
 * background and one ink explains (photographs, gradients, shading), too many ink colours, or ink
 * that forms large filled areas rather than lines (a stroke there would be wider than a line).
 */
import { AppError } from '../errors/app-error.js';
import type { InkSeparation } from './ink.js';

/** Line art is mostly paper. */
const MIN_BACKGROUND = 0.5;
/** Anti-aliasing explains nearly every pixel of line art; a photo leaves many unexplained. */
const MAX_UNEXPLAINED = 0.05;
/** Share of ink that may lie deeper inside a filled area than a line's half-width. */
const MAX_FILLED = 0.15;
const MAX_INKS = 8;

const pct = (v: number) => `${Math.round(v * 100)} %`;

/** The widest half-width a line may have: 3 % of the shorter side, at least 10 px. */
export function maxHalfWidth(width: number, height: number): number {
  return Math.max(10, 0.03 * Math.min(width, height));
}

export function assertLineArt(sep: InkSeparation): void {
  const refuse = (why: string): never => {
    throw new AppError('NOT_LINE_ART', `Centerline tracing needs line art (lines on a plain background), but ${why}; use draw_style=fill for this image.`);
  };
  if (sep.backgroundShare < MIN_BACKGROUND) refuse(`only ${pct(sep.backgroundShare)} of the image is plain background`);
  if (sep.unexplainedShare > MAX_UNEXPLAINED) refuse(`${pct(sep.unexplainedShare)} of the pixels are shades no single ink colour on the background explains, as in a photo or a gradient`);
  if (sep.inks.length > MAX_INKS) refuse(`it has more than ${MAX_INKS} ink colours`);
  if (sep.inks.length === 0) refuse('there are no lines in it');
}

/**
 * Below this SSIM the strokes at their width do not describe the image: shapes whose width changes
 * along them (blades, tapering brush strokes) or filled areas the other checks let through.
 */
export const MIN_STROKE_SSIM = 0.8;

export function assertStrokesFit(ssim: number): void {
  if (ssim < MIN_STROKE_SSIM) {
    throw new AppError(
      'NOT_LINE_ART',
      `Centerline tracing needs line art (lines on a plain background), but single strokes reproduce this image poorly (SSIM ${ssim.toFixed(2)}): its shapes are filled or change width along their length; use draw_style=fill for this image.`,
    );
  }
}

/** Refuses ink that is mostly filled area: `deep` of `total` ink pixels are farther than a line's half-width from its edge. */
export function assertThinInk(deep: number, total: number): void {
  if (total > 0 && deep / total > MAX_FILLED) {
    throw new AppError(
      'NOT_LINE_ART',
      `Centerline tracing needs line art (lines on a plain background), but ${pct(deep / total)} of the ink is in large filled areas; use draw_style=fill for this image.`,
    );
  }
}
