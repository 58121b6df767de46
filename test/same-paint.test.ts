/**
 * Paths of one paint joined into one path (src/occlusion/same-paint.ts): only within the window
 * paint order allows (never past a later path that covers one of its pixels), colours joined only
 * when close, gradients only when the same, and the drawing renders as it did.
 */
import { describe, expect, it } from 'vitest';
import { groupSamePaint } from '../src/occlusion/same-paint.js';
import { ownerMap, parsePaths } from '../src/gradients/regions.js';
import { renderSvg } from '../src/quality/rasterize.js';

const W = 60;
const H = 40;

function svgOf(paths: readonly string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${paths.join('')}</svg>`;
}

function rect(x: number, y: number, w: number, h: number, fill: string): string {
  return `<path d="M${x} ${y}h${w}v${h}h${-w}z" fill="${fill}"/>`;
}

/** The drawing after grouping, written as fill.ts writes it (each original place, its new paths). */
function grouped(tags: string[]): { svg: string; drawn: string[] } {
  const svg = svgOf(tags);
  const paths = parsePaths(svg.replace(/url\(#\w+\)/g, '#000'))!;
  const { owner, next } = ownerMap(paths, W, H);
  const out = groupSamePaint({ drawn: tags, paths, owner, next, precision: 1 });
  const written = out.slots.flatMap((slot) => slot.map((k) => out.drawn[k]!));
  return { svg: svgOf(written), drawn: written };
}

async function maxDifference(a: string, b: string): Promise<number> {
  const ra = await renderSvg(a, W, H);
  const rb = await renderSvg(b, W, H);
  let max = 0;
  for (let i = 0; i < ra.premultiplied.length; i++) max = Math.max(max, Math.abs(ra.premultiplied[i]! - rb.premultiplied[i]!));
  return max;
}

describe('paths of one paint', () => {
  it('joins disjoint paths of one colour across a path that covers neither, and renders the same', async () => {
    const tags = [rect(2, 2, 10, 10, '#336699'), rect(20, 2, 10, 10, '#cc8844'), rect(40, 2, 10, 10, '#336699')];
    const { svg, drawn } = grouped(tags);
    expect(drawn).toHaveLength(2);
    expect(drawn.filter((t) => t.includes('#336699') || t.includes('#369'))).toHaveLength(1);
    expect(await maxDifference(svgOf(tags), svg)).toBe(0);
  });

  it('never draws a path past a later one that covers its pixels', async () => {
    // The orange square covers part of the first blue one: that one must stay under it.
    const tags = [rect(2, 2, 20, 20, '#336699'), rect(10, 10, 20, 20, '#cc8844'), rect(40, 2, 10, 10, '#336699')];
    const { svg, drawn } = grouped(tags);
    expect(drawn).toHaveLength(3);
    expect(await maxDifference(svgOf(tags), svg)).toBe(0);
  });

  it('joins a path with a later one of its paint where the window allows, before what covers it', async () => {
    // Blue A, blue B elsewhere, then orange over A: A and B join, drawn before the orange.
    const tags = [rect(2, 2, 20, 20, '#336699'), rect(40, 2, 10, 10, '#336699'), rect(10, 10, 20, 20, '#cc8844')];
    const { svg, drawn } = grouped(tags);
    expect(drawn).toHaveLength(2);
    expect(drawn[1]).toContain('#cc8844');
    expect(await maxDifference(svgOf(tags), svg)).toBe(0);
  });

  it('joins close colours at their pixel-weighted mean, specks more loosely, and keeps distant ones apart', () => {
    // Large regions: one level apart is one paint, at the mean weighted by area (900 vs 400 px).
    const close = grouped([rect(2, 2, 30, 30, '#404040'), rect(36, 2, 20, 20, '#414141')]).drawn;
    expect(close).toHaveLength(1);
    expect(close[0]).toContain('fill="#404040"');
    // Three levels apart: specks join, large regions do not.
    expect(grouped([rect(2, 2, 10, 10, '#404040'), rect(40, 2, 10, 10, '#434343')]).drawn).toHaveLength(1);
    expect(grouped([rect(2, 2, 30, 30, '#404040'), rect(36, 2, 20, 20, '#434343')]).drawn).toHaveLength(2);
    expect(grouped([rect(2, 2, 10, 10, '#404040'), rect(40, 2, 10, 10, '#606060')]).drawn).toHaveLength(2);
  });

  it('joins gradient fills only when they are the same definition', () => {
    const same = grouped([rect(2, 2, 10, 10, 'url(#g0)'), rect(40, 2, 10, 10, 'url(#g0)')]).drawn;
    expect(same).toHaveLength(1);
    const other = grouped([rect(2, 2, 10, 10, 'url(#g0)'), rect(40, 2, 10, 10, 'url(#g1)')]).drawn;
    expect(other).toHaveLength(2);
  });

  it('leaves translucent paths as they are', () => {
    const tags = [rect(2, 2, 10, 10, '#336699').replace('/>', ' fill-opacity=".5"/>'), rect(40, 2, 10, 10, '#336699').replace('/>', ' fill-opacity=".5"/>')];
    const svg = svgOf(tags);
    const paths = parsePaths(svg.replace(/\sfill-opacity="[^"]*"/g, ''))!;
    const { owner, next } = ownerMap(paths, W, H);
    expect(groupSamePaint({ drawn: tags, paths, owner, next, precision: 1 }).drawn).toEqual(tags);
  });

  it('reads no path as covering itself where two of its rings meet on a pixel centre', () => {
    // Two rings of one path meet at x = 2.5: both spans end on pixel 2. Nothing covers the path.
    const svg = svgOf(['<path d="M0 0H2.5V3H0zM2.5 0H5V3H2.5z" fill="#336699"/>']);
    const { next } = ownerMap(parsePaths(svg)!, W, H);
    expect(next[0]).toBe(1);
  });

  it('leaves a path that draws nothing where it is, and joins the others of its paint', async () => {
    // Data of moves only: no ring to sort the group by or to join (sorting one threw, HTTP 500).
    const tags = [rect(2, 2, 10, 10, '#336699'), '<path d="M30 30" fill="#336699"/>', rect(20, 2, 10, 10, '#cc8844'), rect(40, 2, 10, 10, '#336699')];
    const { svg, drawn } = grouped(tags);
    expect(drawn).toHaveLength(3);
    expect(drawn).toContain('<path d="M30 30" fill="#336699"/>');
    expect(await maxDifference(svgOf(tags), svg)).toBe(0);
  });
});
