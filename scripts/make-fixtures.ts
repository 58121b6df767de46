/**
 * Writes every image the test-suite needs into test/fixtures/generated/ (git-ignored), so no
 * binary fixture is ever committed. Good images come from sharp; bad inputs that no real encoder
 * would write are assembled byte by byte (PNG chunks, JPEG segments, GIF blocks, ZIP records).
 * Every byte is deterministic: randomness comes from a seeded PRNG.
 *
 *   npx tsx scripts/make-fixtures.ts             generate (skipped when the stamp is current)
 *   npx tsx scripts/make-fixtures.ts --force     regenerate everything
 *   npx tsx scripts/make-fixtures.ts --markdown  print the fixture table used in test/fixtures/README.md
 */
import { once } from 'node:events';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { forgedMutants, makeSeeds } from './mutants.js';

/** Bump whenever a fixture's bytes or index entry changes: a stamp with another version forces regeneration. */
export const GENERATOR_VERSION = 5;

export const DEFAULT_FIXTURE_DIR = fileURLToPath(new URL('../test/fixtures/generated/', import.meta.url));

const STAMP_FILE = '.stamp.json';

/** The size forged into headers by scripts/mutants.ts: just under the default 40-megapixel limit, so the header check cannot refuse it. */
export const FORGED = { width: 8192, height: 4882 } as const;
/** The same for GIF and WebP, whose decodes cost twice their pixels: just under half the limit (src/pipeline/limits.ts). */
export const FORGED_WHOLE_FRAME = { width: 5792, height: 3452 } as const;

// ---------------------------------------------------------------------------------------------
// Index types
// ---------------------------------------------------------------------------------------------

export interface FixtureOutcome {
  status: number;
  /** Stable error code of the answer body, for 4xx answers. */
  code?: string;
}

export interface FixtureExpect extends FixtureOutcome {
  /** A second answer the reliability doc also accepts for this input. */
  alt?: FixtureOutcome;
}

export interface Fixture {
  /** Absolute path of the generated file. */
  file: string;
  /** One line: what it is and how it was made. */
  description: string;
  expect: FixtureExpect;
  /** Content-Type a client would send with it (may lie on purpose, see png-named-jpg). */
  contentType?: string;
  /** Upload filename a client would send with it (may lie on purpose). */
  filename?: string;
  /** What the bytes really are: png, jpeg, gif, webp, tiff, psd, heif, pdf, ico, bmp, svg, text, empty. */
  format?: string;
  /** Pixel size the header declares, as stored (before EXIF orientation); for bombs, what a header probe must see. */
  width?: number;
  height?: number;
  /** Number of frames, for animations. */
  frames?: number;
  /** EXIF orientation tag written into the file. */
  orientation?: number;
  /** Size once EXIF orientation is applied. */
  uprightWidth?: number;
  uprightHeight?: number;
  /** Absolute path of an sRGB PNG with the intended colours (CMYK fixtures). */
  reference?: string;
  /** Strings from a smuggled payload that must never appear in the output SVG. */
  payloadMarkers?: string[];
  /** Row of the bad-input table in docs/reliability.md this fixture covers. */
  row?: number;
}

interface FixtureSpec extends Omit<Fixture, 'file' | 'reference'> {
  /** File name inside the fixture directory. */
  file: string;
  /** Name of the fixture that holds the sRGB reference. */
  referenceFixture?: string;
  make(sources: Sources): Promise<Buffer> | Buffer;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` deterministic pseudo-random bytes (xorshift32, fast enough for megabytes). */
export function seededBytes(length: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, length);
}

const clampByte = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

// ---------------------------------------------------------------------------------------------
// PNG bytes
// ---------------------------------------------------------------------------------------------

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  type: string;
  data: Buffer;
}

/** length + type + data + CRC32(type + data); `badCrc` flips the CRC to build corrupt files. */
export function pngChunk(type: string, data: Uint8Array = new Uint8Array(0), badCrc = false): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  const crc = zlib.crc32(out.subarray(4, 8 + data.length));
  out.writeUInt32BE((badCrc ? ~crc : crc) >>> 0, 8 + data.length);
  return out;
}

export function ihdrData(width: number, height: number, bitDepth: number, colourType: number, interlace = 0): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colourType;
  d[10] = 0; // compression: deflate
  d[11] = 0; // filter method 0
  d[12] = interlace;
  return d;
}

const COLOUR_TYPE_BY_CHANNELS: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/** Filter-0 scanlines of 8-bit interleaved pixels, ready to deflate into IDAT/fdAT. */
function scanlines(width: number, height: number, channels: number, pixels: Uint8Array): Buffer {
  const stride = width * channels;
  const out = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) out.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return out;
}

/** A complete 8-bit PNG, encoded synchronously without sharp (used where a helper must be sync). */
export function encodeRawPng(width: number, height: number, channels: 1 | 2 | 3 | 4, pixels: Uint8Array): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdrData(width, height, 8, COLOUR_TYPE_BY_CHANNELS[channels] ?? 2)),
    pngChunk('IDAT', zlib.deflateSync(scanlines(width, height, channels, pixels))),
    pngChunk('IEND'),
  ]);
}

export function parsePngChunks(png: Buffer): PngChunk[] {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

function assemblePng(chunks: readonly PngChunk[]): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ...chunks.map((c) => pngChunk(c.type, c.data))]);
}

/** Re-assembles `png` with `extra` chunks right after IHDR, dropping colour-profile chunks they could clash with. */
function withChunksAfterIhdr(png: Buffer, extra: readonly PngChunk[]): Buffer {
  const kept = parsePngChunks(png).filter((c) => !['iCCP', 'sRGB', 'gAMA', 'cHRM', 'iTXt', 'tEXt', 'zTXt'].includes(c.type));
  const [ihdr, ...rest] = kept;
  if (!ihdr || ihdr.type !== 'IHDR') throw new Error('PNG does not start with IHDR');
  return assemblePng([ihdr, ...extra, ...rest]);
}

/** Deflates `count` copies of `row` as one zlib stream without ever holding the inflated image. */
async function deflateRepeated(row: Buffer, count: number): Promise<Buffer> {
  const deflate = zlib.createDeflate({ level: 9, memLevel: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = once(deflate, 'end');
  const perBatch = Math.max(1, Math.floor((1 << 20) / row.length));
  const batch = Buffer.concat(Array.from({ length: perBatch }, () => row));
  for (let written = 0; written < count; written += perBatch) {
    const rows = Math.min(perBatch, count - written);
    if (!deflate.write(rows === perBatch ? batch : batch.subarray(0, rows * row.length))) await once(deflate, 'drain');
  }
  deflate.end();
  await ended;
  return Buffer.concat(out);
}

/** A one-colour greyscale PNG of any declared size; its IDAT stays small because every row is identical. */
async function solidGreyPng(width: number, height: number, bitDepth: 1 | 8, fill: number): Promise<Buffer> {
  const row = Buffer.alloc(1 + Math.ceil((width * bitDepth) / 8), fill);
  row[0] = 0; // filter: none
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdrData(width, height, bitDepth, 0)),
    pngChunk('IDAT', await deflateRepeated(row, height)),
    pngChunk('IEND'),
  ]);
}

/** APNG with one RGB frame per entry; frame 0 doubles as the default image (IDAT). */
function encodeApng(width: number, height: number, frames: readonly Uint8Array[], delayMs: number): Buffer {
  const chunks: Buffer[] = [PNG_SIGNATURE, pngChunk('IHDR', ihdrData(width, height, 8, 2))];
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length, 0);
  actl.writeUInt32BE(0, 4); // loop forever
  chunks.push(pngChunk('acTL', actl));
  let sequence = 0;
  frames.forEach((pixels, index) => {
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt32BE(0, 12); // x offset
    fctl.writeUInt32BE(0, 16); // y offset
    fctl.writeUInt16BE(delayMs, 20);
    fctl.writeUInt16BE(1000, 22);
    fctl[24] = 0; // dispose: none
    fctl[25] = 0; // blend: source
    chunks.push(pngChunk('fcTL', fctl));
    const data = zlib.deflateSync(scanlines(width, height, 3, pixels));
    if (index === 0) {
      chunks.push(pngChunk('IDAT', data));
    } else {
      const seq = Buffer.alloc(4);
      seq.writeUInt32BE(sequence++, 0);
      chunks.push(pngChunk('fdAT', Buffer.concat([seq, data])));
    }
  });
  chunks.push(pngChunk('IEND'));
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------------------------
// JPEG bytes
// ---------------------------------------------------------------------------------------------

const isStandaloneMarker = (m: number): boolean => m === 0x01 || m === 0xd8 || m === 0xd9 || (m >= 0xd0 && m <= 0xd7);
const isStartOfFrame = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** Offset of the SOFn marker (its 0xFF byte). */
function findStartOfFrame(jpeg: Buffer): number {
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) throw new Error(`JPEG: expected a marker at ${at}`);
    const marker = jpeg[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (isStartOfFrame(marker)) return at;
    if (marker === 0xda) break;
    at += isStandaloneMarker(marker) ? 2 : 2 + jpeg.readUInt16BE(at + 2);
  }
  throw new Error('JPEG: no SOF marker before the scan');
}

/** Rewrites the frame header's height and width without touching the entropy-coded data. */
export function patchJpegDimensions(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  const sof = findStartOfFrame(out);
  out.writeUInt16BE(height, sof + 5);
  out.writeUInt16BE(width, sof + 7);
  return out;
}

function insertAfterSoi(jpeg: Buffer, segment: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** APP1 "Exif" whose IFD0 claims 40 entries but holds 2, with absurd counts, an out-of-file pointer and a loop. */
function malformedExifSegment(): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 2 * 12 + 4);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4); // IFD0 offset
  tiff.writeUInt16LE(40, 8); // entry count: lies
  // Orientation: SHORT with count 0xFFFFFFFF and value 9 (valid range is 1..8).
  tiff.writeUInt16LE(0x0112, 10);
  tiff.writeUInt16LE(3, 12);
  tiff.writeUInt32LE(0xffffffff, 14);
  tiff.writeUInt32LE(9, 18);
  // ExifIFD pointer far beyond the segment.
  tiff.writeUInt16LE(0x8769, 22);
  tiff.writeUInt16LE(4, 24);
  tiff.writeUInt32LE(1, 26);
  tiff.writeUInt32LE(0x7ffffff0, 30);
  tiff.writeUInt32LE(8, 34); // next IFD: IFD0 again, a cycle
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

// ---------------------------------------------------------------------------------------------
// Other containers
// ---------------------------------------------------------------------------------------------

/** GIF LZW data with only literal codes: a clear code every 2^min - 2 pixels keeps the code width fixed. */
export function lzwLiterals(indices: readonly number[], minCodeSize: number): Buffer {
  const clear = 1 << minCodeSize;
  const width = minCodeSize + 1;
  const perClear = (1 << minCodeSize) - 2;
  const codes: number[] = [];
  indices.forEach((index, i) => {
    if (i % perClear === 0) codes.push(clear);
    codes.push(index);
  });
  codes.push(clear + 1); // end of information
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const code of codes) {
    acc |= code << bits;
    bits += width;
    while (bits >= 8) {
      bytes.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) bytes.push(acc & 0xff);
  const blocks: number[] = [minCodeSize];
  for (let i = 0; i < bytes.length; i += 255) {
    const block = bytes.slice(i, i + 255);
    blocks.push(block.length, ...block);
  }
  blocks.push(0);
  return Buffer.from(blocks);
}

/** A 2x2 looping GIF89a with `frames` frames, each a rotation of a 4-colour global palette. */
function manyFramesGif(frames: number): Buffer {
  const header = Buffer.alloc(13);
  header.write('GIF89a', 0, 'latin1');
  header.writeUInt16LE(2, 6);
  header.writeUInt16LE(2, 8);
  header[10] = 0x91; // global colour table, 2-bit colour resolution, 4 entries
  const palette = Buffer.from([0, 0, 0, 255, 255, 255, 224, 32, 32, 32, 64, 192]);
  const loop = Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'latin1'), 0x03, 0x01, 0x00, 0x00, 0x00]);
  const parts: Buffer[] = [header, palette, loop];
  for (let f = 0; f < frames; f++) {
    const control = Buffer.from([0x21, 0xf9, 0x04, 0x04, 0x02, 0x00, 0x00, 0x00]); // dispose: keep, 20 ms
    const descriptor = Buffer.from([0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0]);
    parts.push(control, descriptor, lzwLiterals([f % 4, (f + 1) % 4, (f + 2) % 4, (f + 3) % 4], 2));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

/** Uncompressed bottom-up 24-bit BMP (BITMAPINFOHEADER). */
function encodeBmp(width: number, height: number, rgb: Uint8Array): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + stride * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26); // planes
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(stride * height, 34);
  out.writeInt32LE(2835, 38); // 72 dpi
  out.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 3;
      out[row + x * 3] = rgb[src + 2] ?? 0;
      out[row + x * 3 + 1] = rgb[src + 1] ?? 0;
      out[row + x * 3 + 2] = rgb[src] ?? 0;
    }
  }
  return out;
}

/** Smallest complete Photoshop file: header, three empty sections, raw planar RGB. */
function encodePsd(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(26);
  header.write('8BPS', 0, 'latin1');
  header.writeUInt16BE(1, 4); // version
  header.writeUInt16BE(3, 12); // channels
  header.writeUInt32BE(height, 14);
  header.writeUInt32BE(width, 18);
  header.writeUInt16BE(8, 22); // depth
  header.writeUInt16BE(3, 24); // mode: RGB
  const sections = Buffer.alloc(12); // colour mode data, image resources, layer and mask info: all empty
  const planes = Buffer.alloc(2 + width * height * 3); // compression 0 = raw
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < width * height; i++) planes[2 + c * width * height + i] = rgb[i * 3 + c] ?? 0;
  }
  return Buffer.concat([header, sections, planes]);
}

function isoBox(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + payload.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
}

/** The start of a HEIF file: ftyp (brand heic) and a meta box whose handler is 'pict'. No coded image. */
function heicHeader(): Buffer {
  const ftyp = isoBox('ftyp', Buffer.from('heic\0\0\0\0mif1heic', 'latin1'));
  const hdlr = isoBox('hdlr', Buffer.concat([Buffer.alloc(8), Buffer.from('pict', 'latin1'), Buffer.alloc(13)]));
  const meta = isoBox('meta', Buffer.concat([Buffer.alloc(4), hdlr]));
  return Buffer.concat([ftyp, meta]);
}

/** A one-page blank PDF 1.4 with a correct xref table. */
function minimalPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** ICONDIR with one entry whose payload is a PNG (the Vista+ form). */
function encodeIco(png: Buffer, size: number): Buffer {
  const head = Buffer.alloc(6 + 16);
  head.writeUInt16LE(1, 2); // type: icon
  head.writeUInt16LE(1, 4); // count
  head[6] = size;
  head[7] = size;
  head.writeUInt16LE(1, 10); // planes
  head.writeUInt16LE(32, 12); // bits per pixel
  head.writeUInt32LE(png.length, 14);
  head.writeUInt32LE(22, 18);
  return Buffer.concat([head, png]);
}

/** A stored (uncompressed) one-file ZIP meant to follow `prefixLength` bytes of something else; offsets are absolute. */
function zipAppendix(prefixLength: number, name: string, content: Buffer): Buffer {
  const nameBytes = Buffer.from(name, 'latin1');
  const crc = zlib.crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0x21, 12); // date: 1980-01-01
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4); // version made by
  central.writeUInt16LE(20, 6); // version needed
  central.writeUInt16LE(0x21, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE(prefixLength, 42); // local header offset
  const centralOffset = prefixLength + local.length + nameBytes.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, content, central, nameBytes, end]);
}

// ---------------------------------------------------------------------------------------------
// Pictures
// ---------------------------------------------------------------------------------------------

const svgDoc = (width: number, height: number, body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;

const LOGO_2C_SVG = svgDoc(
  512,
  512,
  '<rect width="512" height="512" fill="#ffffff"/>' +
    '<circle cx="196" cy="206" r="132" fill="#1a2b6d"/>' +
    '<rect x="250" y="292" width="200" height="128" fill="#1a2b6d" transform="rotate(-12 350 356)"/>',
);

const LOGO_4C_SVG = svgDoc(
  512,
  512,
  '<rect width="512" height="512" fill="#ffffff"/>' +
    '<circle cx="180" cy="190" r="120" fill="#c8102e"/>' +
    '<rect x="240" y="250" width="210" height="190" rx="24" fill="#1a2b6d"/>' +
    '<polygon points="90,450 200,300 310,450" fill="#f2a900"/>',
);

const FLAT_COLOURS = [
  '#1a2b6d', '#c8102e', '#f2a900', '#2e8b57', '#6a3d9a', '#ff7f00',
  '#1f78b4', '#b15928', '#e7298a', '#66a61e', '#8c8c8c', '#212121',
];

function flatArtSvg(width: number, height: number, seed: number): string {
  const rand = seededRandom(seed);
  const pick = (): string => FLAT_COLOURS[Math.floor(rand() * FLAT_COLOURS.length)] ?? '#000000';
  const shapes: string[] = [`<rect width="${width}" height="${height}" fill="#fdf6e3"/>`];
  for (let i = 0; i < 60; i++) {
    const x = Math.round(rand() * width);
    const y = Math.round(rand() * height);
    const s = Math.round(20 + rand() * 140);
    const kind = i % 3;
    if (kind === 0) shapes.push(`<circle cx="${x}" cy="${y}" r="${s / 2}" fill="${pick()}"/>`);
    else if (kind === 1) shapes.push(`<rect x="${x - s / 2}" y="${y - s / 3}" width="${s}" height="${Math.round(s * 0.66)}" fill="${pick()}" transform="rotate(${Math.round(rand() * 90)} ${x} ${y})"/>`);
    else shapes.push(`<polygon points="${x},${y - s / 2} ${x + s / 2},${y + s / 2} ${x - s / 2},${y + s / 2}" fill="${pick()}"/>`);
  }
  return svgDoc(width, height, shapes.join(''));
}

interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/** Renders an opaque SVG to raw RGB; a fresh sharp pipeline per use comes from `fromRgb`. */
async function renderSvgRgb(svg: string): Promise<RgbImage> {
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Smooth two-axis colour ramp with +/- `amplitude` uniform noise, RGB. */
function gradientNoise(width: number, height: number, amplitude: number, seed: number): Buffer {
  const rand = seededRandom(seed);
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const v = y / (height - 1);
    for (let x = 0; x < width; x++) {
      const u = x / (width - 1);
      const i = (y * width + x) * 3;
      out[i] = clampByte(255 * u + (rand() * 2 - 1) * amplitude);
      out[i + 1] = clampByte(255 * v + (rand() * 2 - 1) * amplitude);
      out[i + 2] = clampByte(255 * (1 - (u + v) / 2) + (rand() * 2 - 1) * amplitude);
    }
  }
  return out;
}

const raw = (data: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4): Sharp =>
  sharp(data, { raw: { width, height, channels } });

const fromRgb = (image: RgbImage): Sharp => raw(image.data, image.width, image.height, 3);

async function photoLikeJpeg(): Promise<Buffer> {
  const width = 768;
  const height = 512;
  const rand = seededRandom(85);
  const blobs: string[] = ['<rect width="768" height="512" fill="#6b7f5a"/>'];
  for (let i = 0; i < 36; i++) {
    const colour = `rgb(${Math.floor(rand() * 255)},${Math.floor(rand() * 255)},${Math.floor(rand() * 255)})`;
    blobs.push(
      `<ellipse cx="${Math.round(rand() * width)}" cy="${Math.round(rand() * height)}" rx="${Math.round(30 + rand() * 150)}" ry="${Math.round(30 + rand() * 110)}" fill="${colour}" fill-opacity="0.75"/>`,
    );
  }
  const blurred = await fromRgb(await renderSvgRgb(svgDoc(width, height, blobs.join('')))).blur(12).raw().toBuffer();
  for (let i = 0; i < blurred.length; i++) blurred[i] = clampByte((blurred[i] ?? 0) + (rand() * 2 - 1) * 10);
  return raw(blurred, width, height, 3).jpeg({ quality: 85 }).toBuffer();
}

/**
 * 256x192 RGB ramp with real 16-bit precision: sample values are not multiples of 257, so a
 * decoder that only keeps 8 bits (or scales wrongly) is visible. A fresh pipeline per call.
 */
function gradient16(): Sharp {
  const width = 256;
  const height = 192;
  const px = new Uint16Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const v = y / (height - 1);
    for (let x = 0; x < width; x++) {
      const u = x / (width - 1);
      const i = (y * width + x) * 3;
      px[i] = Math.round(65535 * (0.9 * u + 0.1 * v));
      px[i + 1] = Math.round(65535 * (0.2 * u + 0.8 * v));
      px[i + 2] = Math.round(65535 * (1 - (0.7 * u + 0.3 * v)));
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } });
}

const ORIENT_W = 60;
const ORIENT_H = 40;

/** Upright orientation picture: red top-left, green top-right, blue bottom-right, white bottom-left quadrant. */
function orientationUpright(x: number, y: number): [number, number, number] {
  const right = x >= ORIENT_W / 2;
  const bottom = y >= ORIENT_H / 2;
  if (!right && !bottom) return [224, 32, 32];
  if (right && !bottom) return [32, 160, 64];
  if (right && bottom) return [32, 64, 192];
  return [255, 255, 255];
}

/**
 * Stored pixels for EXIF orientation `n`: stored(x, y) = upright(T(x, y)), where T is the transform a
 * viewer applies for that tag, so once it is applied the picture is the orientation-1 one.
 */
function orientationStored(n: number): { width: number; height: number; pixels: Buffer } {
  const swapped = n >= 5;
  const width = swapped ? ORIENT_H : ORIENT_W;
  const height = swapped ? ORIENT_W : ORIENT_H;
  const toUpright = (x: number, y: number): [number, number] => {
    switch (n) {
      case 2: return [width - 1 - x, y];
      case 3: return [width - 1 - x, height - 1 - y];
      case 4: return [x, height - 1 - y];
      case 5: return [y, x];
      case 6: return [height - 1 - y, x];
      case 7: return [height - 1 - y, width - 1 - x];
      case 8: return [y, width - 1 - x];
      default: return [x, y];
    }
  };
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [ux, uy] = toUpright(x, y);
      pixels.set(orientationUpright(ux, uy), (y * width + x) * 3);
    }
  }
  return { width, height, pixels };
}

/** Colours chosen inside the SWOP CMYK gamut, so a correct CMYK decode lands close to this sRGB original. */
const CMYK_SCENE_SVG = svgDoc(
  256,
  192,
  '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#d9c7a3"/><stop offset="1" stop-color="#6b8fb0"/></linearGradient></defs>' +
    '<rect width="256" height="192" fill="url(#g)"/>' +
    '<circle cx="70" cy="70" r="44" fill="#b5523b"/>' +
    '<rect x="140" y="30" width="90" height="70" fill="#3f7d4e"/>' +
    '<rect x="30" y="125" width="100" height="50" fill="#2e4a7d"/>' +
    '<circle cx="190" cy="145" r="35" fill="#e0b03a"/>',
);

function xmpPacket(minBytes: number): string {
  const head =
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">' +
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" ' +
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag>';
  const tail = '</rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';
  const items: string[] = [];
  let size = head.length + tail.length;
  for (let i = 0; size < minBytes; i++) {
    const item = `<rdf:li>keyword-${i}</rdf:li>`;
    items.push(item);
    size += item.length;
  }
  return head + items.join('') + tail;
}

const BILLION_LAUGHS = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE svg [',
  '<!ENTITY lol "lol">',
  '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
  ...Array.from({ length: 8 }, (_, i) => `<!ENTITY lol${i + 2} "${`&lol${i + 1};`.repeat(10)}">`),
  ']>',
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><text x="0" y="32">&lol9;</text></svg>',
].join('\n');

// ---------------------------------------------------------------------------------------------
// Shared sources (each built once per run, on first use)
// ---------------------------------------------------------------------------------------------

function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= build());
}

function createSources() {
  const logoPng = lazy(async () => fromRgb(await renderSvgRgb(LOGO_2C_SVG)).png().toBuffer());
  const logoJpeg = lazy(async () => sharp(await logoPng()).jpeg({ quality: 90 }).toBuffer());
  const logo4c = lazy(() => renderSvgRgb(LOGO_4C_SVG));
  const flatArt = lazy(() => renderSvgRgb(flatArtSvg(800, 600, 12)));
  const photoJpeg = lazy(photoLikeJpeg);
  const cmykReference = lazy(async () => fromRgb(await renderSvgRgb(CMYK_SCENE_SVG)).png().toBuffer());
  return { logoPng, logoJpeg, logo4c, flatArt, photoJpeg, cmykReference };
}
type Sources = ReturnType<typeof createSources>;

// ---------------------------------------------------------------------------------------------
// The fixtures
// ---------------------------------------------------------------------------------------------

const OK = { status: 200 } as const;
const TOO_LARGE = { status: 422, code: 'IMAGE_TOO_LARGE' } as const;
const INVALID = { status: 422, code: 'INVALID_IMAGE' } as const;
const UNSUPPORTED = { status: 415, code: 'UNSUPPORTED_TYPE' } as const;

const png = (name: string) => ({ file: `${name}.png`, filename: `${name}.png`, contentType: 'image/png', format: 'png' });
const jpeg = (name: string) => ({ file: `${name}.jpg`, filename: `${name}.jpg`, contentType: 'image/jpeg', format: 'jpeg' });
const svgFile = (name: string) => ({ file: `${name}.svg`, filename: `${name}.svg`, contentType: 'image/svg+xml', format: 'svg', expect: UNSUPPORTED, row: 12 });

const BOMB = { width: 20000, height: 20000 };
const JUST_UNDER = { width: 6000, height: 4000 };
const JUST_OVER = { width: 8000, height: 7000 };
const HUGE_JPEG = { width: 60000, height: 60000 };
const TALL = { width: 1, height: 100000 };

const ZIP_MARKER = 'SVGAI-POLYGLOT-ZIP-PAYLOAD';
const HTML_PAYLOAD = '<html><script>alert(1)</script></html>';
const SVG_PAYLOAD = '<svg onload=alert(1)><script>alert(1)</script></svg>';

const orientationFixtures = Object.fromEntries(
  [1, 2, 3, 4, 5, 6, 7, 8].map((n) => {
    const { width, height } = orientationStored(n);
    const spec: FixtureSpec = {
      ...jpeg(`orientation-${n}`),
      description: `EXIF orientation ${n}: ${width}x${height} stored pixels pre-transformed so that applying the tag gives the 60x40 red/green/white/blue quadrant picture; sharp JPEG q95 4:4:4 + withMetadata({ orientation: ${n} })`,
      expect: OK,
      row: 18,
      width,
      height,
      orientation: n,
      uprightWidth: ORIENT_W,
      uprightHeight: ORIENT_H,
      make: () => {
        const stored = orientationStored(n);
        return raw(stored.pixels, stored.width, stored.height, 3)
          .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
          .withMetadata({ orientation: n })
          .toBuffer();
      },
    };
    return [`orientation-${n}`, spec];
  }),
) as Record<`orientation-${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8}`, FixtureSpec>;

/** A forged-dimension mutant from scripts/mutants.ts, by name. */
function forged(name: string, format: 'gif' | 'jpeg' | 'webp'): Omit<FixtureSpec, 'description' | 'expect'> {
  const ext = format === 'jpeg' ? 'jpg' : format;
  const size = format === 'jpeg' ? FORGED : FORGED_WHOLE_FRAME;
  return {
    file: `${name}.${ext}`,
    contentType: `image/${format}`,
    format,
    width: size.width,
    height: size.height,
    make: async () => {
      const mutant = forgedMutants(await makeSeeds()).find((m) => m.name === name);
      if (!mutant) throw new Error(`no forged mutant named ${name}`);
      return mutant.bytes;
    },
  };
}

const SPECS = {
  // --- good images -------------------------------------------------------------------------
  'logo-2c': {
    ...png('logo-2c'),
    description: '512x512 white background with a dark-blue circle and rotated rectangle (2 flat colours, anti-aliased edges); SVG rendered by sharp, PNG',
    expect: OK,
    width: 512,
    height: 512,
    make: (s) => s.logoPng(),
  },
  'logo-4c': {
    ...png('logo-4c'),
    description: '512x512 logo in 4 flat colours (white, red circle, navy rounded rectangle, gold triangle); SVG rendered by sharp, PNG',
    expect: OK,
    width: 512,
    height: 512,
    make: async (s) => fromRgb(await s.logo4c()).png().toBuffer(),
  },
  'flat-art': {
    ...png('flat-art'),
    description: '800x600 flat illustration: 60 overlapping circles/rectangles/triangles in 12 colours on cream (seed 12); SVG rendered by sharp, PNG',
    expect: OK,
    width: 800,
    height: 600,
    make: async (s) => fromRgb(await s.flatArt()).png().toBuffer(),
  },
  gradient: {
    ...png('gradient'),
    description: '1024x768 smooth two-axis RGB gradient with +/-4 uniform noise (seed 1); raw pixels encoded by sharp, PNG',
    expect: OK,
    width: 1024,
    height: 768,
    make: () => raw(gradientNoise(1024, 768, 4, 1), 1024, 768, 3).png().toBuffer(),
  },
  'photo-like': {
    ...jpeg('photo-like'),
    description: '768x512 photo stand-in: 36 random translucent ellipses, Gaussian blur sigma 12, +/-10 noise (seed 85); sharp JPEG q85',
    expect: OK,
    width: 768,
    height: 512,
    make: (s) => s.photoJpeg(),
  },
  noise: {
    ...png('noise'),
    description: '256x256 uniform random RGB noise (xorshift seed 256); sharp PNG; pathological but valid (row 21)',
    expect: { ...OK, alt: { status: 422, code: 'TOO_COMPLEX' } },
    row: 21,
    width: 256,
    height: 256,
    make: () => raw(seededBytes(256 * 256 * 3, 256), 256, 256, 3).png().toBuffer(),
  },
  checkerboard: {
    ...png('checkerboard'),
    description: '512x512 black/white checkerboard of 1-pixel squares; raw pixels encoded by sharp, PNG; pathological but valid (row 21)',
    expect: { ...OK, alt: { status: 422, code: 'TOO_COMPLEX' } },
    row: 21,
    width: 512,
    height: 512,
    make: () => {
      const px = Buffer.alloc(512 * 512 * 3);
      for (let y = 0; y < 512; y++) for (let x = 0; x < 512; x++) if ((x + y) % 2 === 1) px.fill(255, (y * 512 + x) * 3, (y * 512 + x) * 3 + 3);
      return raw(px, 512, 512, 3).png().toBuffer();
    },
  },
  'large-tier3': {
    ...png('large-tier3'),
    description: '2048x1536 two-axis gradient with +/-2 noise (seed 3), sharp PNG (~6.4 MB, under a 10 MB upload limit); keeps a trace busy (event-loop test)',
    expect: OK,
    width: 2048,
    height: 1536,
    make: () => raw(gradientNoise(2048, 1536, 2, 3), 2048, 1536, 3).png().toBuffer(),
  },
  'transparent-logo': {
    ...png('transparent-logo'),
    description: '256x256 RGBA: transparent background, red five-point star with anti-aliased edges; SVG rendered by sharp, PNG',
    expect: OK,
    row: 19,
    width: 256,
    height: 256,
    make: () =>
      sharp(Buffer.from(svgDoc(256, 256, '<polygon points="128,20 158,98 240,98 174,148 198,228 128,180 58,228 82,148 16,98 98,98" fill="#d01c1c"/>')))
        .png()
        .toBuffer(),
  },
  'half-transparent': {
    ...png('half-transparent'),
    description: '256x256 RGBA: blue circle on orange, alpha exactly 128 on every pixel; SVG rendered by sharp, alpha replaced in raw, PNG',
    expect: OK,
    row: 19,
    width: 256,
    height: 256,
    make: async () => {
      const { data: rgb } = await renderSvgRgb(svgDoc(256, 256, '<rect width="256" height="256" fill="#f08c1e"/><circle cx="128" cy="128" r="80" fill="#1e50c8"/>'));
      const rgba = Buffer.alloc(256 * 256 * 4, 128);
      for (let i = 0; i < 256 * 256; i++) rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
      return raw(rgba, 256, 256, 4).png().toBuffer();
    },
  },
  'fully-transparent': {
    ...png('fully-transparent'),
    description: '64x64 RGBA with every pixel (0,0,0,0); raw pixels encoded by sharp, PNG',
    expect: OK,
    row: 19,
    width: 64,
    height: 64,
    make: () => raw(Buffer.alloc(64 * 64 * 4), 64, 64, 4).png().toBuffer(),
  },
  'alpha-mask': {
    ...png('alpha-mask'),
    description: '256x256 grey+alpha PNG: grey ramp 64..192 left to right, alpha a radial mask 255 at the centre to 0 at radius 128; raw, sharp PNG',
    expect: OK,
    row: 19,
    width: 256,
    height: 256,
    make: () => {
      const px = Buffer.alloc(256 * 256 * 2);
      for (let y = 0; y < 256; y++) {
        for (let x = 0; x < 256; x++) {
          const r = Math.hypot(x - 127.5, y - 127.5);
          px[(y * 256 + x) * 2] = clampByte(64 + (128 * x) / 255);
          px[(y * 256 + x) * 2 + 1] = clampByte(255 * (1 - r / 128));
        }
      }
      return raw(px, 256, 256, 2).toColourspace('b-w').png().toBuffer(); // b-w keeps PNG colour type 4 (grey + alpha)
    },
  },
  'one-pixel': {
    ...png('one-pixel'),
    description: '1x1 opaque RGB pixel (200,30,30); sharp PNG',
    expect: OK,
    row: 6,
    width: 1,
    height: 1,
    make: () => raw(Buffer.from([200, 30, 30]), 1, 1, 3).png().toBuffer(),
  },
  'logo-2c-webp': {
    file: 'logo-2c.webp',
    filename: 'logo-2c.webp',
    contentType: 'image/webp',
    format: 'webp',
    description: 'logo-2c re-encoded by sharp as lossless WebP',
    expect: OK,
    width: 512,
    height: 512,
    make: async (s) => sharp(await s.logoPng()).webp({ lossless: true }).toBuffer(),
  },
  'logo-2c-gif': {
    file: 'logo-2c.gif',
    filename: 'logo-2c.gif',
    contentType: 'image/gif',
    format: 'gif',
    description: 'logo-2c re-encoded by sharp as a single-frame GIF',
    expect: OK,
    width: 512,
    height: 512,
    make: async (s) => sharp(await s.logoPng()).gif().toBuffer(),
  },

  // --- 3-6: sizes -----------------------------------------------------------------------------
  'png-bomb': {
    ...png('png-bomb'),
    description: 'decompression bomb: IHDR 20000x20000 1-bit grey, IDAT = zlib stream of 20000 all-zero rows deflated on the fly (~50 KB); hand-built chunks',
    expect: TOO_LARGE,
    row: 3,
    ...BOMB,
    make: () => solidGreyPng(BOMB.width, BOMB.height, 1, 0),
  },
  'pixels-just-under': {
    ...png('pixels-just-under'),
    description: '6000x4000 (24 MP) solid mid-grey 8-bit PNG, every row identical; hand-built chunks, streamed deflate',
    expect: OK,
    row: 3,
    ...JUST_UNDER,
    make: () => solidGreyPng(JUST_UNDER.width, JUST_UNDER.height, 8, 0x80),
  },
  'pixels-just-over': {
    ...png('pixels-just-over'),
    description: '8000x7000 (56 MP, each side under 8192) solid mid-grey 8-bit PNG; hand-built chunks, streamed deflate',
    expect: TOO_LARGE,
    row: 3,
    ...JUST_OVER,
    make: () => solidGreyPng(JUST_OVER.width, JUST_OVER.height, 8, 0x80),
  },
  'jpeg-huge-dimensions': {
    ...jpeg('jpeg-huge-dimensions'),
    description: 'logo-2c as sharp JPEG q90 with the SOF0 height/width patched to 60000x60000 (scan data untouched)',
    expect: TOO_LARGE,
    row: 4,
    ...HUGE_JPEG,
    make: async (s) => patchJpegDimensions(await s.logoJpeg(), HUGE_JPEG.width, HUGE_JPEG.height),
  },
  'extreme-aspect': {
    ...png('extreme-aspect'),
    description: '1x100000 solid mid-grey 8-bit PNG (over the per-side limit, 0.1 MP); hand-built chunks',
    expect: TOO_LARGE,
    row: 5,
    ...TALL,
    make: () => solidGreyPng(TALL.width, TALL.height, 8, 0x80),
  },
  empty: {
    ...png('empty'),
    format: 'empty',
    description: 'zero-byte file named empty.png',
    expect: { status: 400, code: 'EMPTY_UPLOAD' },
    row: 6,
    make: () => Buffer.alloc(0),
  },
  'zero-dimension': {
    ...png('zero-dimension'),
    description: 'PNG whose IHDR declares 0x0 (8-bit RGB) with a correct CRC, an empty-stream IDAT and IEND; hand-built chunks',
    expect: INVALID,
    row: 6,
    width: 0,
    height: 0,
    make: () =>
      Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdrData(0, 0, 8, 2)), pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(0))), pngChunk('IEND')]),
  },

  // --- 7-8: broken files ----------------------------------------------------------------------
  'truncated-png': {
    ...png('truncated-png'),
    description: 'logo-2c PNG cut in the middle of its first IDAT chunk (no CRC, no IEND)',
    expect: INVALID,
    row: 7,
    width: 512,
    height: 512,
    make: async (s) => {
      const logo = await s.logoPng();
      const idat = logo.indexOf('IDAT', 8, 'latin1');
      return logo.subarray(0, idat + 4 + Math.floor(logo.readUInt32BE(idat - 4) / 2));
    },
  },
  'truncated-jpeg': {
    ...jpeg('truncated-jpeg'),
    description: 'photo-like JPEG cut at half its length (headers intact, scan data and EOI missing)',
    expect: INVALID,
    row: 7,
    width: 768,
    height: 512,
    make: async (s) => {
      const photo = await s.photoJpeg();
      return photo.subarray(0, Math.floor(photo.length / 2));
    },
  },
  'garbage-after-magic': {
    ...png('garbage-after-magic'),
    description: 'the 8-byte PNG signature followed by 4096 pseudo-random bytes (seed 8)',
    expect: INVALID,
    row: 8,
    make: () => Buffer.concat([PNG_SIGNATURE, seededBytes(4096, 8)]),
  },
  'corrupt-ihdr': {
    ...png('corrupt-ihdr'),
    description: 'logo-2c PNG with the IHDR CRC inverted (every other byte intact)',
    expect: INVALID,
    row: 8,
    width: 512,
    height: 512,
    make: async (s) => {
      const [ihdr, ...rest] = parsePngChunks(await s.logoPng());
      if (!ihdr) throw new Error('no IHDR');
      return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr.data, true), ...rest.map((c) => pngChunk(c.type, c.data))]);
    },
  },
  'ihdr-bad-bit-depth': {
    ...png('ihdr-bad-bit-depth'),
    description: 'logo-2c PNG with the IHDR bit depth set to 7 (not allowed) and the CRC recomputed, so only the value is wrong',
    expect: INVALID,
    row: 8,
    width: 512,
    height: 512,
    make: async (s) => {
      const chunks = parsePngChunks(await s.logoPng());
      const ihdr = chunks[0];
      if (!ihdr) throw new Error('no IHDR');
      const data = Buffer.from(ihdr.data);
      data[8] = 7;
      return assemblePng([{ type: 'IHDR', data }, ...chunks.slice(1)]);
    },
  },

  // --- 9-12: types ----------------------------------------------------------------------------
  'png-named-jpg': {
    file: 'png-named-jpg.jpg',
    filename: 'logo.jpg',
    contentType: 'image/jpeg',
    format: 'png',
    description: 'logo-2c PNG bytes saved as .jpg and sent as image/jpeg: the sniffed type must win',
    expect: OK,
    row: 9,
    width: 512,
    height: 512,
    make: (s) => s.logoPng(),
  },
  'text-named-png': {
    file: 'text-named-png.png',
    filename: 'notes.png',
    contentType: 'image/png',
    format: 'text',
    description: 'plain UTF-8 text saved as notes.png and sent as image/png',
    expect: UNSUPPORTED,
    row: 9,
    make: () => Buffer.from('Meeting notes\n- ship the converter\n- this is not an image, whatever the name says\n', 'utf8'),
  },
  tiff: {
    file: 'tiff.tiff',
    filename: 'logo.tiff',
    contentType: 'image/tiff',
    format: 'tiff',
    description: 'logo-2c written by sharp as TIFF (a format sharp can decode, so the refusal must come from the sniffer)',
    expect: UNSUPPORTED,
    row: 10,
    width: 512,
    height: 512,
    make: async (s) => sharp(await s.logoPng()).tiff().toBuffer(),
  },
  psd: {
    file: 'psd.psd',
    filename: 'art.psd',
    contentType: 'image/vnd.adobe.photoshop',
    format: 'psd',
    description: 'minimal complete Photoshop file: 8BPS header (8x8 RGB, 8-bit), empty sections, raw planar pixels; hand-built',
    expect: UNSUPPORTED,
    row: 10,
    width: 8,
    height: 8,
    make: () => encodePsd(8, 8, seededBytes(8 * 8 * 3, 10)),
  },
  heic: {
    file: 'heic.heic',
    filename: 'photo.heic',
    contentType: 'image/heic',
    format: 'heif',
    description: 'start of a HEIC file: ftyp box (brand heic, compatible mif1/heic) and meta box with a pict handler, no coded image; hand-built',
    expect: UNSUPPORTED,
    row: 10,
    make: () => heicHeader(),
  },
  pdf: {
    file: 'pdf.pdf',
    filename: 'document.pdf',
    contentType: 'application/pdf',
    format: 'pdf',
    description: 'one blank 72x72 pt page, %PDF-1.4 with a correct xref table; hand-written',
    expect: UNSUPPORTED,
    row: 10,
    make: () => minimalPdf(),
  },
  ico: {
    file: 'ico.ico',
    filename: 'favicon.ico',
    contentType: 'image/x-icon',
    format: 'ico',
    description: 'ICO header with one 16x16 32-bit entry whose payload is a PNG (logo-2c resized by sharp); hand-built directory',
    expect: UNSUPPORTED,
    row: 10,
    width: 16,
    height: 16,
    make: async (s) => encodeIco(await sharp(await s.logoPng()).resize(16, 16).png().toBuffer(), 16),
  },
  bmp: {
    file: 'bmp.bmp',
    filename: 'picture.bmp',
    contentType: 'image/bmp',
    format: 'bmp',
    description: '24x16 24-bit uncompressed BMP (BITMAPINFOHEADER, bottom-up, padded rows) of the orientation quadrant colours; hand-built',
    expect: UNSUPPORTED,
    row: 10,
    width: 24,
    height: 16,
    make: () => {
      const px = Buffer.alloc(24 * 16 * 3);
      for (let y = 0; y < 16; y++) for (let x = 0; x < 24; x++) px.set(orientationUpright((x * ORIENT_W) / 24, (y * ORIENT_H) / 16), (y * 24 + x) * 3);
      return encodeBmp(24, 16, px);
    },
  },
  'png-zip': {
    ...png('png-zip'),
    description: `polyglot: logo-2c PNG followed by a valid stored ZIP (payload.txt containing ${ZIP_MARKER}, absolute offsets)`,
    expect: OK,
    row: 11,
    width: 512,
    height: 512,
    payloadMarkers: [ZIP_MARKER, 'payload.txt', 'PK\u0003\u0004'],
    make: async (s) => {
      const logo = await s.logoPng();
      return Buffer.concat([logo, zipAppendix(logo.length, 'payload.txt', Buffer.from(`${ZIP_MARKER}\n`, 'latin1'))]);
    },
  },
  'png-html': {
    ...png('png-html'),
    description: `polyglot: logo-2c PNG with "${HTML_PAYLOAD}" appended after IEND`,
    expect: OK,
    row: 11,
    width: 512,
    height: 512,
    payloadMarkers: ['<html', '<script', 'alert(1)'],
    make: async (s) => Buffer.concat([await s.logoPng(), Buffer.from(HTML_PAYLOAD, 'latin1')]),
  },
  'jpeg-svg-script': {
    ...jpeg('jpeg-svg-script'),
    description: `polyglot: logo-2c JPEG q90 with "${SVG_PAYLOAD}" appended after EOI`,
    expect: OK,
    row: 11,
    width: 512,
    height: 512,
    payloadMarkers: ['onload', '<script', 'alert(1)'],
    make: async (s) => Buffer.concat([await s.logoJpeg(), Buffer.from(SVG_PAYLOAD, 'latin1')]),
  },
  'svg-script': {
    ...svgFile('svg-script'),
    description: 'SVG 64x64 with an inline <script>alert(1)</script>',
    make: () => Buffer.from(svgDoc(64, 64, '<script>alert(1)</script><rect width="64" height="64" fill="#1a2b6d"/>')),
  },
  'svg-onload': {
    ...svgFile('svg-onload'),
    description: 'SVG 64x64 whose root element has onload="alert(1)"',
    make: () =>
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="alert(1)"><rect width="64" height="64" fill="#1a2b6d"/></svg>'),
  },
  'svg-external-href': {
    ...svgFile('svg-external-href'),
    description: 'SVG 64x64 referencing http://169.254.169.254/ via <image href> and file:///etc/passwd via <use href>',
    make: () =>
      Buffer.from(
        svgDoc(64, 64, '<image href="http://169.254.169.254/latest/meta-data/" width="64" height="64"/><use href="file:///etc/passwd#x"/>'),
      ),
  },
  'svg-xxe': {
    ...svgFile('svg-xxe'),
    description: 'SVG with a DOCTYPE declaring <!ENTITY xxe SYSTEM "file:///etc/passwd"> used in a <text>',
    make: () =>
      Buffer.from(
        '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' +
          '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><text x="0" y="32">&xxe;</text></svg>',
      ),
  },
  'svg-billion-laughs': {
    ...svgFile('svg-billion-laughs'),
    description: 'SVG with the classic 10-level nested entity expansion (10^9 "lol") in a <text>',
    make: () => Buffer.from(BILLION_LAUGHS),
  },

  // --- 13-14: animation -----------------------------------------------------------------------
  'animated-gif': {
    file: 'animated-gif.gif',
    filename: 'animated.gif',
    contentType: 'image/gif',
    format: 'gif',
    description: '64x64 looping GIF, 3 frames of 100 ms: solid red (first), green, blue; sharp join({ animated: true }).gif()',
    expect: OK,
    row: 13,
    width: 64,
    height: 64,
    frames: 3,
    make: async () => {
      const frames = await Promise.all(['#e02020', '#20a040', '#2040c0'].map((c) => sharp({ create: { width: 64, height: 64, channels: 3, background: c } }).png().toBuffer()));
      return sharp(frames, { join: { animated: true } }).gif({ loop: 0, delay: [100, 100, 100] }).toBuffer();
    },
  },
  'animated-webp': {
    file: 'animated-webp.webp',
    filename: 'animated.webp',
    contentType: 'image/webp',
    format: 'webp',
    description: '64x64 looping lossless WebP, 3 frames of 100 ms: solid red (first), green, blue; sharp join({ animated: true }).webp()',
    expect: OK,
    row: 13,
    width: 64,
    height: 64,
    frames: 3,
    make: async () => {
      const frames = await Promise.all(['#e02020', '#20a040', '#2040c0'].map((c) => sharp({ create: { width: 64, height: 64, channels: 3, background: c } }).png().toBuffer()));
      return sharp(frames, { join: { animated: true } }).webp({ loop: 0, delay: [100, 100, 100], lossless: true }).toBuffer();
    },
  },
  apng: {
    ...png('apng'),
    description: '64x64 looping APNG, 3 frames of 100 ms: solid red (first, also the IDAT default image), green, blue; hand-built acTL/fcTL/fdAT',
    expect: OK,
    row: 13,
    width: 64,
    height: 64,
    frames: 3,
    make: () => {
      const solid = (rgb: [number, number, number]) => {
        const px = Buffer.alloc(64 * 64 * 3);
        for (let i = 0; i < 64 * 64; i++) px.set(rgb, i * 3);
        return px;
      };
      return encodeApng(64, 64, [solid([224, 32, 32]), solid([32, 160, 64]), solid([32, 64, 192])], 100);
    },
  },
  'many-frames-gif': {
    file: 'many-frames-gif.gif',
    filename: 'many-frames.gif',
    contentType: 'image/gif',
    format: 'gif',
    description: '2x2 looping GIF89a with 10000 frames of 20 ms (palette rotation, literal-only LZW); hand-built blocks',
    expect: { status: 422, code: 'TOO_MANY_FRAMES' },
    row: 14,
    width: 2,
    height: 2,
    frames: 10000,
    make: () => manyFramesGif(10000),
  },

  // --- 15-17: encodings -----------------------------------------------------------------------
  'png16-rgb': {
    ...png('png16-rgb'),
    description: '256x192 two-axis ramp from 16-bit raw samples (not multiples of 257), 16-bit RGB PNG; sharp toColourspace("rgb16")',
    expect: OK,
    row: 15,
    width: 256,
    height: 192,
    make: () => gradient16().toColourspace('rgb16').png().toBuffer(),
  },
  'png16-grey': {
    ...png('png16-grey'),
    description: '256x192 two-axis ramp from 16-bit raw samples, 16-bit greyscale PNG; sharp toColourspace("grey16")',
    expect: OK,
    row: 15,
    width: 256,
    height: 192,
    make: () => gradient16().toColourspace('grey16').png().toBuffer(),
  },
  'png16-grey-alpha': {
    ...png('png16-grey-alpha'),
    description: '256x192 two-axis ramp from 16-bit raw samples, 16-bit grey + alpha PNG (alpha 75%); sharp ensureAlpha(0.75).toColourspace("grey16")',
    expect: OK,
    row: 15,
    width: 256,
    height: 192,
    make: () => gradient16().ensureAlpha(0.75).toColourspace('grey16').png().toBuffer(),
  },
  'png16-rgba': {
    ...png('png16-rgba'),
    description: '256x192 two-axis ramp from 16-bit raw samples, 16-bit RGBA PNG (alpha 75%); sharp ensureAlpha(0.75).toColourspace("rgb16")',
    expect: OK,
    row: 15,
    width: 256,
    height: 192,
    make: () => gradient16().ensureAlpha(0.75).toColourspace('rgb16').png().toBuffer(),
  },
  'png-palette': {
    ...png('png-palette'),
    description: 'flat-art as an indexed-colour PNG (colour type 3); sharp png({ palette: true })',
    expect: OK,
    row: 16,
    width: 800,
    height: 600,
    make: async (s) => fromRgb(await s.flatArt()).png({ palette: true }).toBuffer(),
  },
  'png-grey': {
    ...png('png-grey'),
    description: 'logo-4c as an 8-bit greyscale PNG (colour type 0); sharp toColourspace("b-w")',
    expect: OK,
    row: 16,
    width: 512,
    height: 512,
    make: async (s) => fromRgb(await s.logo4c()).toColourspace('b-w').png().toBuffer(),
  },
  'png-interlaced': {
    ...png('png-interlaced'),
    description: 'logo-4c as an Adam7-interlaced PNG; sharp png({ progressive: true })',
    expect: OK,
    row: 16,
    width: 512,
    height: 512,
    make: async (s) => fromRgb(await s.logo4c()).png({ progressive: true }).toBuffer(),
  },
  'jpeg-progressive': {
    ...jpeg('jpeg-progressive'),
    description: 'photo-like re-encoded as a progressive JPEG q85; sharp jpeg({ progressive: true })',
    expect: OK,
    row: 16,
    width: 768,
    height: 512,
    make: async (s) => sharp(await s.photoJpeg()).jpeg({ quality: 85, progressive: true }).toBuffer(),
  },
  'cmyk-reference': {
    ...png('cmyk-reference'),
    description: '256x192 sRGB scene in SWOP-gamut colours (gradient, brick circle, green and navy rectangles, mustard circle); SVG rendered by sharp, PNG',
    expect: OK,
    row: 17,
    width: 256,
    height: 192,
    make: (s) => s.cmykReference(),
  },
  'cmyk-jpeg-icc': {
    ...jpeg('cmyk-jpeg-icc'),
    description: 'cmyk-reference as a 4-channel CMYK JPEG q95 with sharp\'s built-in CMYK ICC profile embedded (~1 MB); sharp withIccProfile("cmyk")',
    expect: OK,
    row: 17,
    width: 256,
    height: 192,
    referenceFixture: 'cmyk-reference',
    make: async (s) => sharp(await s.cmykReference()).withIccProfile('cmyk').jpeg({ quality: 95 }).toBuffer(),
  },
  'cmyk-jpeg-no-icc': {
    ...jpeg('cmyk-jpeg-no-icc'),
    description: 'cmyk-reference as a 4-channel CMYK JPEG q95 (Adobe APP14) without any ICC profile; sharp toColourspace("cmyk")',
    expect: OK,
    row: 17,
    width: 256,
    height: 192,
    referenceFixture: 'cmyk-reference',
    make: async (s) => sharp(await s.cmykReference()).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(),
  },

  // --- 18: orientation ------------------------------------------------------------------------
  ...orientationFixtures,

  // --- 20: metadata ---------------------------------------------------------------------------
  'huge-icc': {
    ...png('huge-icc'),
    description: 'logo-2c PNG with an iCCP chunk (name "garbage") holding 2 MiB of pseudo-random bytes, deflated (chunk ~2 MB); hand-inserted after IHDR',
    expect: { ...OK, alt: INVALID },
    row: 20,
    width: 512,
    height: 512,
    make: async (s) => {
      const profile = zlib.deflateSync(seededBytes(2 * 1024 * 1024, 20), { level: 1 });
      const data = Buffer.concat([Buffer.from('garbage\0\0', 'latin1'), profile]);
      return withChunksAfterIhdr(await s.logoPng(), [{ type: 'iCCP', data }]);
    },
  },
  'bad-exif': {
    ...jpeg('bad-exif'),
    description: 'logo-2c JPEG q90 with an APP1 Exif segment right after SOI: IFD0 claims 40 entries but holds 2 (count 0xFFFFFFFF, out-of-file pointer, IFD loop)',
    expect: { ...OK, alt: INVALID },
    row: 20,
    width: 512,
    height: 512,
    make: async (s) => insertAfterSoi(await s.logoJpeg(), malformedExifSegment()),
  },
  'huge-xmp': {
    ...png('huge-xmp'),
    description: 'logo-2c PNG with a 1 MiB uncompressed iTXt chunk "XML:com.adobe.xmp" (XMP packet with ~35000 dc:subject keywords); hand-inserted after IHDR',
    expect: { ...OK, alt: INVALID },
    row: 20,
    width: 512,
    height: 512,
    make: async (s) => {
      const header = Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'); // keyword, flag, method, language, translated keyword
      const data = Buffer.concat([header, Buffer.from(xmpPacket(1024 * 1024 - header.length), 'utf8')]);
      return withChunksAfterIhdr(await s.logoPng(), [{ type: 'iTXt', data }]);
    },
  },

  // --- found by the mutated-image run (scripts/mutants.ts, scripts/bench-memory.ts) ---------------
  'forged-gif-frame': {
    ...forged('forged-gif-frame', 'gif'),
    description: `36-byte GIF89a whose screen and frame descriptor claim ${FORGED_WHOLE_FRAME.width}x${FORGED_WHOLE_FRAME.height}, with LZW data for 4 pixels; libnsgif decoded it without a warning into 80 MB; hand-built blocks`,
    expect: INVALID,
  },
  'forged-gif-screen': {
    ...forged('forged-gif-screen', 'gif'),
    description: `160x120 sharp GIF with its logical screen and first frame descriptor patched to ${FORGED_WHOLE_FRAME.width}x${FORGED_WHOLE_FRAME.height} (LZW data untouched)`,
    expect: INVALID,
  },
  'forged-jpeg-sof': {
    ...forged('forged-jpeg-sof', 'jpeg'),
    description: `160x120 sharp JPEG q85 with its SOF0 patched to ${FORGED.width}x${FORGED.height}; libjpeg only warned "premature end of data segment" and answered a grey 40 MP image`,
    expect: INVALID,
  },
  'forged-webp-animated-canvas': {
    ...forged('forged-webp-animated-canvas', 'webp'),
    description: `3-frame 64x48 lossless animated WebP (sharp) with its VP8X canvas patched to ${FORGED_WHOLE_FRAME.width}x${FORGED_WHOLE_FRAME.height}: valid, a 20 MP blank canvas, whose decode holds two full frames (160 MB), so pixel-budget admission must bound it`,
    expect: OK,
    frames: 3,
  },
} satisfies Record<string, FixtureSpec>;

export type FixtureName = keyof typeof SPECS;
export type FixtureIndex = Record<FixtureName, Fixture>;

export const FIXTURE_NAMES = Object.keys(SPECS) as FixtureName[];

function specOf(name: FixtureName): FixtureSpec {
  return SPECS[name];
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

interface Stamp {
  generatorVersion: number;
  vips: string;
  files: Record<string, number>;
}

function buildIndex(dir: string): FixtureIndex {
  const entries = FIXTURE_NAMES.map((name) => {
    const { make: _make, referenceFixture, file, ...rest } = specOf(name);
    const fixture: Fixture = { ...rest, file: path.join(dir, file) };
    if (referenceFixture) fixture.reference = path.join(dir, specOf(referenceFixture as FixtureName).file);
    return [name, fixture] as const;
  });
  return Object.fromEntries(entries) as FixtureIndex;
}

async function stampIsCurrent(dir: string): Promise<boolean> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(path.join(dir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return false;
  }
  if (stamp.generatorVersion !== GENERATOR_VERSION || stamp.vips !== sharp.versions.vips) return false;
  const sizes = await Promise.all(
    FIXTURE_NAMES.map(async (name) => {
      const file = specOf(name).file;
      try {
        return (await stat(path.join(dir, file))).size === stamp.files[file];
      } catch {
        return false;
      }
    }),
  );
  return sizes.every(Boolean);
}

/** Write-then-rename, so a test process running beside another generator never reads half a file. */
async function writeAtomically(file: string, data: Buffer | string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}

export interface MakeFixturesOptions {
  /** Regenerate even when the stamp says the directory is current. */
  force?: boolean;
}

/** Generates every fixture into `dir` (skipped when its stamp matches) and returns the index. */
export async function makeFixtures(dir: string = DEFAULT_FIXTURE_DIR, options: MakeFixturesOptions = {}): Promise<FixtureIndex> {
  const target = path.resolve(dir);
  if (options.force || !(await stampIsCurrent(target))) {
    await mkdir(target, { recursive: true });
    const sources = createSources();
    const files: Record<string, number> = {};
    await Promise.all(
      FIXTURE_NAMES.map(async (name) => {
        const spec = specOf(name);
        const bytes = await spec.make(sources);
        await writeAtomically(path.join(target, spec.file), bytes);
        files[spec.file] = bytes.length;
      }),
    );
    const stamp: Stamp = { generatorVersion: GENERATOR_VERSION, vips: sharp.versions.vips, files };
    await writeAtomically(path.join(target, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
  }
  return buildIndex(target);
}

function markdownTable(index: FixtureIndex): string {
  const rows = FIXTURE_NAMES.map((name) => {
    const f = index[name];
    const expect = `${f.expect.status}${f.expect.code ? ` ${f.expect.code}` : ''}${f.expect.alt ? ` (or ${f.expect.alt.status}${f.expect.alt.code ? ` ${f.expect.alt.code}` : ''})` : ''}`;
    return `| \`${name}\` | ${f.row ?? ''} | ${path.basename(f.file)} | ${expect} | ${f.description.replaceAll('|', '\\|')} |`;
  });
  return ['| fixture | row | file | expect | what it is, how it is made |', '|---|---|---|---|---|', ...rows].join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const started = performance.now();
  const index = await makeFixtures(DEFAULT_FIXTURE_DIR, { force: argv.includes('--force') });
  if (argv.includes('--markdown')) {
    process.stdout.write(`${markdownTable(index)}\n`);
    return;
  }
  let total = 0;
  for (const name of FIXTURE_NAMES) {
    const { size } = await stat(index[name].file);
    total += size;
    process.stdout.write(`${name.padEnd(24)} ${String(size).padStart(10)}\n`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  process.stdout.write(`${FIXTURE_NAMES.length} fixtures, ${total} bytes in ${DEFAULT_FIXTURE_DIR} (${seconds} s)\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`make-fixtures: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
