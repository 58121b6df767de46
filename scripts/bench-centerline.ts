/**
 * Centerline bench on line art with exact ground truth (Hershey lettering, Bézier scribbles, a grid,
 * a spiral, several inks) and on the tier-1 corpus images: SSIM of the strokes at their measured
 * width, mean distance of the traced centrelines to the true ones, width error, strokes, pen-up
 * travel in the order found, greedy and after 2-opt/Or-opt, time, and beside it the outline trace
 * (the normal pipeline) of the same image, with the strokes' bytes as a share of its bytes.
 *
 *   npm run bench:centerline [-- --out DIR] [--runs N] [--no-outline]
 *
 * --out writes each source PNG and both SVGs, for ../shared/tools/side-by-side.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { traceCenterline } from '../src/centerline/index.js';
import { assertStrokesFit } from '../src/centerline/line-art.js';
import { samplePath } from '../src/centerline/fit.js';
import { loadConfig, tierDeadlines } from '../src/config/config.js';
import { AppError } from '../src/errors/app-error.js';
import { convertImage } from '../src/pipeline/convert.js';
import { limitsFromConfig } from '../src/pipeline/limits.js';
import { DEFAULT_OPTIONS } from '../src/pipeline/options.js';
import { renderSvg } from '../src/quality/rasterize.js';
import { measureSsim } from '../src/quality/ssim.js';
import { assertSafeSvg } from '../src/quality/svg-allowlist.js';
import type { RgbaImage } from '../src/engines/engine.js';
import { grid, hasHershey, junctions, lettering, meanDistance, render, scribble, spiral, type LineArt } from '../test/fixtures/line-art.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const outDir = flag('--out');
const runs = Number(flag('--runs') ?? 5);
const outline = !args.includes('--no-outline');
if (outDir) mkdirSync(outDir, { recursive: true });

function cases(): LineArt[] {
  const out: LineArt[] = [];
  if (hasHershey()) {
    out.push(render('letter-E', { width: 160, height: 200 }, [{ drawing: lettering('E', 'futural', 40, 100, 6), colour: '#000' }], 5, '#fff'));
    out.push(render('futural-text', { width: 900, height: 160 }, [{ drawing: lettering('Centerline 0123', 'futural', 20, 80, 2.5), colour: '#000' }], 3, '#fff'));
    out.push(render('script-handwriting', { width: 900, height: 200 }, [{ drawing: lettering('Handwriting', 'scripts', 20, 100, 3), colour: '#1a237e' }], 3, '#fffdf5'));
    out.push(render('gothic-thin', { width: 700, height: 160 }, [{ drawing: lettering('Plotter', 'timesr', 20, 80, 3), colour: '#000' }], 2, '#fff'));
  } else {
    console.log('skipping Hershey lettering: install the Debian package hershey-fonts-data');
  }
  out.push(render('scribble-1', { width: 600, height: 600 }, [{ drawing: scribble(1, 600, 600, 6), colour: '#000' }], 5, '#fff'));
  out.push(render('scribble-2', { width: 600, height: 400 }, [{ drawing: scribble(7, 600, 400, 4), colour: '#333' }], 3, '#fff'));
  out.push(render('grid-6x6', { width: 500, height: 500 }, [{ drawing: grid(500, 500, 6), colour: '#000' }], 4, '#fff'));
  out.push(render('spiral', { width: 500, height: 500 }, [{ drawing: spiral(250, 250, 6, 18), colour: '#000' }], 4, '#fff'));
  out.push(render('junctions', { width: 460, height: 200 }, [{ drawing: junctions().drawing, colour: '#000' }], 6, '#fff'));
  out.push(
    render('two-inks-on-blue', { width: 600, height: 400 }, [
      { drawing: scribble(3, 600, 400, 3), colour: '#ffffff' },
      { drawing: scribble(4, 600, 400, 3), colour: '#ffd400' },
    ], 4, '#123a7a'),
  );
  out.push(
    render('drawing-1MP', { width: 1000, height: 1000 }, [
      { drawing: scribble(11, 1000, 1000, 14), colour: '#000' },
      ...(hasHershey() ? [{ drawing: lettering('Sketch 42', 'futural', 60, 900, 5), colour: '#000' }] : []),
    ], 4, '#fff'),
  );
  return out;
}

const ssimOf = (image: RgbaImage, svg: string) =>
  measureSsim({ ...image, hasTransparency: false }, renderSvg(svg, image.width, image.height));

const png = (image: RgbaImage) => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } }).png().toBuffer();

const config = loadConfig();
const limits = limitsFromConfig(config);
const deadlines = tierDeadlines(config);

async function outlineTrace(bytes: Uint8Array): Promise<{ bytes: number; ssim: number } | undefined> {
  if (!outline) return undefined;
  const r = await convertImage(bytes, DEFAULT_OPTIONS, limits, deadlines);
  return { bytes: r.bytes, ssim: r.ssim, svg: r.svg } as { bytes: number; ssim: number };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const p95 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.ceil(v.length * 0.95) - 1)]!;

/** Wall and CPU time per run after one warm-up run (the service's threads are warm); CPU time shows the work when the machine is shared. */
function timed(image: RgbaImage): { ms: number[]; cpu: number[]; trace: ReturnType<typeof traceCenterline> } {
  const ms: number[] = [];
  const cpu: number[] = [];
  let trace = traceCenterline(image);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const u = process.cpuUsage();
    trace = traceCenterline(image);
    const used = process.cpuUsage(u);
    ms.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  return { ms, cpu, trace };
}

const rows: string[][] = [];
const header = ['image', 'size', 'SSIM', 'dist px', 'width err', 'strokes', 'lifts', 'travel before', 'greedy', 'after', 'ms med', 'ms p95', 'cpu ms med', 'pipeline ms', 'KB', 'outline KB', 'of outline', 'outline SSIM'];

for (const c of cases()) {
  const { ms, cpu, trace } = timed(c.image);
  assertSafeSvg(trace.svg);
  const samples = trace.inks.flatMap((k) => k.strokes.flatMap((s) => samplePath(s.path)));
  const truth = c.truth.flat();
  // Both ways: traced lines that lie off the truth, and true lines the trace missed.
  const dist = (meanDistance(samples, truth) + meanDistance(truth, samples)) / 2;
  const widths = trace.inks.flatMap((k) => k.strokes.map((s) => s.width));
  const widthErr = Math.abs(median(widths) - c.width) / c.width;
  const bytes = await png(c.image);
  // The whole conversion as the service runs it (decode, classify, trace, score), in this process.
  const service = await convertImage(bytes, { ...DEFAULT_OPTIONS, drawStyle: 'centerline' }, limits, deadlines);
  const other = (await outlineTrace(bytes)) as ({ bytes: number; ssim: number; svg?: string } | undefined);
  if (outDir) {
    writeFileSync(join(outDir, `${c.name}.png`), bytes);
    writeFileSync(join(outDir, `${c.name}.centerline.svg`), trace.svg);
    if (other?.svg) writeFileSync(join(outDir, `${c.name}.outline.svg`), other.svg);
  }
  rows.push([
    c.name,
    `${c.image.width}x${c.image.height}`,
    ssimOf(c.image, trace.svg).toFixed(4),
    dist.toFixed(2),
    `${(widthErr * 100).toFixed(1)} %`,
    String(trace.facts.strokes),
    String(trace.facts.penLifts),
    String(trace.facts.penUpTravel.before),
    String(trace.greedyTravel),
    String(trace.facts.penUpTravel.after),
    median(ms).toFixed(0),
    p95(ms).toFixed(0),
    median(cpu).toFixed(0),
    String(service.durationMs),
    (Buffer.byteLength(trace.svg) / 1024).toFixed(1),
    other ? (other.bytes / 1024).toFixed(1) : '-',
    other ? `${Math.round((100 * Buffer.byteLength(trace.svg)) / other.bytes)} %` : '-',
    other ? other.ssim.toFixed(4) : '-',
  ]);
}

// The tier-1 corpus: logos and icons are mostly filled shapes, so many are refused as not line art.
const corpus = '../shared/corpus/tier1';
const corpusRows: string[][] = [];
if (existsSync(corpus)) {
  for (const file of readdirSync(corpus).filter((f) => f.endsWith('.png')).sort()) {
    const bytes = readFileSync(join(corpus, file));
    const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { width: info.width, height: info.height, data: new Uint8Array(data) };
    const hasTransparency = image.data.some((v, i) => i % 4 === 3 && v < 255);
    const t = performance.now();
    try {
      const trace = traceCenterline(image);
      const ms = performance.now() - t;
      const ssim = measureSsim({ ...image, hasTransparency }, renderSvg(trace.svg, image.width, image.height));
      assertStrokesFit(ssim); // as the service does
      if (outDir) writeFileSync(join(outDir, `corpus-${file.replace(/\.png$/, '')}.centerline.svg`), trace.svg);
      corpusRows.push([file, ssim.toFixed(4), String(trace.facts.strokes), `${trace.facts.penUpTravel.before} -> ${trace.facts.penUpTravel.after}`, ms.toFixed(0), (Buffer.byteLength(trace.svg) / 1024).toFixed(1), '']);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      corpusRows.push([file, '-', '-', '-', (performance.now() - t).toFixed(0), '-', `${err.code}: ${err.message.replace(/^Centerline tracing needs line art \(lines on a plain background\), but /, '').replace(/; use draw_style=fill for this image\.$/, '').replace(/: its shapes are .*$/, '')}`]);
    }
  }
} else {
  console.log('skipping the tier-1 corpus: ../shared/corpus/tier1 is absent');
}

const table = (head: string[], body: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
console.log(`\nCenterline on synthetic line art (${runs} runs each after a warm-up; dist = mean distance to the true centrelines, both ways; width err = median stroke width vs the true one; travel = pen-up px from the origin, in the order found, in greedy nearest-end order and after 2-opt/Or-opt; outline = the normal fill trace of the same image)\n`);
console.log(table(header, rows));
if (corpusRows.length > 0) {
  console.log('\nCenterline on the tier-1 corpus\n');
  console.log(table(['image', 'SSIM', 'strokes', 'travel', 'ms', 'KB', 'refused'], corpusRows));
}
