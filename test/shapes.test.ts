/** Fitted shapes: synthetic outlines recovered as primitives, non-primitives left alone, and the pipeline's shapes option. */
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { parseOptions } from '../src/pipeline/options.js';
import { tierDeadlines } from '../src/config/config.js';
import { assertSafeSvg } from '../src/quality/svg-allowlist.js';
import { fitOutline } from '../src/shapes/fit-outline.js';
import { arcSubpath, fitShapes } from '../src/shapes/fit-svg.js';
import { readSvg } from '../src/export/svg-document.js';
import { parseSubpaths } from '../src/shapes/path-data.js';
import { countPrimitives } from '../src/shapes/count.js';
import { testConfig } from './helpers/service.js';

const LIMITS = { tolerance: 1, minSize: 4 };
const K = 0.5522847498; // cubic Bézier quarter-circle constant

/** An ellipse (rx, ry) rotated by `deg` about (cx, cy), as four cubic arcs: how tracers write one. */
function ellipsePath(cx: number, cy: number, rx: number, ry: number, deg = 0): string {
  const a = (deg * Math.PI) / 180;
  const t = (u: number, v: number) => [cx + u * Math.cos(a) - v * Math.sin(a), cy + u * Math.sin(a) + v * Math.cos(a)].map((n) => n.toFixed(2)).join(' ');
  return (
    `M${t(rx, 0)}C${t(rx, K * ry)} ${t(K * rx, ry)} ${t(0, ry)}C${t(-K * rx, ry)} ${t(-rx, K * ry)} ${t(-rx, 0)}` +
    `C${t(-rx, -K * ry)} ${t(-K * rx, -ry)} ${t(0, -ry)}C${t(K * rx, -ry)} ${t(rx, -K * ry)} ${t(rx, 0)}Z`
  );
}

/** A w x h rectangle with corner radius r, rotated by `deg` about its centre. */
function rectPath(cx: number, cy: number, w: number, h: number, r: number, deg = 0): string {
  const a = (deg * Math.PI) / 180;
  const t = (u: number, v: number) => [cx + u * Math.cos(a) - v * Math.sin(a), cy + u * Math.sin(a) + v * Math.cos(a)].map((n) => n.toFixed(2)).join(' ');
  const x = w / 2;
  const y = h / 2;
  if (r === 0) return `M${t(-x, -y)}L${t(x, -y)}L${t(x, y)}L${t(-x, y)}Z`;
  const k = r * (1 - K);
  return (
    `M${t(-x + r, -y)}L${t(x - r, -y)}C${t(x - k, -y)} ${t(x, -y + k)} ${t(x, -y + r)}L${t(x, y - r)}C${t(x, y - k)} ${t(x - k, y)} ${t(x - r, y)}` +
    `L${t(-x + r, y)}C${t(-x + k, y)} ${t(-x, y - k)} ${t(-x, y - r)}L${t(-x, -y + r)}C${t(-x, -y + k)} ${t(-x + k, -y)} ${t(-x + r, -y)}Z`
  );
}

function starPath(cx: number, cy: number, outer: number, inner: number): string {
  const pts = Array.from({ length: 10 }, (_v, i) => {
    const a = (i * Math.PI) / 5 - Math.PI / 2;
    const r = i % 2 === 0 ? outer : inner;
    return `${(cx + r * Math.cos(a)).toFixed(2)} ${(cy + r * Math.sin(a)).toFixed(2)}`;
  });
  return `M${pts.join('L')}Z`;
}

const fit = (d: string) => fitOutline(parseSubpaths(d)![0]!, LIMITS);

describe('primitives recovered from outlines', () => {
  it('a circle is a circle with its centre and radius', () => {
    const f = fit(ellipsePath(120, 80, 40, 40));
    expect(f?.primitive).toMatchObject({ kind: 'circle' });
    const p = f!.primitive as { cx: number; cy: number; r: number };
    expect(Math.abs(p.cx - 120)).toBeLessThan(0.2);
    expect(Math.abs(p.cy - 80)).toBeLessThan(0.2);
    expect(Math.abs(p.r - 40)).toBeLessThan(0.2);
  });

  it.each([0, 30, -60])('an ellipse rotated by %i degrees is an ellipse with its axes and angle', (deg) => {
    const f = fit(ellipsePath(200, 150, 80, 40, deg));
    expect(f?.primitive.kind).toBe('ellipse');
    const p = f!.primitive as { cx: number; cy: number; rx: number; ry: number; angle: number };
    expect(Math.abs(p.cx - 200)).toBeLessThan(0.3);
    expect(Math.abs(p.cy - 150)).toBeLessThan(0.3);
    // One orientation per ellipse: angle in (-45, 45], axes swapped to match.
    const major = Math.max(p.rx, p.ry);
    const minor = Math.min(p.rx, p.ry);
    expect(Math.abs(major - 80)).toBeLessThan(0.5);
    expect(Math.abs(minor - 40)).toBeLessThan(0.5);
    const majorAngle = p.rx >= p.ry ? p.angle : p.angle + 90;
    const diff = ((majorAngle - deg) % 180 + 180) % 180;
    expect(Math.min(diff, 180 - diff)).toBeLessThan(0.5);
  });

  it.each([
    [0, 0],
    [25, 0],
    [0, 12],
    [-35, 15],
  ])('a rectangle rotated by %i degrees with corner radius %i is a rect with its size, angle and radius', (deg, r) => {
    const f = fit(rectPath(250, 200, 160, 90, r, deg));
    expect(f?.primitive.kind).toBe('rect');
    const p = f!.primitive as { cx: number; cy: number; width: number; height: number; rx: number; angle: number };
    expect(Math.abs(p.cx - 250)).toBeLessThan(0.3);
    expect(Math.abs(p.cy - 200)).toBeLessThan(0.3);
    expect(Math.abs(p.width - 160)).toBeLessThan(0.5);
    expect(Math.abs(p.height - 90)).toBeLessThan(0.5);
    expect(Math.abs(p.angle - deg)).toBeLessThan(0.5);
    expect(Math.abs(p.rx - r)).toBeLessThan(1);
  });

  it('a star and a letter are not primitives', () => {
    expect(fit(starPath(100, 100, 80, 35))).toBeNull();
    // An "L": two bars.
    expect(fit('M10 10L40 10L40 90L100 90L100 120L10 120Z')).toBeNull();
    // A "D": a bar and a half disc.
    expect(fit('M10 10L60 10C110 10 110 110 60 110L10 110Z')).toBeNull();
  });
});

describe('paths rewritten with primitives', () => {
  const svgOf = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400"><rect width="400" height="400" fill="#fff"/>${body}</svg>`;
  const options = { ...LIMITS, precision: 1 };

  it('a lone circle path becomes a <circle> in its paint', () => {
    const out = fitShapes(svgOf(`<path d="${ellipsePath(200, 200, 100, 100)}" fill="#f00"/>`), options);
    expect(out.svg).toMatch(/^<svg[^>]*><rect[^>]*\/><circle cx="200" cy="200" r="100" fill="#f00"\/><\/svg>$/);
    assertSafeSvg(out.svg);
  });

  it('holes stay in their paths (a ring, a circular hole in a square): formats without paint order would fill a painted hole', () => {
    for (const [d, r] of [
      [ellipsePath(200, 200, 100, 100) + ellipsePath(200, 200, 60, 60), 60],
      [rectPath(200, 200, 300, 300, 0) + ellipsePath(200, 200, 80, 80), 80],
    ] as const) {
      const svg = svgOf(`<path d="${d}" fill="#00f" fill-rule="evenodd"/>`);
      const out = fitShapes(svg, options);
      // The round hole is redrawn in place, as two arcs in the same path: no element is added.
      expect(out.written.map((s) => [s.role, s.primitive.kind])).toEqual([['hole', 'circle']]);
      expect(out.svg.match(/<(path|circle|ellipse|rect)\b/g)).toEqual(['rect', 'path'].map((t) => `<${t}`));
      expect(out.svg).toMatch(new RegExp(`M${200 - r} 200a${r} ${r} 0 1 0 ${2 * r} 0 ${r} ${r} 0 1 0 -${2 * r} 0z" fill="#00f" fill-rule="evenodd"`));
      expect(countPrimitives(out.svg)).toEqual({ circle: 1, ellipse: 0, rect: 0 });
      // Read back as the exports read it: the same outlines, the hole still a hole of its path.
      const before = readSvg(svg).shapes.map((sh) => sh.subpaths.length);
      expect(readSvg(out.svg).shapes.map((sh) => sh.subpaths.length)).toEqual(before);
      expect(out.svg.length).toBeLessThan(svg.length);
      const a = new Resvg(svg).render().pixels;
      const b = new Resvg(out.svg).render().pixels;
      let differ = 0;
      for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i]! - b[i]!) > 64) differ++;
      expect(differ).toBeLessThan(20);
    }
  });

  it('a round hole is two exact halves whatever the rounding: radii at most half the written chord', () => {
    // 18.47 rounds to 18.5 but the chord to 36.9: a radius of 18.5 would make each arc more than a half.
    const d = arcSubpath({ kind: 'circle', cx: 100.04, cy: 50, r: 18.47 }, 1)!;
    const m = /^M([\d.]+) ([\d.]+)a([\d.]+) ([\d.]+) 0 1 0 ([\d.]+) 0 ([\d.]+) \4 0 1 0 -\5 0z$/.exec(d)!;
    expect(m).not.toBeNull();
    expect(Number(m[3])).toBeLessThanOrEqual(Number(m[5]) / 2);
    expect(Number(m[3])).toBeGreaterThan(Number(m[5]) / 2 - 0.1);
    expect(arcSubpath({ kind: 'rect', cx: 0, cy: 0, width: 4, height: 4, rx: 0, angle: 0 }, 1)).toBeNull();
    const e = arcSubpath({ kind: 'ellipse', cx: 50, cy: 50, rx: 20, ry: 10, angle: 30 }, 1)!;
    expect(e).toMatch(/^M32.7 40a19.9 (?:9.9|10) 30 1 0 34.6 20 /);
  });

  it('a circle beside others in a compound path moves out of it, the rest stays a path', () => {
    const d = starPath(100, 100, 80, 35) + ellipsePath(300, 300, 50, 50);
    const out = fitShapes(svgOf(`<path d="${d}" fill="#f00" fill-rule="evenodd"/>`), options);
    expect(out.written.map((s) => s.primitive.kind)).toEqual(['circle']);
    expect(out.svg).toMatch(/<path d="[^"]+" fill="#f00" fill-rule="evenodd"\/><circle cx="300" cy="300" r="50" fill="#f00"\/>/);
  });

  it('a star stays a path', () => {
    const out = fitShapes(svgOf(`<path d="${starPath(200, 200, 150, 60)}" fill="#f00"/>`), options);
    expect(out.found).toEqual([]);
    expect(out.svg).toContain('<path');
  });
});

describe('the shapes option in the pipeline', () => {
  const config = testConfig();
  // One ink on white: a single traced layer, so nothing is drawn over the shapes.
  const scene = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360"><rect width="480" height="360" fill="#fff"/>
    <circle cx="100" cy="100" r="60" fill="#c81e3c"/>
    <ellipse cx="330" cy="90" rx="90" ry="45" transform="rotate(20 330 90)" fill="#c81e3c"/>
    <rect x="280" y="210" width="150" height="110" rx="24" fill="#c81e3c"/></svg>`;
  const png = new Resvg(scene).render().asPng();
  const convert = (raw: Record<string, string>) => convertImage(png, parseOptions(raw), limitsFromConfig(config), tierDeadlines(config));

  it('shapes=auto writes primitives for a circle, an ellipse and a rounded rect in one ink, within 0.001 SSIM of shapes=off, in fewer bytes', async () => {
    const [auto, off] = [await convert({ tier: '1' }), await convert({ tier: '1', shapes: 'off' })];
    assertSafeSvg(auto.svg);
    const n = countPrimitives(auto.svg);
    // Potrace stacks its layers (each covers the shapes drawn above it); a primitive that a later layer draws over stays path data.
    expect(n.circle + n.ellipse + n.rect).toBeGreaterThanOrEqual(1);
    expect(auto.ssim).toBeGreaterThanOrEqual(off.ssim - 0.001);
    expect(auto.bytes).toBeLessThan(off.bytes);
  });

  it('shapes=off writes no primitives', async () => {
    const off = await convert({ tier: '1', shapes: 'off' });
    expect(countPrimitives(off.svg)).toEqual({ circle: 0, ellipse: 0, rect: 0 });
  });
});
