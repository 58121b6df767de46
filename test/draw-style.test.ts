/**
 * draw_style=stroke: every outline a stroke of stroke_width in its shape's colour, nothing filled,
 * and the SSIM returned is the one of that stroked SVG (re-measured here on the returned text).
 */
import { describe, expect, it } from 'vitest';
import { tierDeadlines } from '../src/config/config.js';
import { exportResult } from '../src/export/export-pool.js';
import { readSvg } from '../src/export/svg-document.js';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { DEFAULT_EXPORT, parseOptions } from '../src/pipeline/options.js';
import { toOutlines } from '../src/pipeline/stroke-style.js';
import { decodeImage } from '../src/pipeline/decode.js';
import { probeImage } from '../src/pipeline/probe.js';
import { scoreSvg } from '../src/pipeline/evaluate.js';
import { readDxf } from './helpers/render-back.js';
import { smallLogo, testConfig } from './helpers/service.js';

const config = testConfig();
const convert = async (input: Buffer, raw: Record<string, string>) => convertImage(input, parseOptions(raw), limitsFromConfig(config), tierDeadlines(config));

describe('draw_style=stroke', () => {
  it('moves each paint from fill to a round-joined stroke', () => {
    expect(toOutlines('<svg><rect width="9" height="9" fill="#fff"/><path d="M1 1h3" fill="#f00" stroke="#f00" stroke-width="2"/></svg>', 1.5)).toBe(
      '<svg><rect width="9" height="9" fill="none" stroke="#fff" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>' +
        '<path d="M1 1h3" fill="none" stroke="#f00" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/></svg>',
    );
  });

  it('returns only strokes of the asked width (in source pixels), scored honestly', async () => {
    const input = await smallLogo(160, '#aa2200');
    const filled = await convert(input, { tier: '1' });
    const stroked = await convert(input, { tier: '1', draw_style: 'stroke', stroke_width: '3' });
    const doc = readSvg(stroked.svg);
    expect(doc.shapes.length).toBeGreaterThan(0);
    for (const shape of doc.shapes) {
      expect(shape.fill).toBeNull();
      expect(shape.stroke).not.toBeNull();
      // Drawing units are trace pixels: scale back to source pixels.
      expect((shape.strokeWidth * stroked.width) / doc.viewBox.width).toBeCloseTo(3, 1);
    }
    // Outlines do not look like the filled logo, and the number says so.
    expect(stroked.ssim).toBeLessThan(filled.ssim);
    const probe = await probeImage(input, 'png');
    const source = await decodeImage(input, probe, limitsFromConfig(config));
    expect(Math.floor((await scoreSvg(source, stroked.svg)) * 10000) / 10000).toBe(stroked.ssim);
  });

  it('reaches the DXF as open and closed outlines a cutter reads', async () => {
    const stroked = await convert(await smallLogo(120, '#0044aa'), { tier: '1', draw_style: 'stroke' });
    const file = await exportResult(stroked, { ...DEFAULT_EXPORT, format: 'dxf', unit: 'mm' });
    const back = readDxf(file.body.toString(), 1, 1, 'stroke');
    const outlines = readSvg(stroked.svg).shapes.reduce((n, s) => n + s.subpaths.length, 0);
    expect((back.counts.SPLINE ?? 0) + (back.counts.LWPOLYLINE ?? 0)).toBe(outlines);
  });
});
