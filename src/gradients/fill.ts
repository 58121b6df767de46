/**
 * Region fills for a traced SVG: every path gets the least-squares paint of the pixels it shows
 * (flat, linear or radial gradient in Oklab, with opacity), and a path that the gradient of the
 * shape under it already explains is dropped, its pixels merged into that shape's fit.
 *
 * Each choice is scored as squared Oklab error plus LAMBDA per byte it costs, so a gradient is
 * kept only where it lowers the error enough to pay for its definition. With gradients off the
 * same pass still runs with flat paints only: that is what keeps soft transparency (a glow, a
 * 50 % overlay) as fill-opacity instead of losing it to the tracer's alpha threshold.
 */
import type { RgbaImage } from '../engines/engine.js';
import { SRGB8_TO_LINEAR, linearRgbToOklabInto, oklabToSrgb8 } from '../color/oklab.js';
import { fitFlat, fitLinear, fitRadial, Moments, radialCentre, RadialMoments, type Fit, type Paint } from './fit.js';
import { ownerMap, parsePaths } from './regions.js';
import { cutHiddenEdges, translucentGradients } from '../occlusion/hidden-edges.js';
import { groupSamePaint } from '../occlusion/same-paint.js';

export interface RegionFillOptions {
  /** Allow linear and radial gradients (else flat paints only). */
  gradients: boolean;
  /** Squared Oklab error one byte of SVG must buy (default LAMBDA). */
  lambda?: number;
  /** A segmentation of the image (segment.ts): paints are fitted per segment instead of per path. */
  segments?: Segments;
  /**
   * Once painted, join paths of one paint where paint order allows and cut outlines short where
   * later opaque paint hides them (occlusion/), writing the rewritten ones with this many decimals.
   */
  cutHidden?: { precision: number };
}

export interface Segments {
  labels: Int32Array;
  regions: number;
  /** The image's pixels in Oklab where they have a label, as the segmentation computed them (else computed here). */
  labs?: Float32Array;
}

/**
 * Squared Oklab error (summed over pixels at trace size) worth one byte. Chosen on the corpus:
 * lower values add gradients that do not move SSIM, higher ones leave visible bands.
 */
export const LAMBDA = 0.0015;
/** A path is merged into the one under it only if this share of its pixels lies on that one. */
const MERGE_SHARE = 0.97;
/** Largest growth of squared Oklab error per pixel a merge may cause (0.02 RMS). */
const MERGE_MAX_ERROR = 0.0004;
/** Paths whose pixels are on average less opaque than this are dropped. */
const INVISIBLE = 0.02;
/** Mean opacity from which a flat region is drawn opaque. */
const OPAQUE = 0.995;
/** Regions smaller than this keep flat paint: a gradient cannot pay for itself there. */
const MIN_GRADIENT_PIXELS = 24;

interface Region {
  moments: Moments;
  /** Index of the region this one was merged into, or -1. */
  mergedInto: number;
  fit: Fit;
  cost: number;
  centre: { cx: number; cy: number } | null;
  radial: RadialMoments | null;
}

export function fillRegions(svg: string, image: RgbaImage, options: RegionFillOptions): string {
  const paths = parsePaths(svg);
  if (!paths || paths.length === 0) return svg;
  const lambda = options.lambda ?? LAMBDA;
  const { width, height, data } = image;
  const { owner, under, next } = ownerMap(paths, width, height);
  const labels = options.segments?.labels;

  // A region is a path, or with a segmentation, a segment: then every path showing mostly one
  // segment takes that segment's paint, so pieces of it in neighbouring tiles agree.
  const regionCount = labels ? options.segments!.regions : paths.length;
  const pixelRegion = labels ? (p: number) => labels[p]! : (p: number) => owner[p]!;
  // Float32 is ample for Oklab per pixel (the sums are kept in Float64) and halves the largest buffer of a photo.
  // A segmentation has converted every labelled pixel already (the same values): only those are read.
  const known = options.segments?.labs?.length === width * height * 3 ? options.segments.labs : undefined;
  const lab = known ?? new Float32Array(width * height * 3);
  const regions: Region[] = Array.from({ length: regionCount }, () => ({ moments: new Moments(), mergedInto: -1, fit: null!, cost: 0, centre: null, radial: null }));
  // Majority votes (Boyer-Moore): the shape under each path, and with segments, each path's segment.
  const vote = new Int32Array(paths.length).fill(-1);
  const votes = new Int32Array(paths.length);
  const segVote = new Int32Array(paths.length).fill(-1);
  const segVotes = new Int32Array(paths.length);
  for (let p = 0, o = 0; p < owner.length; p++, o += 4) {
    if (!known) linearRgbToOklabInto(SRGB8_TO_LINEAR[data[o]!]!, SRGB8_TO_LINEAR[data[o + 1]!]!, SRGB8_TO_LINEAR[data[o + 2]!]!, lab, p * 3);
    const r = pixelRegion(p);
    if (r >= 0) regions[r]!.moments.add((p % width) + 0.5, Math.floor(p / width) + 0.5, lab[p * 3]!, lab[p * 3 + 1]!, lab[p * 3 + 2]!, data[o + 3]! / 255);
    const j = owner[p]!;
    if (j < 0) continue;
    const u = under[p]!;
    if (votes[j] === 0) {
      vote[j] = u;
      votes[j] = 1;
    } else votes[j]! += vote[j] === u ? 1 : -1;
    if (labels) {
      const l = labels[p]!;
      if (segVotes[j] === 0) {
        segVote[j] = l;
        segVotes[j] = 1;
      } else segVotes[j]! += segVote[j] === l ? 1 : -1;
    }
  }
  const regionOfPath = labels ? segVote : Int32Array.from(paths, (_, j) => j);
  const share = new Int32Array(paths.length);
  for (let p = 0; p < owner.length; p++) {
    const j = owner[p]!;
    if (j >= 0 && under[p] === vote[j]) share[j]!++;
  }

  const fitBytes = (f: Fit) => (f.kind === 'flat' ? 12 : 100 + 36 * f.stops.length);
  const best = (m: Moments): { fit: Fit; cost: number } => {
    let fit: Fit = fitFlat(m);
    let cost = fit.sse + lambda * fitBytes(fit);
    if (options.gradients && m.pixels >= MIN_GRADIENT_PIXELS) {
      const lin = fitLinear(m);
      if (lin) {
        const c = lin.sse + lambda * fitBytes(lin);
        if (c < cost) {
          fit = lin;
          cost = c;
        }
      }
    }
    return { fit, cost };
  };
  for (const r of regions) if (r.moments.pixels > 0) Object.assign(r, best(r.moments));

  // Merges (paths only; a segmentation has merged already), topmost first: drop a path when the
  // shape under it, refitted over both, explains it.
  const root = (i: number): number => {
    while (regions[i]!.mergedInto >= 0) i = regions[i]!.mergedInto;
    return i;
  };
  if (options.gradients && !labels) {
    for (let j = paths.length - 1; j >= 0; j--) {
      const r = regions[j]!;
      const u = vote[j]!;
      if (u < 0 || r.moments.pixels === 0 || share[j]! < MERGE_SHARE * r.moments.pixels) continue;
      const target = root(u);
      const t = regions[target]!;
      const union = t.moments.clone();
      union.merge(r.moments);
      const merged = best(union);
      // And only where the union's error grows little per merged pixel: a texture merged into a
      // smooth ramp can pay in bytes yet lose the contrast SSIM (and the eye) looks for.
      const growth = (merged.fit.sse - t.fit.sse - r.fit.sse) / r.moments.pixels;
      if (growth < MERGE_MAX_ERROR && merged.cost <= t.cost + r.cost + lambda * paths[j]!.tag.length) {
        r.mergedInto = target;
        t.moments = union;
        t.fit = merged.fit;
        t.cost = merged.cost;
      }
    }
  }

  // Radial candidates: a second pass gathers distances from each region's own centre.
  if (options.gradients) {
    for (const r of regions) {
      if (r.mergedInto >= 0 || r.moments.pixels < MIN_GRADIENT_PIXELS) continue;
      r.centre = radialCentre(r.moments);
      if (r.centre) r.radial = new RadialMoments(r.centre.cx, r.centre.cy);
    }
    for (let p = 0, o = 0; p < owner.length; p++, o += 4) {
      const q = pixelRegion(p);
      if (q < 0) continue;
      const r = regions[root(q)]!;
      if (!r.radial) continue;
      r.radial.add((p % width) + 0.5, Math.floor(p / width) + 0.5, lab[p * 3]!, lab[p * 3 + 1]!, lab[p * 3 + 2]!, data[o + 3]! / 255);
    }
    for (const r of regions) {
      if (!r.radial) continue;
      const rad = fitRadial(r.moments, r.radial);
      if (!rad) continue;
      const c = rad.sse + lambda * fitBytes(rad);
      if (c < r.cost) {
        r.fit = rad;
        r.cost = c;
      }
    }
  }

  // Rewrite: defs first, then every path with its paint (or nothing, when merged or invisible).
  const defs: string[] = [];
  const shared = new Map<string, string | null>();
  const drawn = paths.map((p, j): string | null => {
    const ri = regionOfPath[j]!;
    if (ri < 0) return p.tag;
    const r = regions[ri]!;
    if (r.mergedInto >= 0 || r.moments.pixels === 0) return null;
    // The tracer's own colour scored better than the refitted mean on the corpus: keep it.
    if (r.fit.kind === 'flat' && r.fit.paint[3] >= OPAQUE && !labels) return p.tag;
    // Paths of one region in the same group share one definition.
    const key = `${ri}/${p.tx}/${p.ty}`;
    let paint = shared.get(key);
    if (paint === undefined) shared.set(key, (paint = paintOf(r.fit, defs, p.tx, p.ty)));
    return paint === null ? null : p.tag.replace(/\sfill="[^"]*"/, ` ${paint}`);
  });
  // Paths of one paint joined first: the cut then reads the paint order they are written in.
  const cut = options.cutHidden;
  const grouped = cut ? groupSamePaint({ drawn, paths, owner, next, precision: cut.precision }) : null;
  const final =
    cut && grouped
      ? cutHiddenEdges(grouped.drawn, grouped.paths, { owner: grouped.owner, width, height, translucent: translucentGradients(defs) }, cut.precision)
      : drawn;
  let out = '';
  let last = 0;
  paths.forEach((p, j) => {
    const written = grouped ? grouped.slots[j]!.map((k) => final[k] ?? '').join('') : (final[j] ?? '');
    out += svg.slice(last, p.start) + written;
    last = p.end;
  });
  out += svg.slice(last);
  if (defs.length === 0) return out;
  return out.replace(/<svg\b[^>]*>/, (root) => `${root}<defs>${defs.join('')}</defs>`);
}

/** The fill attribute(s) for a fit; a gradient is appended to defs. Null for an invisible region. */
function paintOf(fit: Fit, defs: string[], tx: number, ty: number): string | null {
  if (fit.kind === 'flat') {
    const alpha = fit.paint[3];
    if (alpha < INVISIBLE) return null;
    return `fill="${hex(fit.paint)}"${opacityAttr('fill-opacity', alpha)}`;
  }
  const id = idFor(defs.length);
  const stops = fit.stops
    .map((s, k) => {
      const offset = k === 0 ? '' : ` offset="${num(k / (fit.stops.length - 1))}"`;
      return `<stop${offset} stop-color="${hex(s)}"${opacityAttr('stop-opacity', s[3])}/>`;
    })
    .join('');
  if (fit.kind === 'linear') {
    defs.push(
      `<linearGradient id="${id}" gradientUnits="userSpaceOnUse" x1="${num(fit.x0 - tx)}" y1="${num(fit.y0 - ty)}" x2="${num(fit.x1 - tx)}" y2="${num(fit.y1 - ty)}">${stops}</linearGradient>`,
    );
  } else {
    defs.push(`<radialGradient id="${id}" gradientUnits="userSpaceOnUse" cx="${num(fit.cx - tx)}" cy="${num(fit.cy - ty)}" r="${num(fit.r)}">${stops}</radialGradient>`);
  }
  return `fill="url(#${id})"`;
}

function idFor(i: number): string {
  return 'g' + i.toString(36);
}

function opacityAttr(name: string, alpha: number): string {
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 100) / 100;
  return a >= 1 ? '' : ` ${name}="${String(a).replace(/^0\./, '.')}"`;
}

function num(v: number): string {
  const s = (Math.round(v * 10) / 10).toString();
  return s.replace(/^(-?)0\./, '$1.');
}

function hex(p: Paint): string {
  const { r, g, b } = oklabToSrgb8(p[0], p[1], p[2]);
  const h = ((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1);
  return '#' + (h[0] === h[1] && h[2] === h[3] && h[4] === h[5] ? h[0]! + h[2]! + h[4]! : h);
}
