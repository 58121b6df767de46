/** Renders an SVG back to pixels at an exact size, the way a browser would show it. */
import { Resvg } from '@resvg/resvg-js';
import { throwIfCancelled } from '../pipeline/cancellation.js';
import { collectGarbage } from './native-memory.js';

export interface RenderedSvg {
  width: number;
  height: number;
  /** Premultiplied RGBA, as resvg (tiny-skia) produces it. */
  premultiplied: Uint8Array;
}

export function renderSvg(svg: string, width: number, height: number): RenderedSvg {
  const rendered = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    font: { loadSystemFonts: false },
    logLevel: 'off',
  }).render();
  if (rendered.width !== width || rendered.height !== height) {
    // The SVG's aspect ratio differs from the source's: that is an engine bug, and scoring a
    // stretched render would hide it, so refuse to score instead.
    throw new Error(`SVG rendered at ${rendered.width}x${rendered.height}, expected ${width}x${height}`);
  }
  // `pixels` is already a copy out of resvg's pixmap: no second copy (160 MB at 40 megapixels).
  return { width, height, premultiplied: rendered.pixels };
}

/** Above this many pixels an SVG is rendered in bands of about BAND_PIXELS, never whole. */
const BANDED_FROM_PIXELS = 4_000_000;
const BAND_PIXELS = 1 << 20;
/** At most about 32 MB of dropped bands (resvg's pixmap and its copy, 8 MB a band) between collections: with 8, a 40 MP score peaked 42 MB higher. */
const BANDS_PER_COLLECTION = 4;

const NUMBER = String.raw`-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
const VIEWBOX = new RegExp(String.raw`\sviewBox="\s*(${NUMBER})[\s,]+(${NUMBER})[\s,]+(${NUMBER})[\s,]+(${NUMBER})\s*"`, 'i');

/**
 * Renders `svg` at width x height and hands over the pixels band by band (top to bottom), so a
 * 40-megapixel score holds one band (4 MB) instead of the whole render (resvg's pixmap plus its copy,
 * 320 MB). A band is the same document with its viewBox cut to the band's rows: the same scale and
 * an integer shift of the pixel grid, so it renders to the same pixels as that part of the whole.
 */
export async function renderSvgBands(svg: string, width: number, height: number, onBand: (band: RenderedSvg, y0: number) => void): Promise<void> {
  const root = /<svg\b[^>]*>/.exec(svg);
  const box = root ? VIEWBOX.exec(root[0]) : null;
  if (width * height <= BANDED_FROM_PIXELS || !root || !box) {
    onBand(renderSvg(svg, width, height), 0);
    return;
  }
  const [vx, vy, vw, vh] = box.slice(1, 5).map(Number) as [number, number, number, number];
  const perRow = vh / height;
  const rows = Math.max(1, Math.floor(BAND_PIXELS / width));
  const head = svg.slice(0, root.index);
  const tail = svg.slice(root.index + root[0].length);
  const attributes = root[0].replace(/\s(width|height|viewBox|preserveAspectRatio)="[^"]*"/gi, '').replace(/\s*\/?>$/, '');
  for (let y0 = 0; y0 < height; y0 += rows) {
    throwIfCancelled();
    const h = Math.min(rows, height - y0);
    const tag = `${attributes} width="${width}" height="${h}" viewBox="${vx} ${vy + y0 * perRow} ${vw} ${h * perRow}" preserveAspectRatio="none">`;
    onBand(renderSvg(head + tag + tail, width, h), y0);
    // A band's pixmap is freed only when V8 collects its wrapper (a small heap puts that off) and
    // the wrapper's finaliser runs, which needs a turn of the event loop.
    if ((y0 / rows) % BANDS_PER_COLLECTION === BANDS_PER_COLLECTION - 1) {
      collectGarbage();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
