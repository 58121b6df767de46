/**
 * `svg-ai bench <corpus>`: SVG-AI (through its HTTP API, cold cache) beside vtracer, imagetracerjs
 * and potrace at their defaults, on the corpus's tier folders and on a transparent set rendered
 * from its SVG originals. Tables go to stdout, per-image progress to stderr.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Config } from '../config/config.js';
import { decodePng, loadTierImages, loadTransparentImages, warmUpPng, type BenchImage } from '../bench/corpus.js';
import { PEERS, runPeer, seamOf } from '../bench/peers.js';
import { startBenchService } from '../bench/service.js';
import {
  BENCH_ENGINES,
  BENCH_GROUPS,
  bytesVersus,
  median,
  summarise,
  type BenchEngine,
  type BenchGroup,
  type Measurement,
  type SummaryRow,
} from '../bench/stats.js';
import { fmtKb, fmtMs, fmtRatio, fmtSsim, markdownTable, type Align } from '../bench/table.js';
import { TIER_TARGETS } from '../tiers/thresholds.js';
import { countPrimitives, type PrimitiveCount } from '../shapes/count.js';

export interface BenchOptions {
  json?: string;
  limit?: number;
  /** Only these groups (tier1, tier2, tier3, transparent); all when unset. */
  groups?: readonly string[];
}

const progress = (line: string) => process.stderr.write(`${line}\n`);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function base(image: BenchImage, engine: BenchEngine) {
  return { group: image.group, file: image.file, engine, folderTier: image.folderTier, target: TIER_TARGETS[image.folderTier].ssim };
}

function failed(image: BenchImage, engine: BenchEngine, err: unknown): Measurement {
  return { ...base(image, engine), ssim: null, ms: null, bytes: null, tier: image.folderTier, targetMet: false, error: errorText(err) };
}

function progressLine(m: Measurement, index: number, count: number): string {
  const head = `${m.engine.padEnd(23)} ${m.group.padEnd(11)} ${String(index + 1).padStart(2)}/${count} ${m.file.padEnd(30)}`;
  if (m.error !== undefined) return `${head} FAILED: ${m.error}`;
  const extra = m.engine === 'svg-ai' ? `  tier ${m.tier} ${m.tracer}${m.primitives ? `  primitives ${primitiveText(m.primitives)}` : ''}` : '';
  const seam = m.seam === undefined || m.seam === null ? '' : `  seam ${m.seam.toFixed(3)}`;
  return `${head} ssim ${fmtSsim(m.ssim)}${m.targetMet ? '' : ' (miss)'}  ${fmtMs(m.ms)} ms  ${fmtKb(m.bytes! / 1024)} KB${seam}${extra}`;
}

async function runService(config: Config, images: readonly BenchImage[]): Promise<Measurement[]> {
  const service = await startBenchService(config);
  const out: Measurement[] = [];
  try {
    await service.convert(await warmUpPng());
    for (const [i, image] of images.entries()) {
      let m: Measurement;
      try {
        const r = await service.convert(image.png);
        const target = TIER_TARGETS[image.folderTier].ssim;
        const seam = seamOf(await decodePng(image.png), r.svg);
        m = {
          ...base(image, 'svg-ai'),
          ssim: r.ssim,
          ms: r.ms,
          bytes: r.bytes,
          tier: r.tier,
          targetMet: r.ssim >= target,
          serviceTargetMet: r.targetMet,
          tracer: r.engine,
          seam,
          primitives: countPrimitives(r.svg),
        };
      } catch (err) {
        m = failed(image, 'svg-ai', err);
      }
      out.push(m);
      progress(progressLine(m, i, images.length));
    }
  } finally {
    await service.shutdown();
  }
  return out;
}

async function runPeers(images: readonly BenchImage[]): Promise<Measurement[]> {
  // Warm-up (not counted): potrace's package loads lazily on first use.
  const warm = await decodePng(await warmUpPng());
  for (const peer of PEERS) await runPeer(peer, warm);
  const out: Measurement[] = [];
  for (const [i, image] of images.entries()) {
    const source = await decodePng(image.png);
    for (const peer of PEERS) {
      let m: Measurement;
      try {
        const r = await runPeer(peer, source);
        const b = base(image, peer.engine);
        m = { ...b, ...r, tier: image.folderTier, targetMet: r.ssim >= b.target };
      } catch (err) {
        m = failed(image, peer.engine, err);
      }
      out.push(m);
      progress(progressLine(m, i, images.length));
    }
  }
  return out;
}

const SUMMARY_HEADER = ['engine', 'images', 'target met', 'SSIM median', 'SSIM min', 'ms median', 'ms p95', 'KB median', 'KB total', 'seam median', 'seam max', 'tier agreement'];
const SUMMARY_ALIGN: Align[] = ['left', ...Array<Align>(11).fill('right')];

export function summaryTable(rows: readonly SummaryRow[]): string {
  return markdownTable(
    SUMMARY_HEADER,
    rows.map((r) => [
      r.engine,
      String(r.images) + (r.failed > 0 ? ` (${r.failed} failed)` : ''),
      fmtRatio(r.met, r.images),
      fmtSsim(r.ssimMedian),
      fmtSsim(r.ssimMin),
      fmtMs(r.msMedian),
      fmtMs(r.msP95),
      fmtKb(r.kbMedian),
      fmtKb(r.kbTotal),
      fmtSeam(r.seamMedian),
      fmtSeam(r.seamMax),
      r.tierAgreement === undefined ? '' : fmtRatio(r.tierAgreement, r.images),
    ]),
    SUMMARY_ALIGN,
  );
}

const fmtSeam = (v: number | null) => (v === null ? '–' : v.toFixed(3));

/** Seam scores above which an image is listed among the worst. */
const SEAM_LISTED = 0.05;
/** At most this many images in the worst-seams listing. */
const SEAM_LIST_MAX = 15;

/**
 * The images with the worst svg-ai seam scores (above SEAM_LISTED, worst first), each with every
 * engine's score beside it and where svg-ai's worst line is; null when none is above.
 */
export function worstSeamsTable(measurements: readonly Measurement[]): string | null {
  const ours = measurements
    .filter((m) => m.engine === 'svg-ai' && m.seam !== undefined && m.seam !== null && m.seam > SEAM_LISTED)
    .sort((a, b) => b.seam! - a.seam!)
    .slice(0, SEAM_LIST_MAX);
  if (ours.length === 0) return null;
  const rows = ours.map((m) => [
    m.group,
    m.file,
    ...BENCH_ENGINES.map((e) => {
      const other = measurements.find((o) => o.engine === e && o.group === m.group && o.file === m.file);
      return other?.seam === undefined || other.seam === null ? '' : other.seam.toFixed(3);
    }),
  ]);
  return markdownTable(['group', 'image', ...BENCH_ENGINES], rows, ['left', 'left', 'right', 'right', 'right', 'right']);
}

const primitiveTotal = (n: PrimitiveCount) => n.circle + n.ellipse + n.rect;

/** "3 (2 circle, 1 rect)", or "0". */
function primitiveText(n: PrimitiveCount): string {
  const kinds = (['circle', 'ellipse', 'rect'] as const).filter((k) => n[k] > 0).map((k) => `${n[k]} ${k}`);
  return kinds.length === 0 ? '0' : `${primitiveTotal(n)} (${kinds.join(', ')})`;
}

/**
 * svg-ai image by image in one group: SSIM, bytes and the fitted primitives (<circle>, <ellipse>,
 * <rect>, not counting a full-canvas background rect) in the SVG returned, with the group's totals.
 */
export function perImageTable(measurements: readonly Measurement[], group: BenchGroup): string | null {
  const ours = measurements.filter((m) => m.engine === 'svg-ai' && m.group === group);
  if (ours.length === 0) return null;
  const sum = { circle: 0, ellipse: 0, rect: 0 };
  let bytes = 0;
  const rows = ours.map((m) => {
    const n = m.primitives ?? { circle: 0, ellipse: 0, rect: 0 };
    for (const k of ['circle', 'ellipse', 'rect'] as const) sum[k] += n[k];
    bytes += m.bytes ?? 0;
    if (m.error !== undefined) return [m.file, 'error', '', '', '', '', '', ''];
    return [m.file, fmtSsim(m.ssim), String(m.bytes), m.tracer ?? '', String(primitiveTotal(n)), String(n.circle), String(n.ellipse), String(n.rect)];
  });
  rows.push([
    `total (${ours.length}) / median`,
    fmtSsim(median(ours.flatMap((m) => (m.ssim === null ? [] : [m.ssim])))),
    `${bytes} (${fmtKb(bytes / 1024)} KB)`,
    '',
    String(primitiveTotal(sum)),
    String(sum.circle),
    String(sum.ellipse),
    String(sum.rect),
  ]);
  return markdownTable(
    ['image', 'SSIM', 'bytes', 'engine', 'primitives', 'circle', 'ellipse', 'rect'],
    rows,
    ['left', 'right', 'right', 'left', 'right', 'right', 'right', 'right'],
  );
}

/** One row per image where any engine missed its target; a cell shows the SSIM of a miss, "ok" otherwise. */
export function missesTable(measurements: readonly Measurement[]): string | null {
  const byImage = new Map<string, Map<BenchEngine, Measurement>>();
  for (const m of measurements) {
    const key = `${m.group}\u0000${m.file}`;
    if (!byImage.has(key)) byImage.set(key, new Map());
    byImage.get(key)!.set(m.engine, m);
  }
  const rows: string[][] = [];
  for (const cells of byImage.values()) {
    const any = [...cells.values()];
    if (any.every((m) => m.targetMet)) continue;
    const first = any[0]!;
    rows.push([
      first.group,
      first.file,
      first.target.toFixed(2),
      ...BENCH_ENGINES.map((e) => {
        const m = cells.get(e);
        if (!m) return '';
        if (m.error !== undefined) return 'error';
        return m.targetMet ? 'ok' : fmtSsim(m.ssim);
      }),
    ]);
  }
  if (rows.length === 0) return null;
  return markdownTable(['group', 'image', 'target', ...BENCH_ENGINES], rows, ['left', 'left', 'right', 'right', 'right', 'right', 'right']);
}

function groupHeading(group: BenchGroup, images: number): string {
  if (group === 'transparent') return `## transparent (${images} SVG originals rendered without background; target = raster twin's tier)`;
  const tier = Number(group.slice(4)) as 1 | 2 | 3;
  return `## ${group} (${images} images, target SSIM ${TIER_TARGETS[tier].ssim.toFixed(2)})`;
}

export async function benchCommand(config: Config, corpus: string, opts: BenchOptions = {}): Promise<void> {
  if (!existsSync(corpus)) {
    console.log(`bench skipped: corpus folder ${corpus} not found (expected tier1/, tier2/, tier3/ and svg/ inside it).`);
    return;
  }
  const limit = opts.limit ?? Infinity;
  if (!(limit >= 1)) throw new Error(`Expected --limit to be a positive number but received ${opts.limit}`);

  const wanted = opts.groups && opts.groups.length > 0 ? new Set(opts.groups) : undefined;
  for (const g of wanted ?? []) {
    if (!(BENCH_GROUPS as readonly string[]).includes(g)) throw new Error(`Expected --group to name ${BENCH_GROUPS.join(', ')} but received ${g}`);
  }
  const tierImages = (await loadTierImages(corpus, limit)).filter((i) => !wanted || wanted.has(i.group));
  const { images: transparent, skipped } = !wanted || wanted.has('transparent') ? await loadTransparentImages(corpus, limit) : { images: [], skipped: [] };
  const images = [...tierImages, ...transparent];
  if (images.length === 0) {
    console.log(`bench skipped: no PNGs in ${corpus}/tier1, tier2 or tier3.`);
    return;
  }
  for (const file of skipped) progress(`transparent: skipped svg/${file} (no raster twin in tier1/2/3)`);

  const started = Date.now();
  const measurements = [...(await runService(config, images)), ...(await runPeers(images))];

  const groups = BENCH_GROUPS.filter((g) => images.some((i) => i.group === g));
  const summary = groups.flatMap((g) => summarise(g, measurements));
  const out: string[] = [
    `# SVG-AI benchmark: ${corpus}`,
    '',
    'svg-ai: HTTP API (POST /api/convert), fresh server and cold cache, one request at a time; ms = client-side request time.',
    'Peers: in process at their defaults, no optimisation; ms = trace time only. SSIM = our scorer (lower of white/black for transparent sources);',
    "target met = SSIM >= the folder tier's target for every engine. KB = 1024 bytes.",
  ];
  for (const g of groups) {
    out.push('', groupHeading(g, images.filter((i) => i.group === g).length), '', summaryTable(summary.filter((r) => r.group === g)));
    const perImage = perImageTable(measurements, g);
    if (perImage) out.push('', 'svg-ai per image (primitives: fitted <circle>, <ellipse> and <rect> in the SVG returned):', '', perImage);
  }

  out.push('', '## Summary', '');
  out.push(
    markdownTable(
      ['group', 'svg-ai target met', 'svg-ai tier agreement', 'svg-ai bytes as % of vtracer'],
      groups.map((g) => {
        const ours = summary.find((r) => r.group === g && r.engine === 'svg-ai');
        const vs = bytesVersus(g, measurements);
        return [
          g,
          ours ? fmtRatio(ours.met, ours.images) : '',
          ours?.tierAgreement === undefined ? '' : fmtRatio(ours.tierAgreement, ours!.images),
          vs ? `${vs.percent.toFixed(1)} %` : '–',
        ];
      }),
      ['left', 'right', 'right', 'right'],
    ),
  );
  const disagree = measurements.filter((m) => m.serviceTargetMet !== undefined && m.serviceTargetMet !== m.targetMet);
  if (disagree.length > 0) {
    out.push(
      '',
      `svg-ai's own targetMet (against the tier it chose) differs from the folder-tier verdict on ${disagree.length} image(s): ` +
        disagree.map((m) => `${m.group}/${m.file} (chose tier ${m.tier}, ssim ${fmtSsim(m.ssim)})`).join(', ') + '.',
    );
  }

  out.push('', `### Worst seam scores (svg-ai above ${SEAM_LISTED}, worst first; every engine's score on that image)`, '');
  out.push(worstSeamsTable(measurements) ?? `None: every svg-ai result scores ${SEAM_LISTED} or less.`);

  out.push('', '### Missed targets (SSIM shown where the target was missed)', '');
  out.push(missesTable(measurements) ?? 'None: every engine met every target.');
  const errors = measurements.filter((m) => m.error !== undefined);
  if (errors.length > 0) {
    out.push('', '### Failures', '', ...errors.map((m) => `- ${m.group}/${m.file}, ${m.engine}: ${m.error}`));
  }
  out.push('', `Took ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  console.log(out.join('\n'));

  if (opts.json) {
    const report = {
      corpus,
      generatedAt: new Date().toISOString(),
      limit: opts.limit ?? null,
      measurements,
      summary,
      bytesVsVtracer: Object.fromEntries(groups.map((g) => [g, bytesVersus(g, measurements)])),
    };
    await writeFile(opts.json, JSON.stringify(report, null, 2) + '\n');
    progress(`wrote ${opts.json}`);
  }
}
