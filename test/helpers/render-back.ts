/**
 * Exports read back by programs that did not write them: PDF rendered by poppler's pdftoppm, EPS
 * by Ghostscript, DXF parsed by dxf-parser (its entities drawn as the reader understands them:
 * B-splines evaluated from their knots, polylines from their vertices), PNG decoded by sharp.
 * Each comes back as pixels at an exact size, for SSIM against the source.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Resvg } from '@resvg/resvg-js';
import * as dxfParser from 'dxf-parser';
import sharp from 'sharp';
import type { RenderedSvg } from '../../src/quality/rasterize.js';
import { requirePrograms } from './programs.js';

const run = promisify(execFile);

// dxf-parser's CommonJS build exports the class itself, its ES build a named export: take either.
type ParserClass = typeof dxfParser.DxfParser;
const DxfParser: ParserClass =
  (dxfParser as unknown as { DxfParser?: ParserClass }).DxfParser ?? (dxfParser as unknown as { default: ParserClass }).default;

/**
 * Whether a program is installed. Absent: the suite skips, saying which Debian package brings it;
 * under CI=true (where .ci/run installs everything) absence is a failure instead.
 */
export function requireProgram(program: string, debianPackage: string): boolean {
  // The shared rule (test/helpers/programs.ts): one SKIP line naming the package, or a failure under CI.
  return !requirePrograms({ [program]: debianPackage }).missing;
}

async function pngToRendered(png: Buffer, width: number, height: number): Promise<RenderedSvg> {
  const { data, info } = await sharp(png).flatten({ background: '#ffffff' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) throw new Error(`rendered ${info.width}x${info.height}, expected ${width}x${height}`);
  return { width, height, premultiplied: new Uint8Array(data) };
}

function scratch(): { dir: string; done: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'svgai-readback-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The PDF's first page rendered by pdftoppm at exactly width x height pixels, over white. */
export async function renderPdf(pdf: Buffer, width: number, height: number): Promise<RenderedSvg> {
  const { dir, done } = scratch();
  try {
    writeFileSync(path.join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-png', '-singlefile', '-scale-to-x', String(width), '-scale-to-y', String(height), path.join(dir, 'in.pdf'), path.join(dir, 'out')]);
    return await pngToRendered(await sharp(path.join(dir, 'out.png')).toBuffer(), width, height);
  } finally {
    done();
  }
}

/**
 * The EPS rendered by Ghostscript over white at exactly width x height. Ghostscript anti-aliases
 * with at most 4 x 4 levels (GraphicsAlphaBits), much coarser than resvg's area coverage, which
 * shows on photos of thousands of tiny shapes; so the page is rendered at 4x (still anti-aliased:
 * without it Ghostscript's fill adjustment fattens every shape) and averaged down, as a printer at
 * four times the resolution would show it.
 */
export async function renderEps(eps: Buffer, width: number, height: number): Promise<RenderedSvg> {
  const { dir, done } = scratch();
  const k = 4;
  try {
    writeFileSync(path.join(dir, 'in.eps'), eps);
    await run('gs', [
      '-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-sDEVICE=png16m', `-r${72 * k}`, `-g${width * k}x${height * k}`, '-dEPSFitPage', '-dGraphicsAlphaBits=4',
      `-sOutputFile=${path.join(dir, 'out.png')}`, path.join(dir, 'in.eps'),
    ]);
    const averaged = await sharp(path.join(dir, 'out.png')).resize(width, height, { kernel: 'linear' }).png().toBuffer();
    return await pngToRendered(averaged, width, height);
  } finally {
    done();
  }
}

export interface DxfReadBack {
  /** Entities by type, as dxf-parser read them. */
  counts: Record<string, number>;
  /** Every entity colour (true colour) read. */
  colors: number[];
  /** The entities drawn: consecutive outlines of one colour filled together (nonzero), or stroked. */
  svg: string;
}

type Vec = { x: number; y: number };
interface Entity {
  type: string;
  color?: number;
  vertices?: Vec[];
  shape?: boolean;
  closed?: boolean;
  controlPoints?: Vec[];
  knotValues?: number[];
  degreeOfSplineCurve?: number;
}

/** A point of a B-spline at parameter t, by de Boor's algorithm (general: any degree, any knots). */
function deBoor(t: number, degree: number, points: Vec[], knots: number[]): Vec {
  let k = degree;
  while (k < points.length - 1 && t >= knots[k + 1]!) k++;
  const d = Array.from({ length: degree + 1 }, (_, j) => ({ ...points[j + k - degree]! }));
  for (let r = 1; r <= degree; r++) {
    for (let j = degree; j >= r; j--) {
      const i = j + k - degree;
      const denom = knots[i + degree - r + 1]! - knots[i]!;
      const a = denom === 0 ? 0 : (t - knots[i]!) / denom;
      d[j] = { x: (1 - a) * d[j - 1]!.x + a * d[j]!.x, y: (1 - a) * d[j - 1]!.y + a * d[j]!.y };
    }
  }
  return d[degree]!;
}

function splinePoints(e: Entity, perSpan = 12): Vec[] {
  const degree = e.degreeOfSplineCurve ?? 3;
  const knots = e.knotValues!;
  const pts = e.controlPoints!;
  const [t0, t1] = [knots[degree]!, knots[knots.length - degree - 1]!];
  const out: Vec[] = [];
  const spans = [...new Set(knots.slice(degree, knots.length - degree))];
  for (let s = 0; s + 1 < spans.length; s++) {
    for (let i = 0; i < perSpan; i++) out.push(deBoor(spans[s]! + ((spans[s + 1]! - spans[s]!) * i) / perSpan, degree, pts, knots));
  }
  out.push(deBoor(t1 - 1e-9 * (t1 - t0), degree, pts, knots));
  return out;
}

/**
 * Parses a DXF with dxf-parser and draws its entities into an SVG of the page (`pageWidth` x
 * `pageHeight` in the file's units, y up), for rendering at any pixel size.
 */
export function readDxf(text: string, pageWidth: number, pageHeight: number, mode: 'fill' | 'stroke', strokeWidth = 1): DxfReadBack {
  const parsed = new DxfParser().parseSync(text) as unknown as { entities: Entity[] };
  const counts: Record<string, number> = {};
  const runs: { color: number; d: string[] }[] = [];
  for (const e of parsed.entities) {
    counts[e.type] = (counts[e.type] ?? 0) + 1;
    let pts: Vec[] = [];
    let closed = false;
    if (e.type === 'LWPOLYLINE' || e.type === 'POLYLINE') {
      pts = e.vertices ?? [];
      closed = e.shape === true || e.closed === true;
    } else if (e.type === 'SPLINE') {
      pts = splinePoints(e);
    } else continue;
    if (pts.length < 2) continue;
    const d = `M${pts.map((p) => `${p.x.toFixed(3)} ${(pageHeight - p.y).toFixed(3)}`).join('L')}${closed ? 'Z' : ''}`;
    const color = e.color ?? 0;
    const last = runs[runs.length - 1];
    if (last && last.color === color) last.d.push(d);
    else runs.push({ color, d: [d] });
  }
  const hex = (c: number) => '#' + (c & 0xffffff).toString(16).padStart(6, '0');
  const body = runs
    .map((r) =>
      mode === 'fill'
        ? `<path d="${r.d.join('')}" fill="${hex(r.color)}"/>`
        : `<path d="${r.d.join('')}" fill="none" stroke="${hex(r.color)}" stroke-width="${strokeWidth}" stroke-linejoin="round" stroke-linecap="round"/>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${pageWidth}" height="${pageHeight}" viewBox="0 0 ${pageWidth} ${pageHeight}"><rect width="100%" height="100%" fill="#fff"/>${body}</svg>`;
  return { counts, colors: [...new Set(runs.map((r) => r.color))], svg };
}

/** An SVG (the DXF's drawing) rendered by resvg at exactly width x height. */
export function renderSvgAt(svg: string, width: number, height: number): RenderedSvg {
  const out = new Resvg(svg, { fitTo: { mode: 'width', value: width }, font: { loadSystemFonts: false }, logLevel: 'off' }).render();
  if (out.width !== width || out.height !== height) throw new Error(`rendered ${out.width}x${out.height}, expected ${width}x${height}`);
  return { width, height, premultiplied: new Uint8Array(out.pixels) };
}

/** A PNG decoded by sharp (exact size checked). */
export async function decodePng(png: Buffer, width: number, height: number): Promise<RenderedSvg> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) throw new Error(`PNG is ${info.width}x${info.height}, expected ${width}x${height}`);
  // sharp gives straight alpha; the SSIM code takes premultiplied.
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    out[i] = Math.round((data[i]! * a) / 255);
    out[i + 1] = Math.round((data[i + 1]! * a) / 255);
    out[i + 2] = Math.round((data[i + 2]! * a) / 255);
    out[i + 3] = a;
  }
  return { width, height, premultiplied: out };
}

export type ReadBackFormat = 'pdf' | 'eps' | 'dxf' | 'png';

export interface ReadBack {
  format: ReadBackFormat;
  /** SSIM against the source of the export as the independent program rendered it. */
  ssim: number;
  bytes: number;
  exportMs: number;
}

/** Which read-back programs are installed (each absence reported once, with its Debian package). */
export function readBackFormats(): ReadBackFormat[] {
  const formats: ReadBackFormat[] = ['dxf', 'png'];
  if (requireProgram('pdftoppm', 'poppler-utils')) formats.unshift('pdf');
  if (requireProgram('gs', 'ghostscript')) formats.splice(formats.indexOf('dxf'), 0, 'eps');
  return formats;
}
