/**
 * The export stage: size and unit arithmetic, and every writer read back by a program that did
 * not write it (poppler, Ghostscript, dxf-parser, sharp), compared with the SVG's own render.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { exportInProcess } from '../src/export/export.js';
import { exportResult } from '../src/export/export-pool.js';
import { downloadName } from '../src/export/formats.js';
import { convertLength, outputSize } from '../src/export/size.js';
import { groupByColor } from '../src/export/svg.js';
import { readSvg } from '../src/export/svg-document.js';
import { DEFAULT_EXPORT, type ExportOptions } from '../src/pipeline/options.js';
import { renderSvg } from '../src/quality/rasterize.js';
import { measureSsim } from '../src/quality/ssim.js';
import { decodePng, readDxf, renderEps, renderPdf, renderSvgAt, requireProgram } from './helpers/render-back.js';

const hasPoppler = requireProgram('pdftoppm', 'poppler-utils');
const hasGhostscript = requireProgram('gs', 'ghostscript');

/** A drawing with what the tracers and the other styles produce: curves, holes, a gradient, opacity, an open stroke. */
const W = 240;
const H = 160;
const DRAWING = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 480 320">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#ff8800"/><stop offset="0.5" stop-color="#2266cc"/><stop offset="1" stop-color="#22aa44"/></linearGradient>
<radialGradient id="r" cx="0.5" cy="0.5" r="0.5"><stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#aa0044"/></radialGradient></defs>
<rect width="480" height="320" fill="#fff"/>
<path d="M40 40h160v120h-160zM80 70v60h80v-60z" fill="#1a2b6d"/>
<path d="M260 160c0-66 54-120 120-120s60 54 60 120-54 120-120 120-60-54-60-120z" fill="url(#g)"/>
<circle cx="120" cy="240" r="50" fill="url(#r)"/>
<ellipse cx="330" cy="250" rx="70" ry="30" fill="#cc2222" fill-opacity="0.6"/>
<path d="M20 300C120 200 220 320 460 290" fill="none" stroke="#000" stroke-width="6" stroke-linecap="round"/>
</svg>`;

const score = (a: { width: number; height: number; premultiplied: Uint8Array }, b: { width: number; height: number; premultiplied: Uint8Array }) => {
  // The SVG's own render, unpremultiplied onto white, is the "source" the read-back is compared with.
  const data = new Uint8Array(a.premultiplied.length);
  for (let i = 0; i < data.length; i += 4) {
    const under = 255 - a.premultiplied[i + 3]!;
    data[i] = a.premultiplied[i]! + under;
    data[i + 1] = a.premultiplied[i + 1]! + under;
    data[i + 2] = a.premultiplied[i + 2]! + under;
    data[i + 3] = 255;
  }
  return measureSsim({ width: a.width, height: a.height, data, hasTransparency: false }, b);
};

/** Per pixel, the luma over white of the SVG's render minus the read-back's (premultiplied, so transparent reads as white). */
const lumaDifferences = (own: { premultiplied: Uint8Array }, back: { premultiplied: Uint8Array }): number[] => {
  const luma = (p: Uint8Array, i: number) => 0.299 * p[i]! + 0.587 * p[i + 1]! + 0.114 * p[i + 2]! + 255 - p[i + 3]!;
  const out: number[] = [];
  for (let i = 0; i < own.premultiplied.length; i += 4) out.push(luma(own.premultiplied, i) - luma(back.premultiplied, i));
  return out;
};

const options = (o: Partial<ExportOptions>): ExportOptions => ({ ...DEFAULT_EXPORT, ...o });
const source = { svg: DRAWING, width: W, height: H };

describe('size and unit arithmetic', () => {
  it('300 px at 300 dpi is 1 in = 25.4 mm = 2.54 cm = 72 pt', () => {
    expect(convertLength(300, 'px', 'in', 300)).toBe(1);
    expect(convertLength(300, 'px', 'mm', 300)).toBeCloseTo(25.4, 10);
    expect(convertLength(300, 'px', 'cm', 300)).toBeCloseTo(2.54, 10);
    expect(convertLength(300, 'px', 'pt', 300)).toBeCloseTo(72, 10);
    expect(convertLength(72, 'pt', 'px', 96)).toBeCloseTo(96, 10);
  });

  it('the source size by default; width or height alone keeps the aspect; both give a box the drawing is centred in', () => {
    const vb = { width: 300, height: 150 };
    const plain = outputSize(300, 150, vb, { unit: 'in', dpi: 300 });
    expect([plain.width, plain.height, plain.widthPt, plain.heightPt, plain.widthPx, plain.heightPx]).toEqual([1, 0.5, 72, 36, 300, 150]);
    const wide = outputSize(300, 150, vb, { unit: 'mm', dpi: 96, width: 100 });
    expect(wide.height).toBeCloseTo(50, 10);
    const tall = outputSize(300, 150, vb, { unit: 'cm', dpi: 96, height: 2 });
    expect(tall.width).toBeCloseTo(4, 10);
    const box = outputSize(300, 150, vb, { unit: 'pt', dpi: 96, width: 100, height: 100 });
    expect(box.placement.scale).toBeCloseTo(100 / 300, 10);
    expect(box.placement.y).toBeCloseTo((100 - 50) / 2, 10);
    expect(outputSize(300, 150, vb, { unit: 'in', dpi: 600, width: 2 }).widthPx).toBe(1200);
  });

  it('the SVG gets width and height with units and keeps its viewBox', async () => {
    const file = await exportInProcess({ svg: DRAWING, width: 300, height: 200 }, options({ unit: 'mm', dpi: 300 }));
    const root = /<svg[^>]*>/.exec(file.body.toString())![0];
    expect(root).toContain('width="25.4mm"');
    expect(root).toMatch(/height="16.933mm"/);
    expect(root).toContain('viewBox="0 0 480 320"');
    expect(file).toMatchObject({ contentType: 'image/svg+xml; charset=utf-8', extension: 'svg' });
  });
});

describe('each writer read back by an independent program', () => {
  const own = renderSvg(DRAWING, W, H);

  it.skipIf(!hasPoppler)('PDF: poppler renders it like the SVG, at the asked page size in points', async () => {
    const file = await exportResult(source, options({ format: 'pdf', unit: 'mm', width: 100 }));
    expect(file.body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(file.size.widthPt).toBeCloseTo((100 / 25.4) * 72, 6);
    expect(score(own, await renderPdf(file.body, W, H))).toBeGreaterThan(0.98);
    // Curves stay curves: the page's content streams, inflated, draw with cubic Bézier operators (c).
    const text = file.body.toString('latin1');
    const streams = [...text.matchAll(/(?<!end)stream\r?\n/g)].map((m) => {
      const start = m.index + m[0].length;
      const data = file.body.subarray(start, text.indexOf('endstream', start));
      // Deflated streams (FlateDecode) are inflated; any other is read as it is.
      return (data[0] === 0x78 ? inflateSync(data) : data).toString('latin1');
    });
    expect(streams.some((content) => / c\n/.test(content))).toBe(true);
  });

  it.skipIf(!hasPoppler)('PDF: a gradient under a flat shape of the same outline does not show along its edges', async () => {
    // Dark gradient squares, each hidden under a light flat one: what a tile of stacked layers
    // draws. Drawn 4/3 larger, the first one's edges fall on pixel boundaries, the second's between.
    const hidden = (x: number, y: number) =>
      `<path d="M${x} ${y}h96v96h-96z" fill="url(#d)"/><path d="M${x} ${y}h96v96h-96z" fill="#f0ead0"/>`;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="384" height="256" viewBox="0 0 288 192"><defs>` +
      `<linearGradient id="d" gradientUnits="userSpaceOnUse" x1="0" y1="0" x2="288" y2="0"><stop stop-color="#201008"/><stop offset="1" stop-color="#402010"/></linearGradient></defs>` +
      `<path d="M0 0h288v192h-288z" fill="#fff"/>${hidden(24, 48)}${hidden(160.4, 40.2)}</svg>`;
    const file = await exportResult({ svg, width: 384, height: 256 }, options({ format: 'pdf' }));
    const back = await renderPdf(file.body, 384, 256);
    const own = renderSvg(svg, 384, 256);
    // Pixels where poppler's page is darker than the SVG's by more than a quarter of the range:
    // a pattern fill painted into every pixel its shape touches drew a dark rim of 256 of them.
    const rim = lumaDifferences(own, back).filter((d) => d > 64).length;
    expect(rim).toBeLessThan(20);
  });

  it.skipIf(!hasPoppler)('PDF: a gradient with opacity stays inside its shape and keeps its opacity', async () => {
    // pdfkit paints such a gradient as a pattern with a soft mask of its own, which poppler let
    // replace the shape's mask: each one filled its whole box. One fades out through its stops,
    // one is drawn at half opacity (svg-to-pdfkit folds that into the stops), over a flat square.
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200"><defs>` +
      `<linearGradient id="fade"><stop stop-color="#c02010"/><stop offset="1" stop-color="#c02010" stop-opacity=".2"/></linearGradient>` +
      `<radialGradient id="glow"><stop stop-color="#ffd020"/><stop offset="1" stop-color="#2020c0"/></radialGradient></defs>` +
      `<path d="M10 10h130v70h-130z" fill="#3a3"/><circle cx="90" cy="100" r="60" fill="url(#fade)"/>` +
      `<path d="M170 20l110 30-40 130-70-60z" fill="url(#glow)" fill-opacity=".5"/></svg>`;
    const file = await exportResult({ svg, width: 300, height: 200 }, options({ format: 'pdf' }));
    const back = await renderPdf(file.body, 300, 200);
    const own = renderSvg(svg, 300, 200);
    // Pixels whose luma over white differs by more than 40: a box painted outside its circle or
    // quadrilateral is thousands of them, an anti-aliased edge a few.
    const off = lumaDifferences(own, back).filter((d) => Math.abs(d) > 40).length;
    expect(off).toBeLessThan(30);
    expect(score(own, back)).toBeGreaterThan(0.97);
  });

  it.skipIf(!hasGhostscript)('EPS: Ghostscript renders it like the SVG; curves are curveto, gradients shadings', async () => {
    // PostScript has no transparency (opacity is mixed with white instead): compared without it.
    const opaque = DRAWING.replace(' fill-opacity="0.6"', '');
    const file = await exportResult({ ...source, svg: opaque }, options({ format: 'eps' }));
    const text = file.body.toString();
    expect(text.startsWith('%!PS-Adobe-3.0 EPSF-3.0')).toBe(true);
    expect(text).toContain(`%%BoundingBox: 0 0 ${W * 0.75} ${H * 0.75}`);
    expect(text).toMatch(/ c\n/);
    expect(text).toContain('/ShadingType 2');
    expect(text).toContain('/ShadingType 3');
    expect(score(renderSvg(opaque, W, H), await renderEps(file.body, W, H))).toBeGreaterThan(0.97);
    const translucent = (await exportResult(source, options({ format: 'eps' }))).body.toString();
    // #cc2222 at 0.6 over white.
    expect(translucent).toContain('0.88 0.48 0.48 rg');
  });

  it('DXF: dxf-parser reads one entity per outline, splines for curves, each in its colour; drawn back it matches', async () => {
    const file = await exportResult(source, options({ format: 'dxf', unit: 'mm' }));
    const text = file.body.toString();
    const subpaths = readSvg(DRAWING).shapes.reduce((n, s) => n + s.subpaths.length, 0);
    const page = outputSize(W, H, { width: 480, height: 320 }, options({ unit: 'mm' }));
    const back = readDxf(text, page.width, page.height, 'fill');
    expect((back.counts.SPLINE ?? 0) + (back.counts.LWPOLYLINE ?? 0)).toBe(subpaths);
    expect(back.counts.SPLINE).toBeGreaterThanOrEqual(4);
    expect(back.colors).toContain(0x1a2b6d);
    // DXF keeps outlines, not paint: the open stroke is filled shut by the fill-mode reading, and
    // gradients are their mean colour, so this is looser than PDF and EPS.
    expect(score(own, renderSvgAt(back.svg, W, H))).toBeGreaterThan(0.8);
  });

  it('DXF: an even-odd shape without Z comes back closed, its hole oriented against its boundary', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><path d="M0 0h100v100h-100M25 25h50v50h-50" fill="#222" fill-rule="evenodd"/></svg>';
    const file = await exportResult({ svg, width: 100, height: 100 }, options({ format: 'dxf' }));
    const back = readDxf(file.body.toString(), 100, 100, 'fill');
    expect(back.counts.LWPOLYLINE).toBe(2);
    expect(score(renderSvg(svg, 100, 100), renderSvgAt(back.svg, 100, 100))).toBeGreaterThan(0.99);
  });

  it("DXF: a glow's blurred levels are no outline to cut; the drawing over them is kept", async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs><filter id="sb"><feGaussianBlur stdDeviation="3"/></filter></defs>' +
      '<g filter="url(#sb)"><path d="M5 5h90v90h-90z" fill="#335533" opacity=".05"/><path d="M10 10h80v80h-80z" fill="#335533" opacity=".1"/></g>' +
      '<path d="M20 20h60v60h-60z" fill="#1a2b6d"/></svg>';
    expect(readSvg(svg).shapes.map((s) => s.blurred)).toEqual([true, true, false]);
    const back = readDxf((await exportResult({ svg, width: 100, height: 100 }, options({ format: 'dxf' }))).body.toString(), 100, 100, 'fill');
    expect(back.counts.LWPOLYLINE).toBe(1);
    expect(back.colors).toEqual([0x1a2b6d]);
  });

  it('PNG: the SVG rendered at the asked size in pixels', async () => {
    const file = await exportResult(source, options({ format: 'png', unit: 'in', width: 1, dpi: 120 }));
    expect(file.contentType).toBe('image/png');
    expect(score(renderSvg(DRAWING, 120, 80), await decodePng(file.body, 120, 80))).toBeGreaterThan(0.999);
  });

  it('svgz: the sized SVG, gzip-compressed', async () => {
    const file = await exportResult(source, options({ format: 'svgz', unit: 'in' }));
    expect(file).toMatchObject({ extension: 'svgz', contentEncoding: 'gzip' });
    expect(gunzipSync(file.body).toString()).toMatch(/^<svg[^>]*width="2.5in"/);
  });

  it('heavy exports on the export thread pool give the same bytes as in this thread', async () => {
    const here = await exportResult(source, options({ format: 'dxf' }), { offThread: false });
    const there = await exportResult(source, options({ format: 'dxf' }), { offThread: true });
    expect(there.body.equals(here.body)).toBe(true);
  });
});

describe('download names', () => {
  it('echo a plain client name with the format extension, and nothing of a path or odd bytes', () => {
    expect(downloadName('my logo.png', 'pdf')).toBe('my_logo.pdf');
    expect(downloadName('../../etc/passwd', 'dxf')).toBe('result.dxf');
    expect(downloadName('logo.png\r\nX-Injected: 1', 'eps')).toBe('result.eps');
    expect(downloadName(undefined, 'svgz')).toBe('result.svgz');
  });
});

describe('group_by=color', () => {
  it('one group per colour where the painting order allows it, and the picture does not change', () => {
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><path d="M0 0h100v100h-100z" fill="#fff"/>` +
      `<path d="M10 10h10v10h-10z" fill="#f00"/><path d="M30 10h10v10h-10z" fill="#00f"/><path d="M50 10h10v10h-10z" fill="#f00"/>` +
      // This red one overlaps the blue square above it, so it must stay above it.
      `<path d="M25 5h20v20h-20z" fill="#0f0"/><path d="M32 12h4v4h-4z" fill="#f00"/></svg>`;
    const grouped = groupByColor(svg);
    // The last red square must stay above the green one: it stays alone, ungrouped.
    expect(grouped.match(/<g fill="#f00">/g)).toHaveLength(1);
    expect(grouped).toContain('<g fill="#f00"><path d="M10 10h10v10h-10z"/><path d="M50 10h10v10h-10z"/></g>');
    expect(grouped).toContain('<path d="M25 5h20v20h-20z" fill="#0f0"/><path d="M32 12h4v4h-4z" fill="#f00"/></svg>');
    const a = renderSvg(svg, 100, 100).premultiplied;
    const b = renderSvg(grouped, 100, 100).premultiplied;
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });
});
