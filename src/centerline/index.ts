/**
 * Centerline tracing: single strokes along the middle of each drawn line, for plotters, lasers,
 * engravers and embroidery. Stages, one module each: ink masks per colour (ink.ts), the line-art
 * check (line-art.ts), distance transform (distance.ts), thinning and the skeleton graph with
 * junction clustering and spur pruning (thin.ts, graph.ts), strokes through junctions
 * (strokes.ts), width per stroke (width.ts), line detection and curve fitting (fit.ts), pen order
 * (order.ts) and the SVG (svg.ts).
 */
import type { RgbaImage } from '../engines/engine.js';
import type { Rgb } from '../pipeline/options.js';
import { bridgeInks } from './crossings.js';
import { distanceTransform } from './distance.js';
import { fitStroke, type FittedPath } from './fit.js';
import { pathLength, skeletonGraph } from './graph.js';
import { separateInks } from './ink.js';
import { assertLineArt, assertThinInk, maxHalfWidth } from './line-art.js';
import { greedyOrder, penOrder, travel, type PenStroke } from './order.js';
import { buildStrokes } from './strokes.js';
import { hex, strokeSvg, type InkStrokes } from './svg.js';
import { strokeWidths } from './width.js';

export interface CenterlineOptions {
  strokeWidth?: number | 'auto';
  strokeColor?: Rgb | 'auto';
  /** Decimals of coordinates; without it, coordinates are on a half-pixel grid (see HALF_PIXEL). */
  precision?: number;
  /** The document's size when `image` is a reduced copy of the source (default: the image's size). */
  size?: { width: number; height: number };
}

/** What the JSON answer reports about a centerline trace. */
export interface CenterlineFacts {
  /** Strokes drawn (a pen-down each, before chaining at shared ends). */
  strokes: number;
  /** Pen lifts after ordering and chaining: strokes that start where the last one ended need none. */
  penLifts: number;
  inks: { colour: string; strokes: number; width: number }[];
  /** Pen-up travel in source pixels from the origin, in the order found and after ordering. */
  penUpTravel: { before: number; after: number };
  /** Pen-down length in source pixels. */
  drawnLength: number;
}

export interface CenterlineTrace {
  svg: string;
  facts: CenterlineFacts;
  /** The fitted strokes per ink, in pen order (for tests and the bench). */
  inks: InkStrokes[];
  /** Pen-up travel of the greedy nearest-end order alone, before 2-opt and Or-opt (for the bench). */
  greedyTravel: number;
  timings: Record<string, number>;
}

/**
 * User units per pixel when no precision is asked for: coordinates on a half-pixel grid, written as
 * integers on a viewBox twice the image's size. A skeleton's points are pixel centres, which this
 * grid holds exactly; a curve's handles move by at most a quarter pixel, which moves the curve by
 * at most 0.19 px (3t(1-t) of it), well inside the fit's 1.25 px. On the bench's curved line art
 * this measured 12-24 % fewer bytes than tenths of a pixel at the same SSIM (straight lines between
 * pixel centres gain a digit here and there: the grid and the letter E a few bytes more).
 */
export const HALF_PIXEL = 2;

/** Widths are written to a quarter pixel (half a pixel above 4 px): finer is noise, and equal widths share a <path>. */
function roundWidth(w: number): number {
  const step = w < 4 ? 0.25 : 0.5;
  return Math.max(step, Math.round(w / step) * step);
}

/**
 * Strokes of one ink whose widths differ from the ink's by at most this many pixels share its
 * width (a thin line's measure is half a pixel either way at best), or by at most this share of it
 * on a thick line: a logo's 24 px connectors and 34 px ring are different pens.
 */
const SAME_PEN_PX = 0.75;
const SAME_PEN = 0.1;

/**
 * The width each stroke is drawn at: one pen per ink. A stroke measured within SAME_PEN_PX or SAME_PEN of the
 * ink's width (the median over its strokes, weighted by length, so short strokes whose caps and
 * junctions skew their measure count little) is drawn at the ink's width; only a line really
 * thicker or thinner keeps its own. Widths measured a quarter pixel apart are noise, and every
 * change of width costs a <path> of its own.
 */
export function inkWidths(widths: readonly number[], lengths: readonly number[]): number[] {
  const order = widths.map((_, i) => i).sort((a, b) => widths[a]! - widths[b]!);
  const total = lengths.reduce((s, l) => s + Math.max(1, l), 0);
  let seen = 0;
  let ink = widths[order[0]!] ?? 0;
  for (const i of order) {
    seen += Math.max(1, lengths[i]!);
    if (seen >= total / 2) {
      ink = widths[i]!;
      break;
    }
  }
  return widths.map((w) => (Math.abs(w - ink) <= Math.max(SAME_PEN * ink, SAME_PEN_PX) ? ink : w));
}

export function traceCenterline(image: RgbaImage, options: CenterlineOptions = {}): CenterlineTrace {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + Math.round((now - t) * 10) / 10;
    t = now;
  };
  const { width, height } = image;
  const separation = separateInks(image);
  assertLineArt(separation);
  lap('ink');
  const limit = maxHalfWidth(width, height);
  const traced: { colour: Rgb; strokes: PenStroke[] }[] = [];
  let deep = 0;
  let total = 0;
  // Where one ink crosses another, the lower ink's lines go on through (and it is drawn first).
  const bridged = bridgeInks(separation.inks, width, height, Math.ceil(2 * limit));
  lap('crossings');
  for (const k of bridged.order) {
    const ink = separation.inks[k]!;
    const mask = bridged.masks[k]!;
    const coverage = bridged.coverages[k]!;
    const dt = distanceTransform(mask, width, height);
    for (let p = 0; p < dt.length; p++) {
      if (!mask[p]) continue;
      total++;
      if (dt[p]! > limit) deep++;
    }
    lap('distance');
    const graph = skeletonGraph(mask, width, height, dt);
    lap('skeleton');
    const strokes = buildStrokes(graph);
    lap('strokes');
    const widths = strokeWidths(graph, strokes, coverage, dt, width, height);
    lap('width');
    const paths: PenStroke[] = [];
    const drawnWidths = inkWidths(widths, strokes.map((s) => pathLength(s.points)));
    strokes.forEach((s, i) => {
      // Specks smaller than a pixel across are noise, not a line.
      if (s.points.length < 2 && widths[i]! < 1.5) return;
      const fixed = options.strokeWidth;
      paths.push({ path: fitStroke(s.points, s.closed, { freeEnds: s.freeEnds, width: widths[i]! }), width: typeof fixed === 'number' ? fixed : roundWidth(drawnWidths[i]!) });
    });
    lap('fit');
    traced.push({ colour: options.strokeColor && options.strokeColor !== 'auto' ? options.strokeColor : ink.colour, strokes: paths });
  }
  assertThinInk(deep, total);

  // Pen order across inks: one pen after the other, each starting where the last one stopped.
  let at = { x: 0, y: 0 };
  let atFound = { x: 0, y: 0 };
  let before = 0;
  let after = 0;
  let greedy = 0;
  const inks: InkStrokes[] = [];
  for (const ink of traced) {
    const found = travel(ink.strokes, atFound);
    before += found.distance;
    atFound = found.at;
    greedy += travel(greedyOrder(ink.strokes, at), at).distance;
    const ordered = penOrder(ink.strokes, at);
    const chosen = travel(ordered, at);
    after += chosen.distance;
    at = chosen.at;
    inks.push({ colour: ink.colour, strokes: ordered });
  }
  lap('order');
  const svg = strokeSvg(width, height, inks, separation.background, options.precision === undefined ? HALF_PIXEL : 10 ** options.precision, options.size);
  lap('svg');
  const all = inks.flatMap((k) => k.strokes);
  const facts: CenterlineFacts = {
    strokes: all.length,
    penLifts: countLifts(inks),
    inks: inks.map((k) => ({ colour: hex(k.colour), strokes: k.strokes.length, width: median(k.strokes.map((s) => s.width)) })),
    penUpTravel: { before: Math.round(before), after: Math.round(after) },
    drawnLength: Math.round(all.reduce((s, k) => s + drawn(k.path), 0)),
  };
  return { svg, facts, inks, timings, greedyTravel: Math.round(greedy) };
}

function countLifts(inks: readonly InkStrokes[]): number {
  let lifts = 0;
  for (const ink of inks) {
    let at: { x: number; y: number } | undefined;
    for (const s of ink.strokes) {
      if (!at || Math.hypot(at.x - s.path.start.x, at.y - s.path.start.y) > 1e-9) lifts++;
      at = s.path.segments.at(-1)?.to ?? s.path.start;
    }
  }
  return lifts;
}

function drawn(path: FittedPath): number {
  let from = path.start;
  let length = 0;
  for (const s of path.segments) {
    length += Math.hypot(s.to.x - from.x, s.to.y - from.y);
    from = s.to;
  }
  return length;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
