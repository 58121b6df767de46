/** The benchmark corpus: tier folders of PNGs, plus the transparent set rendered from svg/. */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import sharp from 'sharp';
import { asDecoded, type DecodedImage } from '../pipeline/decode.js';
import type { BenchGroup } from './stats.js';

export type FolderTier = 1 | 2 | 3;

export interface BenchImage {
  group: BenchGroup;
  /** File name as listed (the transparent set uses the SVG's name). */
  file: string;
  folderTier: FolderTier;
  /** PNG bytes, as sent to the service. */
  png: Buffer;
}

const TIER_FOLDERS: readonly { group: BenchGroup; tier: FolderTier }[] = [
  { group: 'tier1', tier: 1 },
  { group: 'tier2', tier: 2 },
  { group: 'tier3', tier: 3 },
];

async function listFiles(dir: string, ext: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.toLowerCase().endsWith(ext)).sort();
}

/** The PNGs of tier1/, tier2/, tier3/ (at most `limit` per folder), sorted by name. */
export async function loadTierImages(corpus: string, limit = Infinity): Promise<BenchImage[]> {
  const out: BenchImage[] = [];
  for (const { group, tier } of TIER_FOLDERS) {
    for (const file of (await listFiles(path.join(corpus, group), '.png')).slice(0, limit)) {
      out.push({ group, file, folderTier: tier, png: await readFile(path.join(corpus, group, file)) });
    }
  }
  return out;
}

/**
 * Each svg/<name>.svg rendered without a background at the width of its raster twin
 * (<name>.png in a tier folder, which also gives the tier); SVGs without a twin are skipped.
 */
export async function loadTransparentImages(corpus: string, limit = Infinity): Promise<{ images: BenchImage[]; skipped: string[] }> {
  const twins = new Map<string, FolderTier>();
  for (const { group, tier } of TIER_FOLDERS) {
    for (const file of await listFiles(path.join(corpus, group), '.png')) twins.set(file.slice(0, -4), tier);
  }
  const images: BenchImage[] = [];
  const skipped: string[] = [];
  for (const file of await listFiles(path.join(corpus, 'svg'), '.svg')) {
    if (images.length >= limit) break;
    const base = file.slice(0, -4);
    const tier = twins.get(base);
    if (tier === undefined) {
      skipped.push(file);
      continue;
    }
    const twin = await sharp(path.join(corpus, `tier${tier}`, `${base}.png`)).metadata();
    const svg = await readFile(path.join(corpus, 'svg', file), 'utf8');
    images.push({ group: 'transparent', file, folderTier: tier, png: await renderTransparentPng(svg, twin.width) });
  }
  return { images, skipped };
}

/** Renders an SVG at `width` (height from its aspect ratio) with no background, as an RGBA PNG. */
export async function renderTransparentPng(svg: string, width: number): Promise<Buffer> {
  const rendered = new Resvg(svg, { fitTo: { mode: 'width', value: width }, logLevel: 'off' }).render();
  // resvg's pixels are premultiplied; sharp un-premultiplies them when told so.
  return sharp(rendered.pixels, { raw: { width: rendered.width, height: rendered.height, channels: 4, premultiplied: true } })
    .png()
    .toBuffer();
}

/** Straight RGBA pixels of a PNG, with hasTransparency, as the scorer expects its source. */
export async function decodePng(png: Buffer): Promise<DecodedImage> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`Expected 4 channels but decoded ${info.channels}`);
  return asDecoded(data, info.width, info.height);
}

/** A tiny PNG (a dark square on white) for warming the service up. */
export function warmUpPng(): Promise<Buffer> {
  const size = 32;
  const px = Buffer.alloc(size * size * 3, 255);
  for (let y = 8; y < 24; y++) px.fill(32, (y * size + 8) * 3, (y * size + 24) * 3);
  return sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}
