/**
 * Fitted shapes kept only where the picture stays as good: the SVG with primitives is scored, and
 * kept when its SSIM is at most MAX_SSIM_LOSS below the SVG without them. When the whole set
 * costs more, each shape is scored on its own and the least harmful are kept while the total stays
 * within the loss (one more score to confirm); otherwise the SVG stays as it was. Round holes come
 * after, all or none, and only at no loss at all.
 */
import { fitShapes, type FoundShape, type ShapeOptions } from './fit-svg.js';

/** Largest SSIM the primitives may cost against the paths they replace. */
export const MAX_SSIM_LOSS = 0.001;
/** Largest distance (source pixels) from a traced outline to its primitive: potrace's own curve error is about half that. */
export const TOLERANCE_PX = 1;
/** Smallest primitive (source pixels): below it any speck "fits" an ellipse. */
export const MIN_SIZE_PX = 4;

/** Fit limits in the SVG's user units (`unitsPerPixel` user units per source pixel) at `precision` decimals. */
export function shapeOptions(unitsPerPixel: number, precision: number): ShapeOptions {
  return { tolerance: TOLERANCE_PX * unitsPerPixel, minSize: MIN_SIZE_PX * unitsPerPixel, precision };
}

/** Shapes scored one by one at most, when the set as a whole costs too much. */
const MAX_SINGLY = 24;

export interface KeptShapes {
  svg: string;
  ssim: number;
  /** The shapes written into `svg`. */
  shapes: FoundShape[];
}

/**
 * `baseline` is the score of `svg` itself; `score` measures any SVG against the source. Filled
 * shapes are kept within MAX_SSIM_LOSS (see above); round holes redrawn as arcs then only if the
 * score does not drop at all: they are for the look (round where potrace flattens small circles),
 * and the fitted circle is the traced outline's, not the source's.
 */
export async function keepShapes(svg: string, baseline: number, score: (svg: string) => Promise<number>, options: ShapeOptions): Promise<KeptShapes | null> {
  const all = fitShapes(svg, options);
  if (all.written.length === 0) return null;
  const holes = new Set([...all.found.keys()].filter((i) => all.found[i]!.role === 'hole'));
  const filled = await keepFilled(svg, all, holes, baseline, score, options);
  if (holes.size === 0) return filled && { svg: filled.svg, ssim: filled.ssim, shapes: filled.shapes };
  const chosen = filled?.chosen ?? new Set<number>();
  const withHoles = fitShapes(svg, { ...options, accept: (j) => chosen.has(j) || holes.has(j) });
  if (withHoles.written.length > chosen.size) {
    const ssim = await score(withHoles.svg);
    if (ssim >= (filled?.ssim ?? baseline)) return { svg: withHoles.svg, ssim, shapes: withHoles.written };
  }
  return filled && { svg: filled.svg, ssim: filled.ssim, shapes: filled.shapes };
}

/** The filled shapes (not `holes`) kept within MAX_SSIM_LOSS of `baseline`, and which they are. */
async function keepFilled(
  svg: string,
  all: ReturnType<typeof fitShapes>,
  holes: ReadonlySet<number>,
  baseline: number,
  score: (svg: string) => Promise<number>,
  options: ShapeOptions,
): Promise<(KeptShapes & { chosen: Set<number> }) | null> {
  const candidates = [...all.found.keys()].filter((i) => !holes.has(i));
  if (candidates.length === 0) return null;
  const floor = baseline - MAX_SSIM_LOSS;
  const set = holes.size === 0 ? all : fitShapes(svg, { ...options, accept: (j) => !holes.has(j) });
  if (set.written.length === 0) return null;
  const ssim = await score(set.svg);
  if (ssim >= floor) return { svg: set.svg, ssim, shapes: set.written, chosen: new Set(candidates) };
  if (candidates.length > MAX_SINGLY) return null;
  const losses = new Map<number, number>();
  for (const i of candidates) {
    const one = fitShapes(svg, { ...options, accept: (j) => j === i });
    losses.set(i, one.written.length === 0 ? Infinity : baseline - (await score(one.svg)));
  }
  const order = [...losses].map(([i, loss]) => ({ loss, i })).filter((x) => x.loss < MAX_SSIM_LOSS).sort((a, b) => a.loss - b.loss);
  const chosen = new Set<number>();
  let total = 0;
  for (const { loss, i } of order) {
    if (total + Math.max(0, loss) > MAX_SSIM_LOSS) break;
    total += Math.max(0, loss);
    chosen.add(i);
  }
  if (chosen.size === 0) return null;
  const some = fitShapes(svg, { ...options, accept: (j) => chosen.has(j) });
  const kept = await score(some.svg);
  if (some.written.length === 0 || kept < floor) return null;
  return { svg: some.svg, ssim: kept, shapes: some.written, chosen };
}
