/** The integer grid: the same drawing with integer coordinates on a finer viewBox, or the SVG left as it was. */
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { toIntegerGrid } from '../src/pipeline/integer-grid.js';
import { optimizePathData, optimizeSvg } from '../src/pipeline/optimize.js';
import { readSvg } from '../src/export/svg-document.js';

const doc = (body: string, size = 64) => `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${body}</svg>`;
const pixels = (svg: string) => Buffer.from(new Resvg(svg).render().pixels);
const numbersIn = (svg: string) => [...svg.matchAll(/="([^"#]*)"/g)].filter((m) => !/^[a-z]/i.test(m[1]!) || /^[mlhvcsqtz]/i.test(m[1]!)).map((m) => m[1]!).join(' ');

describe('integer grid', () => {
  const drawing = doc(
    '<rect width="64" height="64" fill="#fff"/>' +
      '<path d="M10.3 12.1C20.4 2.5 40.6 2.5 50.2 12.1S60.1 40.3 32.5 55.9L10.3 40.2Z" fill="#3776ab" fill-rule="evenodd"/>' +
      '<circle cx="20.5" cy="30.1" r="6.4" fill="#f00"/>' +
      '<rect x="40.2" y="30.3" width="12.1" height="8.2" rx="2.1" transform="rotate(12.5 46.3 34.4)" fill="#0a0"/>' +
      '<path d="M5.5 60.5h50.1" fill="none" stroke="#000" stroke-width="1.5"/>',
  );

  it('writes every coordinate as an integer on a 10x viewBox, in fewer bytes, and draws the same pixels', () => {
    const svg = optimizeSvg(drawing, { precision: 1 });
    const grid = toIntegerGrid(svg, 1);
    expect(grid.factor).toBe(10);
    expect(grid.svg).toMatch(/^<svg[^>]* width="64" height="64" viewBox="0 0 640 640">/);
    expect(grid.svg).toContain('<circle cx="205" cy="301" r="64" fill="#f00"/>');
    expect(grid.svg).toContain('transform="rotate(12.5 463 344)"');
    expect(grid.svg).toContain('stroke-width="15"');
    expect(numbersIn(grid.svg)).not.toMatch(/\d\.\d|\.\d/);
    expect(grid.svg.length).toBeLessThan(svg.length);
    expect(pixels(grid.svg).equals(pixels(svg))).toBe(true);
  });

  it('reads back (as every export format does) as the same shapes in the same place', () => {
    const svg = optimizeSvg(drawing, { precision: 1 });
    const before = readSvg(svg);
    const after = readSvg(toIntegerGrid(svg, 1).svg);
    expect(after.shapes.length).toBe(before.shapes.length);
    expect(after.viewBox.width).toBe(10 * before.viewBox.width);
    const first = (d: typeof before) => d.shapes[1]!.subpaths[0]!.start;
    expect(first(after)[0] / 10).toBeCloseTo(first(before)[0], 6);
    expect(first(after)[1] / 10).toBeCloseTo(first(before)[1], 6);
  });

  it('is only as fine as the drawing needs: integer coordinates stay as they are', () => {
    const polygons = optimizeSvg(doc('<path d="M0 0h64v64h-64z" fill="#fefefe"/><path d="M10 10L30 12L20 40Z" fill="#f00"/>'), { precision: 1 });
    expect(toIntegerGrid(polygons, 1)).toEqual({ svg: polygons, factor: 1 });
    expect(toIntegerGrid(optimizeSvg(drawing, { precision: 0 }), 0).factor).toBe(1);
  });

  it('keeps the decimal SVG when the grid would be longer', () => {
    // Mostly integers, one decimal: ten times every integer costs more than one decimal point saves.
    const svg = doc('<path d="m0 0h64v64h-64z" fill="#fff"/><path d="m10 10h20v20h-20zm30 0h10v10h-10z" fill="#f00"/><circle cx="5.5" cy="5" r="2" fill="#00f"/>');
    expect(toIntegerGrid(svg, 1)).toEqual({ svg, factor: 1 });
  });

  it('leaves alone what it cannot scale: other transforms, unknown elements or attributes, gradients in bounding-box units', () => {
    for (const body of [
      '<path d="M1.5 2.5h3.1" fill="#000" transform="scale(2)"/>',
      '<g transform="translate(1.5 2)"><path d="M1.5 2.5h3.1" fill="#000"/></g>',
      '<text x="1.5" y="2.5">a</text>',
      '<path d="M1.5 2.5h3.1" fill="#000" stroke-dasharray="1.5 2"/>',
      '<defs><linearGradient id="g" x1="0.1" x2="0.9"><stop offset="0" stop-color="#fff"/></linearGradient></defs><path d="M1.5 2.5h3.1v2.2z" fill="url(#g)"/>',
      '<path d="M1.5 2.5A2.5 2.5 0 0 1 6.5 2.5z" fill="#000"/>',
    ]) {
      const svg = doc(body);
      expect(toIntegerGrid(svg, 1)).toEqual({ svg, factor: 1 });
    }
  });

  it('scales gradients drawn in user space with their shapes', () => {
    const svg = doc(
      '<defs><linearGradient id="g" gradientUnits="userSpaceOnUse" x1="1.5" y1="2.5" x2="60.5" y2="3.5"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#123"/></linearGradient></defs>' +
        '<path d="M1.5 2.5h60.1v50.2h-60.1z" fill="url(#g)"/>',
    );
    const grid = toIntegerGrid(svg, 1);
    expect(grid.factor).toBe(10);
    expect(grid.svg).toContain('x1="15" y1="25" x2="605" y2="35"');
    expect(pixels(grid.svg).equals(pixels(svg))).toBe(true);
  });
});

describe('path data shorthands', () => {
  it('reads S and T (the optimiser writes s) as the curves they stand for', () => {
    expect(optimizePathData('M0 0C0 10 10 10 10 0S20-10 20 0', 0)).toBe(optimizePathData('M0 0C0 10 10 10 10 0C10-10 20-10 20 0', 0));
    expect(optimizePathData('M0 0Q5 10 10 0T20 0', 0)).toBe(optimizePathData('M0 0Q5 10 10 0Q15-10 20 0', 0));
    // After a line, S's first control point is the current point.
    expect(optimizePathData('M0 0L10 0S20 10 20 0', 0)).toBe(optimizePathData('M0 0L10 0C10 0 20 10 20 0', 0));
  });

  it('multiplies coordinates by the grid factor before rounding', () => {
    expect(optimizePathData('M1.26 2.24L3.91 7.15', 0, 0, 0, 10)).toBe('m13 22 26 50');
  });
});
