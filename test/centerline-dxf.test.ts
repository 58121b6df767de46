/**
 * Centerlines as DXF, read back by an independent reader (dxf-parser): each stroke one open
 * entity (polylines for straight strokes, splines for curved ones), on the true centrelines.
 */
import * as dxfParser from 'dxf-parser';
import { describe, expect, it } from 'vitest';
import { traceCenterline } from '../src/centerline/index.js';
import { exportInProcess } from '../src/export/export.js';
import { DEFAULT_EXPORT } from '../src/pipeline/options.js';
import { grid, meanDistance, render, scribble } from './fixtures/line-art.js';
import { readDxf } from './helpers/render-back.js';

// dxf-parser's CommonJS export, as test/helpers/render-back.ts reads it.
type ParserClass = typeof dxfParser.DxfParser;
const DxfParser: ParserClass =
  (dxfParser as unknown as { DxfParser?: ParserClass }).DxfParser ?? (dxfParser as unknown as { default: ParserClass }).default;

interface Entity {
  type: string;
  layer?: string;
  vertices?: { x: number; y: number }[];
  shape?: boolean;
  closed?: boolean;
}

async function dxfOf(svg: string, width: number, height: number): Promise<{ text: string; entities: Entity[] }> {
  // Pixels at 96 dpi in px units: one DXF unit per source pixel, y up from the bottom edge.
  const file = await exportInProcess({ svg, width, height }, { ...DEFAULT_EXPORT, format: 'dxf' });
  const text = file.body.toString();
  const parsed = new DxfParser().parseSync(text) as unknown as { entities: Entity[] };
  return { text, entities: parsed.entities };
}

describe('centerline DXF read back by dxf-parser', () => {
  it('a grid: one open polyline per line, on the true centrelines', async () => {
    const art = render('grid', { width: 500, height: 500 }, [{ drawing: grid(500, 500, 6), colour: '#000' }], 4, '#fff');
    const trace = traceCenterline(art.image);
    const { entities } = await dxfOf(trace.svg, 500, 500);
    const lines = entities.filter((e) => e.type === 'LWPOLYLINE' || e.type === 'POLYLINE');
    expect(lines).toHaveLength(12);
    expect(lines.every((e) => !e.shape && !e.closed)).toBe(true);
    const vertices = lines.flatMap((e) => e.vertices!.map((v) => ({ x: v.x, y: 500 - v.y })));
    expect(meanDistance(vertices, art.truth.flat())).toBeLessThan(1);
  });

  it('scribbles: one open spline per curved stroke; drawn back at the stroke width they match the strokes', async () => {
    const art = render('scribble', { width: 600, height: 600 }, [{ drawing: scribble(1, 600, 600, 6), colour: '#000' }], 5, '#fff');
    const trace = traceCenterline(art.image);
    const { text, entities } = await dxfOf(trace.svg, 600, 600);
    const drawn = entities.filter((e) => ['LWPOLYLINE', 'POLYLINE', 'SPLINE'].includes(e.type));
    expect(drawn.length).toBeGreaterThanOrEqual(trace.facts.penLifts);
    expect(entities.filter((e) => e.type === 'SPLINE').length).toBeGreaterThan(0);
    // The read-back drawing, stroked at the measured width, against the strokes themselves.
    const back = readDxf(text, 600, 600, 'stroke', trace.facts.inks[0]!.width);
    const backPaths = [...back.svg.matchAll(/ d="([^"]+)"/g)].map((m) => m[1]!);
    const points = backPaths.flatMap((d) => [...d.matchAll(/(-?[\d.]+) (-?[\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) })));
    expect(points.length).toBeGreaterThan(50);
    expect(meanDistance(points, art.truth.flat())).toBeLessThan(1.5);
  });

  it('on a coloured sheet the cutter gets the inks\' strokes only: the sheet is no cut line', async () => {
    const art = render('inks', { width: 600, height: 400 }, [
      { drawing: scribble(3, 600, 400, 3), colour: '#ffffff' },
      { drawing: scribble(4, 600, 400, 3), colour: '#ffd400' },
    ], 4, '#123a7a');
    const trace = traceCenterline(art.image);
    expect(trace.svg).toMatch(/<rect id="background"[^>]*fill="#123a7a"/); // the SVG keeps the sheet
    const { entities } = await dxfOf(trace.svg, 600, 400);
    expect(entities.length).toBeGreaterThanOrEqual(trace.facts.penLifts);
    expect(entities.filter((e) => e.layer === 'COLOR_123A7A')).toEqual([]);
    expect(entities.every((e) => !e.shape && !e.closed)).toBe(true);
    expect(new Set(entities.map((e) => e.layer))).toEqual(new Set(trace.facts.inks.map((k) => `COLOR_${k.colour.slice(1).toUpperCase()}`)));
  });

  it('a filled drawing keeps its background rectangle as an outline', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><rect width="100" height="100" fill="#123a7a"/><path d="M20 20h50v50z" fill="#f00"/></svg>';
    const { entities } = await dxfOf(svg, 100, 100);
    expect(entities.map((e) => e.layer)).toEqual(['COLOR_123A7A', 'COLOR_FF0000']);
  });
});
