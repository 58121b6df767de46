/**
 * Output size arithmetic. One inch is 72 pt, 25.4 mm, 2.54 cm and `dpi` px; a source pixel is
 * 1/dpi inch. Width and height are in `unit`; one of them alone keeps the drawing's aspect; both
 * give a box the drawing is fitted into, centred (as SVG's default preserveAspectRatio does).
 */
import type { ExportOptions, SizeUnit } from '../pipeline/options.js';

/** How many of each unit make one inch (px depends on dpi). */
export function perInch(unit: SizeUnit, dpi: number): number {
  switch (unit) {
    case 'px':
      return dpi;
    case 'pt':
      return 72;
    case 'in':
      return 1;
    case 'cm':
      return 2.54;
    case 'mm':
      return 25.4;
  }
}

/** `value` in unit `from` expressed in unit `to`, px converted at `dpi`. */
export function convertLength(value: number, from: SizeUnit, to: SizeUnit, dpi: number): number {
  return (value * perInch(to, dpi)) / perInch(from, dpi);
}

export interface OutputSize {
  /** The page (or canvas) in the asked unit. */
  width: number;
  height: number;
  unit: SizeUnit;
  dpi: number;
  /** The page in PostScript points (PDF and EPS). */
  widthPt: number;
  heightPt: number;
  /** The page in whole device pixels at `dpi` (PNG), at least 1. */
  widthPx: number;
  heightPx: number;
  /** Where the drawing sits on the page, in points: offset and scale from drawing units (viewBox) to points. */
  placement: { x: number; y: number; scale: number };
}

/**
 * The page for a drawing of `viewBox` size (its own units) whose source was `sourceWidth` x
 * `sourceHeight` px. Without width and height the page is the source's size.
 */
export function outputSize(
  sourceWidth: number,
  sourceHeight: number,
  viewBox: { width: number; height: number },
  options: Pick<ExportOptions, 'width' | 'height' | 'unit' | 'dpi'>,
): OutputSize {
  const { unit, dpi } = options;
  const aspect = viewBox.width / viewBox.height;
  let width: number;
  let height: number;
  if (options.width !== undefined && options.height !== undefined) {
    width = options.width;
    height = options.height;
  } else if (options.width !== undefined) {
    width = options.width;
    height = width / aspect;
  } else if (options.height !== undefined) {
    height = options.height;
    width = height * aspect;
  } else {
    width = convertLength(sourceWidth, 'px', unit, dpi);
    height = convertLength(sourceHeight, 'px', unit, dpi);
  }
  const widthPt = convertLength(width, unit, 'pt', dpi);
  const heightPt = convertLength(height, unit, 'pt', dpi);
  const scale = Math.min(widthPt / viewBox.width, heightPt / viewBox.height);
  return {
    width,
    height,
    unit,
    dpi,
    widthPt,
    heightPt,
    widthPx: Math.max(1, Math.round(convertLength(width, unit, 'px', dpi))),
    heightPx: Math.max(1, Math.round(convertLength(height, unit, 'px', dpi))),
    placement: { x: (widthPt - viewBox.width * scale) / 2, y: (heightPt - viewBox.height * scale) / 2, scale },
  };
}

/** A length as an SVG attribute: a plain number for px, else with its unit ("25.4mm"). */
export function svgLength(value: number, unit: SizeUnit): string {
  const text = String(Math.round(value * 1000) / 1000);
  return unit === 'px' ? text : text + unit;
}
