/**
 * Fitted shapes kept only where the picture stays as good: the SVG with primitives is scored, and
 * kept when its SSIM is at most MAX_SSIM_LOSS below the SVG without them. When the whole set
 * costs more, each shape is scored on its own and the least harmful are kept while the total stays
 * within the loss (one more score to confirm); otherwise the SVG stays as it was.
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

/** `baseline` is the score of `svg` itself; `score` measures any SVG against the source. */
export async function keepShapes(svg: string, baseline: number, score: (svg: string) => Promise<number>, options: ShapeOptions): Promise<KeptShapes | null> {
  const all = fitShapes(svg, options);
  if (all.written.length === 0) return null;
  const floor = baseline - MAX_SSIM_LOSS;
  const ssim = await score(all.svg);
  if (ssim >= floor) return { svg: all.svg, ssim, shapes: all.written };
  if (all.found.length > MAX_SINGLY) return null;
  const losses: number[] = [];
  for (const i of all.found.keys()) {
    const one = fitShapes(svg, { ...options, accept: (j) => j === i });
    losses.push(one.written.length === 0 ? Infinity : baseline - (await score(one.svg)));
  }
  const order = losses.map((loss, i) => ({ loss, i })).filter((x) => x.loss < MAX_SSIM_LOSS).sort((a, b) => a.loss - b.loss);
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
  return { svg: some.svg, ssim: kept, shapes: some.written };
}
