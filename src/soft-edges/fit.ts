/**
 * Soft edges: a faint glow or shadow that fades out around a shape. Fluent's colour emoji draw
 * them as parts under a Gaussian blur (the cactus's shadow reaches ~30 px out at alpha 1-20). The
 * tracers see alpha below 16 as nothing, so the glow's outer part was lost and its inner part,
 * where alpha crosses 16, became a hard band: along the cactus's straight side, one long line of
 * steps (seam 0.36) where the source is smooth.
 *
 * Here the faint alpha outside the shape (alpha >= 50 % is the shape) is cut into nested level
 * areas of rising alpha, each with the glow's colour at that level, and the stack is blurred by
 * the one Gaussian (of a few tried) that makes it match the source's alpha best. When that
 * explains most of the glow, and the glow is smooth (no edge of its own, as a translucent overlay
 * has), the drawing is traced with the glow taken out (un-composited) and the SVG draws the
 * blurred levels under it (layer.ts). Anti-aliased edges next to the shape stay the tracer's.
 */
import sharp from 'sharp';
import type { RgbaImage } from '../engines/engine.js';
import { tracePotraceMask } from '../engines/potrace.js';

export interface GlowLevel {
  /** Path data of the level's area (alpha at least its threshold), in pixels of the fitted image. */
  d: string;
  /** Straight sRGB colour of the glow at that level, #rrggbb. */
  colour: string;
  /** Opacity of this level's layer over the ones below it (0-1). */
  opacity: number;
}

export interface SoftEdge {
  /** Standard deviation of the blur over all levels, in pixels of the image it was fitted on. */
  sigma: number;
  /** Nested areas of rising alpha, outermost first: blurred together, they are the glow. */
  levels: GlowLevel[];
  /** The image with the glow taken out: what the drawing over it must show. */
  content: RgbaImage;
}

/**
 * Alpha thresholds (0-255) of the levels, about geometric: a faint glow's steps are as visible as
 * a strong one's. A level holding no glow pixel of its own is left out. Above the last, soft
 * pixels are the tracers' (with their own colours and opacity, see gradients/fill.ts).
 */
const LEVELS = [2, 4, 7, 11, 16, 24, 36, 52] as const;
/**
 * A glow is smooth: at most this share of neighbouring pixel pairs outside the shape may step by
 * more than MAX_STEP in alpha. A translucent overlay or a soft shape with an edge of its own does.
 */
const MAX_STEP_SHARE = 0.01;
const MAX_STEP = 16;
/** Blurs tried over the stacked levels, in pixels: at least enough to hide the steps between them. */
const SIGMAS = [1.5, 2, 3, 4, 6, 8] as const;
/** The alpha is smoothed by this much (px) before it is cut into levels: their outlines follow the glow, not its noise. */
const PRESMOOTH = 1.5;
/**
 * Level outlines lie under a blur: potrace may smooth them freely (no corners, loose curve
 * fitting) and drop specks, for a fraction of the bytes.
 */
const OUTLINE = { turdSize: 16, alphaMax: 1.3, optTolerance: 1 } as const;
/** Pixels this close to the shape are its anti-aliasing, not glow. */
const EDGE_DISTANCE = 2;
/** The model must explain at least this share of the glow's squared alpha. */
const MIN_EXPLAINED = 0.7;
/**
 * The glow must carry at least this much alpha, summed outside the shape, per pixel of the shape:
 * below it there is nothing a person would see (or the image has no glow at all).
 */
const MIN_GLOW = 0.001;
/** A level's own ring needs this many glow pixels to be drawn. */
const MIN_LEVEL_PIXELS = 32;
/** Pixels below this alpha are not drawn (the tracers' soft-alpha threshold, see tier3.ts). */
const VISIBLE_ALPHA = 16;

/** The glow model of an image, or null when it has none worth drawing. */
export async function fitSoftEdge(image: RgbaImage): Promise<SoftEdge | null> {
  const { width, height, data } = image;
  const n = width * height;
  const shape = new Uint8Array(n);
  let inside = 0;
  for (let p = 0; p < n; p++) if (data[p * 4 + 3]! >= 128) ((shape[p] = 255), inside++);
  if (inside === 0 || inside === n) return null;
  const outside = outsideOf(shape, width, height, EDGE_DISTANCE);
  let glow = 0;
  let energy = 0;
  for (let p = 0; p < n; p++) {
    if (!outside[p]) continue;
    const a = data[p * 4 + 3]! / 255;
    glow += a;
    energy += a * a;
  }
  if (glow < MIN_GLOW * inside || !smooth(data, outside, width, height)) return null;

  // Level of every pixel (-1 below the first), and each level's glow pixels and colour.
  const level = new Int8Array(n).fill(-1);
  const count = new Float64Array(LEVELS.length);
  const sums = new Float64Array(LEVELS.length * 4); // alpha-weighted r, g, b, and the weight
  const alpha = new Uint8Array(n);
  for (let p = 0; p < n; p++) alpha[p] = shape[p] ? 255 : data[p * 4 + 3]!;
  const smoothed = await blurred(alpha, width, height, PRESMOOTH);
  for (let p = 0; p < n; p++) {
    const a = smoothed[p]!;
    let i = -1;
    while (i + 1 < LEVELS.length && a >= LEVELS[i + 1]!) i++;
    level[p] = i;
    if (i < 0 || !outside[p]) continue;
    count[i]!++;
    for (let k = 0; k < 3; k++) sums[i * 4 + k]! += data[p * 4 + k]! * a;
    sums[i * 4 + 3]! += a;
  }
  nearestGlowLevel(level, outside, width, height);
  // Levels drawn: those with a ring of their own. Each stands for its pixels up to the next drawn
  // one's, at their mean alpha and alpha-weighted colour (the least-squares paint of the ring).
  const drawn = LEVELS.map((_, i) => i).filter((i) => count[i]! >= MIN_LEVEL_PIXELS);
  if (drawn.length === 0) return null;
  const value = new Float64Array(LEVELS.length); // alpha drawn (0-1) where the pixel's level is i
  const colours: string[] = [];
  for (let j = 0; j < drawn.length; j++) {
    const end = j + 1 < drawn.length ? drawn[j + 1]! : LEVELS.length;
    const sum = [0, 0, 0, 0];
    let pixels = 0;
    for (let i = drawn[j]!; i < end; i++) {
      for (let k = 0; k < 4; k++) sum[k]! += sums[i * 4 + k]!;
      pixels += count[i]!;
    }
    for (let i = drawn[j]!; i < end; i++) value[i] = sum[3]! / pixels / 255;
    colours.push('#' + [0, 1, 2].map((k) => Math.round(sum[k]! / sum[3]!).toString(16).padStart(2, '0')).join(''));
  }
  const stairs = new Uint8Array(n);
  for (let p = 0; p < n; p++) if (level[p]! >= drawn[0]!) stairs[p] = Math.round(value[level[p]!]! * 255);

  let best: { sigma: number; error: number; glow: Uint8Array } | null = null;
  for (const sigma of SIGMAS) {
    const g = await blurred(stairs, width, height, sigma);
    let error = 0;
    for (let p = 0; p < n; p++) if (outside[p]) error += ((data[p * 4 + 3]! - g[p]!) / 255) ** 2;
    if (!best || error < best.error) best = { sigma, error, glow: g };
  }
  if (!best || best.error > (1 - MIN_EXPLAINED) * energy) return null;

  const levels: GlowLevel[] = [];
  let below = 0;
  for (const [j, i] of drawn.entries()) {
    const mask = new Uint8Array(n);
    for (let p = 0; p < n; p++) if (level[p]! >= i) mask[p] = 1;
    const d = tracePotraceMask(mask, width, height, OUTLINE);
    const colour = colours[j]!;
    // Over the levels below it, this one must bring the alpha from theirs to its own.
    const opacity = 1 - (1 - value[i]!) / (1 - below);
    below = value[i]!;
    if (d) levels.push({ d, colour, opacity });
  }
  if (levels.length === 0) return null;

  // Un-composite the glow from every pixel outside the shape: what remains is drawn over it.
  const content = new Uint8Array(data);
  for (let p = 0; p < n; p++) {
    if (shape[p]) continue;
    const a = data[p * 4 + 3]! / 255;
    const g = best.glow[p]! / 255;
    const rest = g >= 1 ? 0 : Math.max(0, (a - g) / (1 - g));
    content[p * 4 + 3] = rest * 255 < VISIBLE_ALPHA ? 0 : Math.round(rest * 255);
  }
  return { sigma: best.sigma, levels, content: { width, height, data: content } };
}

/**
 * Under the shape and its anti-aliased rim the glow is hidden, but its blur reaches out of them:
 * each of those pixels takes the level of the nearest glow pixel (breadth first, 4-connected).
 * With the strongest level under all of the shape instead, a hard edge beside a faint glow bled
 * that level out as a ramp the source does not have (the cactus's straight side: seam 0.21).
 */
function nearestGlowLevel(level: Int8Array, outside: Uint8Array, width: number, height: number): void {
  const n = width * height;
  const queue = new Int32Array(n);
  const seen = new Uint8Array(n);
  let tail = 0;
  for (let p = 0; p < n; p++) if (outside[p]) ((queue[tail++] = p), (seen[p] = 1));
  for (let head = 0; head < tail; head++) {
    const p = queue[head]!;
    const x = p % width;
    for (const q of [x > 0 ? p - 1 : -1, x + 1 < width ? p + 1 : -1, p - width, p + width]) {
      if (q < 0 || q >= n || seen[q]) continue;
      seen[q] = 1;
      level[q] = level[p]!;
      queue[tail++] = q;
    }
  }
}

/** Whether alpha outside the shape changes gently everywhere (see MAX_STEP_SHARE). */
function smooth(data: Uint8Array, outside: Uint8Array, width: number, height: number): boolean {
  let pairs = 0;
  let steps = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0, p = y * width; x < width; x++, p++) {
      if (!outside[p]) continue;
      const a = data[p * 4 + 3]!;
      for (const q of [x + 1 < width ? p + 1 : -1, y + 1 < height ? p + width : -1]) {
        if (q < 0 || !outside[q]) continue;
        const b = data[q * 4 + 3]!;
        if (a === 0 && b === 0) continue;
        pairs++;
        if (Math.abs(a - b) > MAX_STEP) steps++;
      }
    }
  }
  return pairs > 0 && steps <= MAX_STEP_SHARE * pairs;
}

/** Pixels farther than `distance` (Chebyshev) from the shape. */
function outsideOf(shape: Uint8Array, width: number, height: number, distance: number): Uint8Array {
  // Separable dilation: rows, then columns.
  const rows = new Uint8Array(shape.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!shape[y * width + x]) continue;
      for (let k = Math.max(0, x - distance); k <= Math.min(width - 1, x + distance); k++) rows[y * width + k] = 1;
    }
  }
  const near = new Uint8Array(shape.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!rows[y * width + x]) continue;
      for (let k = Math.max(0, y - distance); k <= Math.min(height - 1, y + distance); k++) near[k * width + x] = 1;
    }
  }
  for (let p = 0; p < near.length; p++) near[p] = near[p] ? 0 : 1;
  return near;
}

/** One channel blurred with a Gaussian of `sigma` pixels (libvips, outside the JS heap). */
async function blurred(channel: Uint8Array, width: number, height: number, sigma: number): Promise<Uint8Array> {
  // A one-channel raw input comes back as three channels unless one is extracted.
  const out = await sharp(channel, { raw: { width, height, channels: 1 } }).blur(sigma).extractChannel(0).raw().toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

const fits = new WeakMap<RgbaImage, Promise<SoftEdge | null>>();

/** `fitSoftEdge`, once per image: every rung of a ladder traces the same copy. */
export function softEdgeOf(image: RgbaImage): Promise<SoftEdge | null> {
  let fit = fits.get(image);
  if (!fit) fits.set(image, (fit = fitSoftEdge(image)));
  return fit;
}
