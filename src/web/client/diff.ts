/**
 * The difference view: the source and the rendered SVG drawn on canvases at the source's size,
 * compared pixel by pixel over white and over black (so transparency counts), and shown as a heat
 * map over a faded copy of the source.
 */

export interface DiffSummary {
  /** Share of pixels whose largest channel difference is over 10 % (26 of 255). */
  over10: number;
  /** Mean of the largest channel difference, 0-1. */
  mean: number;
}

function pixels(img: HTMLImageElement, width: number, height: number): Uint8ClampedArray {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(img, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

/** Blue (small) through yellow to red (large); alpha grows with the difference. */
function heat(v: number): [number, number, number] {
  if (v < 0.5) return [Math.round(510 * v), Math.round(255 * (0.4 + 1.2 * v)), Math.round(255 * (1 - 2 * v))];
  return [255, Math.round(255 * (2 - 2 * v)), 0];
}

export function renderDiff(source: HTMLImageElement, svg: HTMLImageElement, canvas: HTMLCanvasElement): DiffSummary {
  const width = source.naturalWidth;
  const height = source.naturalHeight;
  const a = pixels(source, width, height);
  const b = pixels(svg, width, height);
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(width, height);
  const o = out.data;
  let over = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    const aa = a[i + 3]! / 255;
    const ba = b[i + 3]! / 255;
    let d = 0;
    let grey = 0;
    for (let c = 0; c < 3; c++) {
      // Over black the colour is premultiplied; over white the background shows where alpha is low.
      const overBlack = Math.abs(a[i + c]! * aa - b[i + c]! * ba);
      const overWhite = Math.abs(a[i + c]! * aa + 255 * (1 - aa) - (b[i + c]! * ba + 255 * (1 - ba)));
      d = Math.max(d, overBlack, overWhite);
      grey += a[i + c]! * aa + 255 * (1 - aa);
    }
    const v = d / 255;
    sum += v;
    if (d > 26) over++;
    const base = 40 + (grey / 3) * 0.3;
    const [r, g, bl] = heat(Math.min(1, v * 2.5));
    const w = v < 0.02 ? 0 : Math.min(1, 0.35 + v * 2);
    o[i] = base * (1 - w) + r * w;
    o[i + 1] = base * (1 - w) + g * w;
    o[i + 2] = base * (1 - w) + bl * w;
    // Transparent in both: leave it transparent, so the checkerboard shows through as in the source.
    o[i + 3] = a[i + 3] === 0 && b[i + 3] === 0 ? 0 : 255;
  }
  ctx.putImageData(out, 0, 0);
  const n = a.length / 4;
  return { over10: over / n, mean: sum / n };
}

/**
 * The same SVG with every shape drawn as a thin outline and nothing filled. Presentation
 * attributes, not a <style> element: an SVG shown from a blob: URL inherits the page's CSP.
 */
export function outlineSvg(svg: string): string {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  for (const shape of doc.querySelectorAll(SHAPES)) {
    shape.removeAttribute('style');
    shape.setAttribute('fill', 'none');
    shape.setAttribute('stroke', '#c2185b');
    shape.setAttribute('stroke-width', '1');
    shape.setAttribute('stroke-opacity', '0.85');
    shape.setAttribute('vector-effect', 'non-scaling-stroke');
  }
  return new XMLSerializer().serializeToString(doc);
}

const SHAPES = 'path, circle, ellipse, rect, polygon, polyline, line';

/** Drawn elements in the SVG: paths and the primitives fitted shapes are written as. */
export function countShapes(svg: string): number {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return doc.querySelectorAll(SHAPES).length;
}
