/**
 * Centerline tracing against exact ground truth: strokes rendered by resvg at known widths from
 * Hershey single-stroke lettering, Bézier scribbles, a grid of crossing lines and a spiral. The
 * traced centrelines must lie within a pixel of the true ones (mean distance, both ways: nothing
 * off the lines, no line missed), the measured width within 15 %, and the strokes at that width
 * must score >= 0.93 SSIM against the source.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { distanceTransform } from '../src/centerline/distance.js';
import { samplePath } from '../src/centerline/fit.js';
import { inkWidths, traceCenterline, type CenterlineTrace } from '../src/centerline/index.js';
import { formatNumber, strokeSvg } from '../src/centerline/svg.js';
import { greedyOrder, penOrder, travel, type PenStroke } from '../src/centerline/order.js';
import { loadConfig, tierDeadlines } from '../src/config/config.js';
import { readSvg } from '../src/export/svg-document.js';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { DEFAULT_OPTIONS } from '../src/pipeline/options.js';
import type { RgbaImage } from '../src/engines/engine.js';
import { AppError } from '../src/errors/app-error.js';
import { renderSvg } from '../src/quality/rasterize.js';
import { measureSsim } from '../src/quality/ssim.js';
import { assertSafeSvg } from '../src/quality/svg-allowlist.js';
import { underCi } from './helpers/programs.js';
import { densify, grid, hasHershey, junctions, lettering, meanDistance, random, render, scribble, spiral, type LineArt } from './fixtures/line-art.js';

const ssim = (image: RgbaImage, svg: string) => measureSsim({ ...image, hasTransparency: false }, renderSvg(svg, image.width, image.height));
const samples = (t: CenterlineTrace) => t.inks.flatMap((k) => k.strokes.flatMap((s) => samplePath(s.path)));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function expectTruth(art: LineArt): CenterlineTrace {
  const trace = traceCenterline(art.image);
  assertSafeSvg(trace.svg);
  const traced = samples(trace);
  const truth = art.truth.flat();
  expect(meanDistance(traced, truth), `${art.name}: traced lines off the true centrelines`).toBeLessThan(1);
  expect(meanDistance(truth, traced), `${art.name}: true centrelines the trace missed`).toBeLessThan(1);
  const width = median(trace.inks.flatMap((k) => k.strokes.map((s) => s.width)));
  expect(Math.abs(width - art.width) / art.width, `${art.name}: measured width ${width} for ${art.width}`).toBeLessThanOrEqual(0.15);
  expect(ssim(art.image, trace.svg), `${art.name}: SSIM of the strokes`).toBeGreaterThanOrEqual(0.93);
  return trace;
}

// Fonts are data, not a program on PATH, so this is requirePrograms' rule by hand: skip with one line, but never under CI.
const hershey = hasHershey();
if (!hershey) {
  if (underCi()) throw new Error('The Hershey fonts are not installed, which CI must run: apt-get install hershey-fonts-data (.ci/run installs it).');
  process.stderr.write('SKIP Hershey fonts not installed: skipping the lettering tests of test/centerline.test.ts (apt-get install hershey-fonts-data; .ci/run installs it)\n');
}

describe.skipIf(!hershey)('centerline on Hershey single-stroke lettering (needs Debian package hershey-fonts-data)', () => {
  it('a letter E is 2-4 strokes on the true centrelines', () => {
    const art = render('E', { width: 160, height: 200 }, [{ drawing: lettering('E', 'futural', 40, 100, 6), colour: '#000' }], 5, '#fff');
    const trace = expectTruth(art);
    expect(trace.facts.strokes).toBeGreaterThanOrEqual(2);
    expect(trace.facts.strokes).toBeLessThanOrEqual(4);
  });

  it('sans-serif text and digits', () => {
    expectTruth(render('futural', { width: 900, height: 160 }, [{ drawing: lettering('Centerline 0123', 'futural', 20, 80, 2.5), colour: '#000' }], 3, '#fff'));
  });

  it('cursive handwriting in dark blue on cream paper', () => {
    const trace = expectTruth(render('script', { width: 900, height: 200 }, [{ drawing: lettering('Handwriting', 'scripts', 20, 100, 3), colour: '#1a237e' }], 3, '#fffdf5'));
    expect(trace.svg).not.toContain('id="background"'); // cream is paper, not a sheet to draw
  });

  it('straight strokes stay straight: a letter E is drawn with line segments only', () => {
    const art = render('E', { width: 160, height: 200 }, [{ drawing: lettering('E', 'futural', 40, 100, 6), colour: '#000' }], 5, '#fff');
    const trace = traceCenterline(art.image);
    const segments = trace.inks.flatMap((k) => k.strokes.flatMap((s) => s.path.segments));
    expect(segments.every((s) => s.kind === 'L')).toBe(true);
    expect(segments.length).toBeLessThanOrEqual(6);
  });
});

describe('centerline distance transform', () => {
  it('is the exact distance to the nearest background pixel, the image border counting as background', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const [width, height, ink] of [[1, 1, 1], [9, 4, 0.6], [23, 17, 0.8], [40, 31, 0.95], [12, 12, 1]] as const) {
      const mask = new Uint8Array(width * height).map(() => (rand() < ink ? 1 : 0));
      const dt = distanceTransform(mask, width, height);
      // Brute force: every background pixel, and the frame of pixels just outside each side.
      const background: [number, number][] = [];
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (!mask[y * width + x]) background.push([x, y]);
      for (let x = 0; x < width; x++) background.push([x, -1], [x, height]);
      for (let y = 0; y < height; y++) background.push([-1, y], [width, y]);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const want = mask[y * width + x] ? Math.sqrt(Math.min(...background.map(([bx, by]) => (bx - x) ** 2 + (by - y) ** 2))) : 0;
          expect(dt[y * width + x], `${width}x${height} at ${x},${y}`).toBe(Math.fround(want));
        }
      }
    }
  });
});

describe('centerline on drawn curves and lines', () => {
  it('random Bézier scribbles at 5 px', () => {
    expectTruth(render('scribble', { width: 600, height: 600 }, [{ drawing: scribble(1, 600, 600, 6), colour: '#000' }], 5, '#fff'));
  });

  it('random Bézier scribbles at 3 px', () => {
    expectTruth(render('scribble', { width: 600, height: 400 }, [{ drawing: scribble(7, 600, 400, 4), colour: '#333' }], 3, '#fff'));
  });

  it('a 6 x 6 grid of crossing lines: one stroke per line, straight through every crossing', () => {
    const trace = expectTruth(render('grid', { width: 500, height: 500 }, [{ drawing: grid(500, 500, 6), colour: '#000' }], 4, '#fff'));
    expect(trace.facts.strokes).toBe(12);
    const segments = trace.inks.flatMap((k) => k.strokes.flatMap((s) => s.path.segments));
    expect(segments.every((s) => s.kind === 'L')).toBe(true);
  });

  it('a spiral: one stroke', () => {
    const trace = expectTruth(render('spiral', { width: 500, height: 500 }, [{ drawing: spiral(250, 250, 6, 18), colour: '#000' }], 4, '#fff'));
    expect(trace.facts.strokes).toBe(1);
  });

  it('white and yellow inks on a blue sheet: one set of strokes per ink, each in its colour', () => {
    const art = render('inks', { width: 600, height: 400 }, [
      { drawing: scribble(3, 600, 400, 3), colour: '#ffffff' },
      { drawing: scribble(4, 600, 400, 3), colour: '#ffd400' },
    ], 4, '#123a7a');
    const trace = expectTruth(art);
    expect(trace.inks.map((k) => k.colour)).toHaveLength(2);
    expect(trace.svg).toMatch(/<rect id="background"[^>]*fill="#123a7a"/);
    const colours = trace.facts.inks.map((k) => k.colour);
    expect(colours.some((c) => c === '#ffffff' || c === '#fefefe')).toBe(true);
    expect(colours.some((c) => /^#ff(d|c)[0-9a-f]0[0-9a-f]$/.test(c))).toBe(true);
  });

  const logo = '../shared/corpus/tier1/simpleicons_apachekafka.png';
  it.skipIf(!existsSync(logo))('a corpus logo of rings and bars of three widths: the widths are kept apart (SSIM >= 0.93)', async () => {
    const { data, info } = await sharp(readFileSync(logo)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { width: info.width, height: info.height, data: new Uint8Array(data) };
    const trace = traceCenterline(image);
    expect(new Set(trace.inks[0]!.strokes.map((s) => s.width)).size).toBeGreaterThanOrEqual(3);
    const hasTransparency = image.data.some((v, i) => i % 4 === 3 && v < 255);
    expect(measureSsim({ ...image, hasTransparency }, renderSvg(trace.svg, image.width, image.height))).toBeGreaterThanOrEqual(0.93);
  });
});

describe('centerline where one ink crosses another', () => {
  const bar = (x0: number, y0: number, x1: number, y1: number) => ({ paths: [`M${x0} ${y0}L${x1} ${y1}`], truth: [densify([{ x: x0, y: y0 }, { x: x1, y: y1 }])] });
  const strokesOf = (trace: CenterlineTrace, colour: (c: { r: number; g: number; b: number }) => boolean) => trace.inks.filter((k) => colour(k.colour)).flatMap((k) => k.strokes);

  it('the lower ink goes on through the crossing: one stroke each, straight, on the true lines', () => {
    // A black bar, then a red one and a slanted red one drawn over it.
    const art = render('crossing', { width: 400, height: 240 }, [
      { drawing: bar(30, 120, 370, 120), colour: '#000000' },
      { drawing: { paths: [...bar(120, 30, 120, 210).paths, ...bar(220, 30, 300, 210).paths], truth: [...bar(120, 30, 120, 210).truth, ...bar(220, 30, 300, 210).truth] }, colour: '#d00000' },
    ], 5, '#ffffff');
    const trace = expectTruth(art);
    const black = strokesOf(trace, (c) => c.r < 80);
    expect(black, 'the black bar, cut by the red ones').toHaveLength(1);
    expect(black[0]!.path.segments.every((s) => s.kind === 'L')).toBe(true);
    const ends = [black[0]!.path.start, black[0]!.path.segments.at(-1)!.to].map((p) => p.x).sort((a, b) => a - b);
    expect(ends[0]).toBeLessThan(40);
    expect(ends[1]).toBeGreaterThan(360);
    expect(strokesOf(trace, (c) => c.r > 150)).toHaveLength(2);
  });

  it('two inks on a sheet: each ink is as many strokes as it is traced alone, and the lower one is drawn first', () => {
    const white = { drawing: scribble(3, 600, 400, 3), colour: '#ffffff' };
    const yellow = { drawing: scribble(4, 600, 400, 3), colour: '#ffd400' };
    const trace = expectTruth(render('inks', { width: 600, height: 400 }, [white, yellow], 4, '#123a7a'));
    const alone = (ink: typeof white) => traceCenterline(render('alone', { width: 600, height: 400 }, [ink], 4, '#123a7a').image).facts.strokes;
    expect(strokesOf(trace, (c) => c.b > 200).length, 'white strokes, yellow drawn over them').toBe(alone(white));
    expect(strokesOf(trace, (c) => c.b < 100).length, 'yellow strokes').toBe(alone(yellow));
    expect(trace.inks[0]!.colour.b, 'white, the lower ink, first').toBeGreaterThan(200);
  });
});

describe('centerline junctions', () => {
  const { drawing, points } = junctions();
  const width = 6;
  const art = render('junctions', { width: 460, height: 200 }, [{ drawing, colour: '#000' }], width, '#fff');
  const trace = traceCenterline(art.image);
  const paths = trace.inks.flatMap((k) => k.strokes.map((s) => s.path));

  it('T, X and Y on the true lines, no spurs', () => {
    expectTruth(art);
    for (const path of paths) {
      const pts = samplePath(path);
      const length = pts.slice(1).reduce((s, p, i) => s + Math.hypot(p.x - pts[i]!.x, p.y - pts[i]!.y), 0);
      expect(length, 'a stroke shorter than the stroke width is a spur').toBeGreaterThanOrEqual(width);
    }
  });

  it('every junction is met: the strokes there end or cross within one stroke width of the true point, with no gap', () => {
    for (const j of points) {
      const near = paths.filter((p) => samplePath(p).some((q) => Math.hypot(q.x - j.x, q.y - j.y) <= width));
      expect(near.length, `strokes at (${j.x}, ${j.y})`).toBeGreaterThanOrEqual(2);
      // Ends near the junction are on another stroke there: nothing stops short.
      for (const p of near) {
        const pts = samplePath(p);
        for (const end of [pts[0]!, pts.at(-1)!]) {
          if (Math.hypot(end.x - j.x, end.y - j.y) > 3 * width) continue;
          expect(Math.hypot(end.x - j.x, end.y - j.y), 'end within one stroke width of the junction').toBeLessThanOrEqual(width);
          const others = near.filter((o) => o !== p).flatMap((o) => samplePath(o));
          const gap = Math.min(...others.map((q) => Math.hypot(q.x - end.x, q.y - end.y)));
          expect(gap, 'no gap between strokes meeting at a junction').toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('the X is two strokes going straight through, and the T bar is one', () => {
    const through = (j: { x: number; y: number }) =>
      paths.filter((p) => {
        const pts = samplePath(p);
        const ends = [pts[0]!, pts.at(-1)!];
        return pts.some((q) => Math.hypot(q.x - j.x, q.y - j.y) <= 1.5) && ends.every((e) => Math.hypot(e.x - j.x, e.y - j.y) > 3 * width);
      });
    expect(through(points[1]!)).toHaveLength(2);
    expect(through(points[0]!)).toHaveLength(1);
    expect(trace.facts.strokes).toBeLessThanOrEqual(6);
  });
});

describe('centerline options and pen order', () => {
  const art = render('scribble', { width: 600, height: 600 }, [{ drawing: scribble(1, 600, 600, 6), colour: '#000' }], 5, '#fff');

  it('stroke_width and stroke_color override what is measured', () => {
    const trace = traceCenterline(art.image, { strokeWidth: 2.5, strokeColor: { r: 200, g: 0, b: 0 } });
    expect(trace.svg).toContain('stroke="#c80000"');
    // Widths are in user units: the viewBox's units per pixel of the document.
    const doc = readSvg(trace.svg);
    const perPixel = doc.viewBox.width / doc.width;
    const widths = [...trace.svg.matchAll(/stroke-width="([^"]*)"/g)].map((m) => Number(m[1]) / perPixel);
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => w === 2.5), `widths ${widths.join(', ')}`).toBe(true);
  });

  it('open paths with fill="none", round caps and joins; ordering never adds pen-up travel', () => {
    const trace = traceCenterline(art.image);
    expect(trace.svg).toMatch(/<g fill="none" stroke="#000" stroke-linecap="round" stroke-linejoin="round" stroke-width="[\d.]+">/);
    expect(trace.svg).not.toMatch(/<path[^>]* fill="(?!none)/);
    expect(trace.facts.penUpTravel.after).toBeLessThanOrEqual(trace.facts.penUpTravel.before);
    expect(trace.facts.penUpTravel.after).toBeGreaterThan(0);
  });

  it('pen order chains strokes that share an end: a grid drawn from one corner lifts the pen less than once per line', () => {
    const g = render('grid', { width: 500, height: 500 }, [{ drawing: grid(500, 500, 6), colour: '#000' }], 4, '#fff');
    const trace = traceCenterline(g.image);
    expect(trace.facts.penUpTravel.after).toBeLessThan(trace.facts.penUpTravel.before / 2);
  });
});

describe('centerline pen order: greedy, then 2-opt and Or-opt', () => {
  const line = (x0: number, y0: number, x1: number, y1: number): PenStroke => ({
    path: { start: { x: x0, y: y0 }, segments: [{ kind: 'L', to: { x: x1, y: y1 } }], closed: false },
    width: 2,
  });
  const lifts = (order: PenStroke[], from = { x: 0, y: 0 }) => {
    let at = from;
    let n = 0;
    for (const s of order) {
      if (Math.hypot(at.x - s.path.start.x, at.y - s.path.start.y) > 1e-9) n++;
      at = s.path.segments.at(-1)!.to;
    }
    return n;
  };
  const origin = { x: 0, y: 0 };

  it('improves on greedy where greedy leaves strokes behind and has to come back for them, to the best order there is', () => {
    // Short dashes on a line either side of the pen: greedy zigzags 10, -12, -70 and back to 60.
    const dashes = [line(10, 0, 11, 0), line(-12, 0, -13, 0), line(60, 0, 61, 0), line(-70, 0, -71, 0)];
    const greedy = travel(greedyOrder(dashes, origin), origin).distance;
    expect(greedy).toBeCloseTo(10 + 23 + 57 + 131, 6);
    // Every order, each dash either way round.
    let optimal = Infinity;
    const orders = (left: PenStroke[], done: PenStroke[]) => {
      if (left.length === 0) optimal = Math.min(optimal, travel(done, origin).distance);
      left.forEach((s, i) => {
        const rest = left.filter((_, j) => j !== i);
        const back = line(s.path.segments[0]!.to.x, 0, s.path.start.x, 0);
        orders(rest, [...done, s]);
        orders(rest, [...done, back]);
      });
    };
    orders(dashes, []);
    expect(optimal).toBeLessThan(greedy - 20);
    expect(travel(penOrder(dashes, origin), origin).distance).toBeCloseTo(optimal, 6);
  });

  it('never adds pen-up travel or pen lifts to greedy, on random strokes', () => {
    const rnd = random(17);
    for (let round = 0; round < 30; round++) {
      const strokes = Array.from({ length: 5 + Math.floor(rnd() * 60) }, () => {
        const x = rnd() * 500;
        const y = rnd() * 500;
        return line(x, y, x + (rnd() - 0.5) * 80, y + (rnd() - 0.5) * 80);
      });
      const greedy = greedyOrder(strokes, origin);
      const improved = penOrder(strokes, origin);
      expect(improved).toHaveLength(strokes.length);
      expect(travel(improved, origin).distance).toBeLessThanOrEqual(travel(greedy, origin).distance + 1e-9);
      expect(lifts(improved)).toBeLessThanOrEqual(lifts(greedy));
    }
  });

  it('keeps strokes that share ends chained: a zigzag cut into shuffled pieces is drawn with one pen lift', () => {
    const corners = Array.from({ length: 9 }, (_, i) => ({ x: 100 + 20 * i, y: i % 2 === 0 ? 100 : 140 }));
    const pieces = corners.slice(1).map((c, i) => (i % 3 === 1 ? line(c.x, c.y, corners[i]!.x, corners[i]!.y) : line(corners[i]!.x, corners[i]!.y, c.x, c.y)));
    const shuffled = [pieces[5]!, pieces[1]!, pieces[7]!, pieces[0]!, pieces[3]!, pieces[6]!, pieces[2]!, pieces[4]!];
    expect(lifts(penOrder(shuffled, origin))).toBe(1);
  });
});

describe('centerline SVG economy', () => {
  const art = render('scribble', { width: 600, height: 600 }, [{ drawing: scribble(1, 600, 600, 6), colour: '#000' }], 5, '#fff');
  const trace = traceCenterline(art.image);

  it('numbers are written short: no trailing or leading zeros', () => {
    expect([0.5, -0.5, 12.25, 3, -0.04, 100].map((v) => formatNumber(v, 1))).toEqual(['.5', '-.5', '12.3', '3', '0', '100']);
  });

  it('chained strokes share a subpath, a closed one and a dot stand alone, another width gets its own path', () => {
    const P = (x: number, y: number) => ({ x, y });
    const strokes: PenStroke[] = [
      { width: 3, path: { start: P(10.5, 10.5), segments: [{ kind: 'L', to: P(40.5, 10.5) }], closed: false } },
      { width: 3, path: { start: P(40.5, 10.5), segments: [{ kind: 'C', c1: P(50, 10.5), c2: P(60, 20), to: P(60.5, 30.5) }], closed: false } },
      { width: 3, path: { start: P(80.5, 80.5), segments: [{ kind: 'L', to: P(90.5, 80.5) }, { kind: 'L', to: P(90.5, 90.5) }, { kind: 'L', to: P(80.5, 80.5) }], closed: true } },
      { width: 3, path: { start: P(5.25, 95.75), segments: [], closed: false } },
      { width: 6, path: { start: P(20, 60), segments: [{ kind: 'L', to: P(20, 70) }], closed: false } },
    ];
    // Ten user units per pixel: every coordinate an integer number of tenths of a pixel.
    const svg = strokeSvg(100, 100, [{ colour: { r: 0, g: 0, b: 0 }, strokes }], undefined, 10);
    expect(svg).toContain('width="100" height="100" viewBox="0 0 1000 1000"');
    expect(svg).toContain('<g fill="none" stroke="#000" stroke-linecap="round" stroke-linejoin="round" stroke-width="30"><path d="m105 105h300c95 0 195 95 200 200m200 500h100v100zm-752 153h0"/>');
    expect(svg).toContain('<path stroke-width="60" d="m200 600v100"/>');
    const shapes = readSvg(svg).shapes;
    expect(shapes.map((sh) => sh.strokeWidth / 10)).toEqual([3, 6]);
    const px = (p: readonly number[]) => p.map((v) => v / 10);
    const [first, second, third] = shapes[0]!.subpaths;
    expect(first!.segments.map((g) => px(g.to))).toEqual([[40.5, 10.5], [60.5, 30.5]]);
    expect(second!.closed).toBe(true);
    expect(px(second!.start)).toEqual([80.5, 80.5]);
    expect(px(third!.start)[0]).toBeCloseTo(5.3, 9); // the dot, on the grid
    expect(px(third!.start)[1]).toBeCloseTo(95.8, 9);
  });

  it('relative path data reads back to the fitted strokes: rounding never accumulates along a path', () => {
    const doc = readSvg(trace.svg);
    // User units per pixel: the default grid is half a pixel.
    const perPixel = doc.viewBox.width / doc.width;
    expect(perPixel).toBe(2);
    const px = ([x, y]: readonly number[]) => ({ x: x! / perPixel, y: y! / perPixel });
    const subpaths = doc.shapes.flatMap((s) => s.subpaths);
    // The points on the strokes (ends of segments) each within half a grid unit of a fitted one.
    const back = subpaths.flatMap((sp) => [sp.start, ...sp.segments.map((g) => g.to)]).map(px);
    const fitted = trace.inks.flatMap((k) => k.strokes.flatMap((s) => [s.path.start, ...s.path.segments.map((g) => g.to)]));
    expect(back.length).toBeGreaterThan(50);
    for (const p of fitted) {
      const nearest = Math.min(...back.map((q) => Math.hypot(q.x - p.x, q.y - p.y)));
      expect(nearest, `(${p.x}, ${p.y}) read back`).toBeLessThanOrEqual(0.3536); // half a unit of 0.5 px in x and y
    }
    // The curves drawn (handles rounded, or written as q, t or s) within a quarter pixel of the
    // fitted ones, plus what the grid moves their ends by.
    const drawn = subpaths.flatMap((sp) =>
      samplePath({ start: px(sp.start), segments: sp.segments.map((g) => (g.kind === 'C' ? { kind: 'C', c1: px(g.c1), c2: px(g.c2), to: px(g.to) } : { kind: 'L', to: px(g.to) })), closed: false }, 0.05),
    );
    const cells = new Map<string, { x: number; y: number }[]>();
    for (const q of drawn) {
      const key = `${Math.floor(q.x)},${Math.floor(q.y)}`;
      cells.set(key, [...(cells.get(key) ?? []), q]);
    }
    let worst = 0;
    for (const p of trace.inks.flatMap((k) => k.strokes.flatMap((s) => samplePath(s.path, 1)))) {
      let nearest = Infinity;
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (const q of cells.get(`${Math.floor(p.x) + dx},${Math.floor(p.y) + dy}`) ?? []) nearest = Math.min(nearest, Math.hypot(q.x - p.x, q.y - p.y));
        }
      }
      worst = Math.max(worst, nearest);
    }
    expect(worst).toBeLessThanOrEqual(0.25 + 0.3536);
  });

  it('one ink measured a quarter pixel either way is drawn with one pen; a line twice as thick keeps its own width', () => {
    expect(inkWidths([3, 2.75, 3.25, 3, 6], [100, 40, 40, 100, 80])).toEqual([3, 3, 3, 3, 6]);
    // On the scribble, nearly all of the drawn length is at the ink's one width (only where two lines merge is the ink wider).
    const strokes = trace.inks[0]!.strokes;
    const length = (s: (typeof strokes)[number]) => samplePath(s.path).reduce((sum, p, i, all) => (i === 0 ? 0 : sum + Math.hypot(p.x - all[i - 1]!.x, p.y - all[i - 1]!.y)), 0);
    const total = strokes.reduce((sum, s) => sum + length(s), 0);
    const atInk = strokes.filter((s) => s.width === 5).reduce((sum, s) => sum + length(s), 0);
    expect(atInk / total).toBeGreaterThanOrEqual(0.8);
    expect(trace.svg.match(/<path/g)!.length).toBeLessThanOrEqual(strokes.length / 2);
  });

  // Both are written on integer grids (the strokes on half a pixel, with q, t and s where they draw
  // the fitted curve within a quarter pixel): this scribble's strokes measured 40 % of the outline's bytes.
  it('curved strokes take at most 45 % of the bytes of the outline trace of the same image, at SSIM >= 0.93', async () => {
    const config = loadConfig();
    const png = await sharp(art.image.data, { raw: { width: 600, height: 600, channels: 4 } }).png().toBuffer();
    const outline = await convertImage(png, DEFAULT_OPTIONS, limitsFromConfig(config), tierDeadlines(config));
    expect(Buffer.byteLength(trace.svg)).toBeLessThanOrEqual(outline.bytes * 0.45);
    expect(ssim(art.image, trace.svg)).toBeGreaterThanOrEqual(0.93);
  });
});

describe('centerline refuses what is not line art', () => {
  const refusal = (image: RgbaImage): AppError => {
    try {
      traceCenterline(image);
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error('expected NOT_LINE_ART');
  };

  it('a photo-like image (smooth shading and grain everywhere)', () => {
    const width = 320;
    const height = 240;
    const rnd = random(5);
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const noise = (rnd() - 0.5) * 40;
        data[i] = Math.max(0, Math.min(255, 90 + 120 * Math.sin(x / 40) + noise));
        data[i + 1] = Math.max(0, Math.min(255, 120 + 80 * Math.cos(y / 30) + noise));
        data[i + 2] = Math.max(0, Math.min(255, 60 + (x + y) / 3 + noise));
        data[i + 3] = 255;
      }
    }
    const err = refusal({ width, height, data });
    expect(err.code).toBe('NOT_LINE_ART');
    expect(err.message).toMatch(/line art.*draw_style=fill/);
  });

  it('large filled areas (a solid disc and a solid square)', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="400" height="300" fill="#fff"/><circle cx="120" cy="150" r="70" fill="#000"/><rect x="240" y="90" width="120" height="120" fill="#b00"/></svg>';
    // Opaque everywhere, so resvg's premultiplied pixels are the straight ones.
    const err = refusal({ width: 400, height: 300, data: renderSvg(svg, 400, 300).premultiplied });
    expect(err.code).toBe('NOT_LINE_ART');
    expect(err.message).toMatch(/filled areas/);
  });

  const photos = '../shared/corpus/tier3';
  it.skipIf(!existsSync(photos))('the corpus photos (tier 3)', async () => {
    for (const file of readdirSync(photos).filter((f) => f.endsWith('.png') || f.endsWith('.jpg')).slice(0, 4)) {
      const { data, info } = await sharp(readFileSync(`${photos}/${file}`)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const err = refusal({ width: info.width, height: info.height, data: new Uint8Array(data) });
      expect(err.code, file).toBe('NOT_LINE_ART');
    }
  });
});
