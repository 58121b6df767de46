/**
 * Outlines cut short under later opaque paint (src/occlusion/): every pixel centre keeps its
 * topmost paint, stretches under translucent paint keep their vertices, a shape no pixel shows is
 * dropped, and the rendered drawing stays the same drawing.
 */
import { describe, expect, it } from 'vitest';
import { cutHiddenEdges, translucentGradients } from '../src/occlusion/hidden-edges.js';
import { ownerMap, parsePaths } from '../src/gradients/regions.js';
import { renderSvg } from '../src/quality/rasterize.js';

const W = 80;
const H = 60;

function svgOf(paths: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${paths.join('')}</svg>`;
}

function polygon(points: [number, number][], fill: string, extra = ''): string {
  return `<path d="M${points.map(([x, y]) => `${x} ${y}`).join('L')}Z" fill="${fill}"${extra}/>`;
}

/** A ring with a staircase of one-pixel steps from (x0, y0) down to the right: many vertices. */
function staircase(x0: number, y0: number, steps: number): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < steps; k++) out.push([x0 + k, y0 + k], [x0 + k + 1, y0 + k]);
  return out;
}

/** Cuts a drawing of opaque or translucent paths, as the region fit hands it over. */
function cut(svg: string): string {
  const paths = parsePaths(svg.replace(/\sfill-opacity="[^"]*"/g, ''))!;
  const tags = [...svg.matchAll(/<path\b[^>]*\/>/g)].map((m) => m[0]);
  const { owner } = ownerMap(paths, W, H);
  const out = cutHiddenEdges(tags, paths, { owner, width: W, height: H, translucent: translucentGradients([]) }, 1);
  return svgOf(out.filter((t): t is string => t !== null));
}

function owners(svg: string): Int32Array {
  return ownerMap(parsePaths(svg.replace(/\sfill-opacity="[^"]*"/g, ''))!, W, H).owner;
}

/** Vertices of the first path with x >= `fromX` (where the band covers it). */
function vertices(svg: string, fromX = 0): number {
  const [first] = parsePaths(svg.replace(/\sfill-opacity="[^"]*"/g, ''))!;
  let n = 0;
  for (const r of first!.rings) for (let i = 0; i < r.length; i += 2) if (r[i]! >= fromX) n++;
  return n;
}

describe('cutting hidden edges', () => {
  // A shape whose right side is a 30-step staircase, under an opaque band that covers it.
  const under = polygon([[5, 6], ...staircase(30, 5, 30), [5, 35]], '#336699');
  const cover = polygon([[28, 0], [70, 0], [70, 50], [28, 50]], '#cc8844');

  it('drops the vertices of a stretch a later opaque shape covers, and no pixel changes its paint', () => {
    const before = svgOf([under, cover]);
    const after = cut(before);
    expect(vertices(before, 28)).toBe(60);
    expect(vertices(after, 28)).toBeLessThan(5);
    // Pixel centres owned by the same paths, in the same order (both paths are kept).
    const mixed = owners(before);
    const cutOwners = owners(after);
    expect(Array.from(cutOwners)).toEqual(Array.from(mixed));
  });

  it('keeps the stretch when the shape over it is translucent', () => {
    const before = svgOf([under, cover.replace('/>', ' fill-opacity=".5"/>')]);
    expect(vertices(cut(before), 28)).toBe(60);
  });

  it('keeps a vertex whose sliver holds no pixel centre but crosses pixels that are seen', () => {
    // A's lower edge bulges 0.3 px into a row of pixels that E, drawn before it, shows: cutting
    // the bulge would move their anti-aliased coverage (a light hairline along the row).
    const seen = polygon([[0, 10], [80, 10], [80, 20], [0, 20]], '#224466');
    const bulge = polygon([[5, 2], [40, 2], [30, 10], [20, 10.3], [10, 10]], '#ddeeaa');
    const after = cut(svgOf([seen, bulge]));
    const [, ring] = parsePaths(after)!.map((p) => p.rings[0]!);
    const points = [];
    for (let i = 0; i < ring!.length; i += 2) points.push(`${ring![i]} ${ring![i + 1]}`);
    expect(points).toContain('20 10.3');
  });

  it('drops a shape that later opaque paint covers entirely', () => {
    const hidden = polygon([[35, 10], [45, 10], [45, 20], [35, 20]], '#00ff00');
    const before = svgOf([hidden, cover]);
    expect(parsePaths(cut(before))!.length).toBe(1);
  });

  it('keeps every pixel centre of a random stack of shapes, and renders the same drawing', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Star-shaped rings (simple polygons) with jagged integer vertices, stacked in random order.
    const shapes = Array.from({ length: 40 }, (_, i) => {
      const cx = 5 + random() * (W - 10);
      const cy = 5 + random() * (H - 10);
      const r = 4 + random() * 18;
      const n = 12 + Math.floor(random() * 30);
      const pts: [number, number][] = [];
      for (let k = 0; k < n; k++) {
        const a = (2 * Math.PI * k) / n;
        const rr = r * (0.6 + 0.4 * random());
        pts.push([Math.round(cx + rr * Math.cos(a)), Math.round(cy + rr * Math.sin(a))]);
      }
      const grey = (40 + ((i * 37) % 200)).toString(16).padStart(2, '0');
      return polygon(pts, `#${grey}${grey}${grey}`);
    });
    const before = svgOf(shapes);
    const after = cut(before);
    expect(after.length).toBeLessThan(before.length * 0.9);
    const a = owners(before);
    const paths = parsePaths(after)!;
    // Dropped paths owned no pixel: compare by colour, which is unique per path here.
    const fillOf = (svg: string) => parsePaths(svg)!.map((p) => /fill="([^"]*)"/.exec(p.tag)![1]);
    const beforeFills = fillOf(before);
    const afterFills = fillOf(after);
    const b = owners(after);
    expect(paths.length).toBeLessThanOrEqual(shapes.length);
    for (let p = 0; p < a.length; p++) expect(a[p]! < 0 ? null : beforeFills[a[p]!]).toBe(b[p]! < 0 ? null : afterFills[b[p]!]);
    // The renderer fills by non-zero winding: the same drawing, apart from anti-aliased edges.
    const ra = renderSvg(before, W, H).premultiplied;
    const rb = renderSvg(after, W, H).premultiplied;
    let far = 0;
    for (let i = 0; i < ra.length; i += 4) if (Math.abs(ra[i]! - rb[i]!) > 96) far++;
    expect(far).toBeLessThan((W * H) / 100);
  });
});
