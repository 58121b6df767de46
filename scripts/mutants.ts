/**
 * A seeded generator of hostile and odd images, for the memory benchmark (scripts/bench-memory.ts)
 * and for the fixtures kept from it (test/fixtures: every mutant that found a defect).
 *
 * Seeds are small valid images in every format; mutants are made from them by forging the
 * dimensions in each format's header (PNG IHDR, JPEG SOF, GIF screen and frame descriptor, WebP
 * VP8L and VP8X canvas), cutting at a random offset, flipping bits and spoiling PNG chunk CRCs.
 * Odd but valid files (16-bit, CMYK, interlaced, palette with tRNS, 1xN strips, many-frame GIFs)
 * go in as they are. The same seed gives the same bytes.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { encodeRawPng, FORGED, FORGED_WHOLE_FRAME, ihdrData, lzwLiterals, patchJpegDimensions, PNG_SIGNATURE, pngChunk, seededRandom } from './make-fixtures.js';

export interface Mutant {
  /** Unique within one generated set: kind, seed image and a counter. */
  name: string;
  /** forged, truncated, bitflip, bad-crc or valid. */
  kind: 'forged' | 'truncated' | 'bitflip' | 'bad-crc' | 'valid';
  bytes: Buffer;
}

export { FORGED };

// --- hand-built bytes ---------------------------------------------------------------------------

/** A GIF89a of one frame whose screen and frame descriptor both claim `width` x `height`, with a few pixels of data. */
export function forgedGif(width: number = FORGED_WHOLE_FRAME.width, height: number = FORGED_WHOLE_FRAME.height): Buffer {
  const header = Buffer.alloc(13);
  header.write('GIF89a', 0, 'latin1');
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  header[10] = 0x80; // global colour table of 2 entries
  const palette = Buffer.from([0, 0, 0, 255, 255, 255]);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(width, 5);
  descriptor.writeUInt16LE(height, 7);
  return Buffer.concat([header, palette, descriptor, lzwLiterals([1, 0, 1, 0], 2), Buffer.from([0x3b])]);
}

/** A looping GIF of `frames` w x h frames, each a shifted stripe pattern (valid, many frames). */
export function manyFrameGif(width: number, height: number, frames: number): Buffer {
  const header = Buffer.alloc(13);
  header.write('GIF89a', 0, 'latin1');
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  header[10] = 0x91; // 4-entry global colour table
  const palette = Buffer.from([255, 255, 255, 20, 40, 160, 220, 30, 30, 30, 160, 60]);
  const loop = Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'latin1'), 0x03, 0x01, 0x00, 0x00, 0x00]);
  const parts: Buffer[] = [header, palette, loop];
  for (let f = 0; f < frames; f++) {
    const descriptor = Buffer.alloc(10);
    descriptor[0] = 0x2c;
    descriptor.writeUInt16LE(width, 5);
    descriptor.writeUInt16LE(height, 7);
    const indices = Array.from({ length: width * height }, (_, i) => (Math.floor((i % width) / 4) + f) % 4);
    parts.push(Buffer.from([0x21, 0xf9, 0x04, 0x04, 0x04, 0x00, 0x00, 0x00]), descriptor, lzwLiterals(indices, 2));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

/** A PNG whose IHDR claims `width` x `height` (CRC recomputed), the rest of `png` untouched. */
export function forgedPng(png: Buffer, width: number = FORGED.width, height: number = FORGED.height): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(zlib.crc32(out.subarray(12, 29)) >>> 0, 29);
  return out;
}

/** Offsets of the RIFF chunks of a WebP file. */
function webpChunks(webp: Buffer): { type: string; at: number; size: number }[] {
  const chunks: { type: string; at: number; size: number }[] = [];
  for (let at = 12; at + 8 <= webp.length; ) {
    const size = webp.readUInt32LE(at + 4);
    chunks.push({ type: webp.toString('latin1', at, at + 4), at, size });
    at += 8 + size + (size & 1);
  }
  return chunks;
}

/**
 * A WebP claiming `width` x `height`: an extended (VP8X) file gets its canvas forged, frames and
 * data untouched (the 450-byte animated WebP with a 5792x3452 canvas); a lossless still gets its
 * VP8L header forged, so the data runs out long before the pixels do.
 */
export function forgedWebp(webp: Buffer, width: number = FORGED_WHOLE_FRAME.width, height: number = FORGED_WHOLE_FRAME.height): Buffer {
  const out = Buffer.from(webp);
  const chunks = webpChunks(out);
  const vp8x = chunks.find((c) => c.type === 'VP8X');
  if (vp8x) {
    out.writeUIntLE(width - 1, vp8x.at + 12, 3);
    out.writeUIntLE(height - 1, vp8x.at + 15, 3);
    return out;
  }
  const vp8l = chunks.find((c) => c.type === 'VP8L');
  if (!vp8l) throw new Error('forgedWebp: expected a VP8X or VP8L chunk');
  // 14 bits width-1, 14 bits height-1, then alpha and version bits, after the 0x2f signature byte.
  const at = vp8l.at + 9;
  const rest = out.readUInt32LE(at) & 0xf0000000;
  out.writeUInt32LE((rest | ((height - 1) << 14) | (width - 1)) >>> 0, at);
  return out;
}

/** A JPEG whose SOF claims `width` x `height`; the scan data is that of the small image. */
export function forgedJpeg(jpeg: Buffer, width: number = FORGED.width, height: number = FORGED.height): Buffer {
  return patchJpegDimensions(jpeg, width, height);
}

/** Palette PNG with a tRNS chunk: index 0 fully transparent, index 1 half. */
function paletteTrnsPng(width: number, height: number): Buffer {
  const palette = Buffer.from([255, 255, 255, 20, 40, 160, 220, 30, 30, 250, 200, 0]);
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inDisc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
      rows[y * (width + 1) + 1 + x] = inDisc ? 2 : y > height * 0.75 ? 3 : x < width / 4 ? 1 : 0;
    }
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdrData(width, height, 8, 3)),
    pngChunk('PLTE', palette),
    pngChunk('tRNS', Buffer.from([0, 128])),
    pngChunk('IDAT', zlib.deflateSync(rows)),
    pngChunk('IEND'),
  ]);
}

// --- seeds ----------------------------------------------------------------------------------------

const LOGO_SVG = (w: number, h: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="#fff"/>` +
  `<circle cx="${w * 0.4}" cy="${h * 0.45}" r="${Math.min(w, h) * 0.3}" fill="#1a2b6d"/>` +
  `<rect x="${w * 0.55}" y="${h * 0.6}" width="${w * 0.35}" height="${h * 0.25}" fill="#d23c28"/></svg>`;

export interface Seeds {
  png: Buffer;
  jpeg: Buffer;
  webp: Buffer;
  webpAnimated: Buffer;
  gif: Buffer;
  gifAnimated: Buffer;
  /** Odd but valid files, by name. */
  valid: Record<string, Buffer>;
}

export async function makeSeeds(): Promise<Seeds> {
  const logo = sharp(Buffer.from(LOGO_SVG(160, 120))).flatten({ background: '#fff' });
  const rgb = await logo.clone().raw().toBuffer();
  const fromRaw = () => sharp(rgb, { raw: { width: 160, height: 120, channels: 3 } });
  const frames = await Promise.all(
    ['#c81e1e', '#1ec81e', '#1e1ec8'].map((c) =>
      sharp({ create: { width: 64, height: 48, channels: 3, background: c } }).png().toBuffer(),
    ),
  );
  const animated = () => sharp(frames, { join: { animated: true } });
  const photo = sharp(Buffer.from(LOGO_SVG(240, 180))).blur(6);
  return {
    png: await fromRaw().png().toBuffer(),
    jpeg: await fromRaw().jpeg({ quality: 85 }).toBuffer(),
    webp: await fromRaw().webp({ lossless: true }).toBuffer(),
    webpAnimated: await animated().webp({ lossless: true, delay: 100, loop: 0 }).toBuffer(),
    gif: await fromRaw().gif().toBuffer(),
    gifAnimated: await animated().gif({ delay: 100, loop: 0 }).toBuffer(),
    valid: {
      'png16-rgb': await fromRaw().toColourspace('rgb16').png().toBuffer(),
      'cmyk-jpeg': await photo.clone().toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer(),
      'png-interlaced': await fromRaw().png({ progressive: true }).toBuffer(),
      'jpeg-progressive': await photo.clone().jpeg({ progressive: true }).toBuffer(),
      'palette-trns': paletteTrnsPng(96, 72),
      'strip-1x2000': encodeRawPng(1, 2000, 3, Buffer.alloc(2000 * 3, 90)),
      'strip-2000x1': encodeRawPng(2000, 1, 1, Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7) % 256))),
      'strip-3x1': encodeRawPng(3, 1, 3, Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255])),
      'gif-300-frames': manyFrameGif(32, 24, 300),
      'webp-lossy': await photo.clone().webp({ quality: 70 }).toBuffer(),
    },
  };
}

// --- mutations -------------------------------------------------------------------------------------

/** Every forged-dimension variant: one per format and header kind. */
export function forgedMutants(seeds: Seeds): Mutant[] {
  return [
    { name: 'forged-gif-frame', kind: 'forged', bytes: forgedGif() },
    { name: 'forged-gif-screen', kind: 'forged', bytes: forgedGifScreen(seeds.gif) },
    { name: 'forged-webp-animated-canvas', kind: 'forged', bytes: forgedWebp(seeds.webpAnimated) },
    { name: 'forged-webp-lossless', kind: 'forged', bytes: forgedWebp(seeds.webp) },
    { name: 'forged-jpeg-sof', kind: 'forged', bytes: forgedJpeg(seeds.jpeg) },
    { name: 'forged-png-ihdr', kind: 'forged', bytes: forgedPng(seeds.png) },
  ];
}

/** The small GIF with its logical screen and first frame descriptor forged to the big size. */
function forgedGifScreen(gif: Buffer): Buffer {
  const out = Buffer.from(gif);
  out.writeUInt16LE(FORGED_WHOLE_FRAME.width, 6);
  out.writeUInt16LE(FORGED_WHOLE_FRAME.height, 8);
  const tableSize = out[10]! & 0x80 ? 3 * 2 ** ((out[10]! & 7) + 1) : 0;
  // Skip extensions to the first image descriptor.
  let at = 13 + tableSize;
  while (at < out.length && out[at] === 0x21) {
    at += 2;
    while (at < out.length && out[at] !== 0) at += out[at]! + 1;
    at += 1;
  }
  if (out[at] === 0x2c) {
    out.writeUInt16LE(FORGED_WHOLE_FRAME.width, at + 5);
    out.writeUInt16LE(FORGED_WHOLE_FRAME.height, at + 7);
  }
  return out;
}

/** PNG chunk offsets after the signature (for CRC spoiling). */
function pngChunkOffsets(png: Buffer): { at: number; length: number }[] {
  const out: { at: number; length: number }[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    out.push({ at, length });
    at += 12 + length;
  }
  return out;
}

/**
 * `count` mutants from `seed`: the forged set first, every odd-but-valid file once, then random
 * truncations, bit flips and bad CRCs of random seed images (forged ones included).
 */
export function* mutants(seeds: Seeds, count: number, seed = 1): Generator<Mutant> {
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const forged = forgedMutants(seeds);
  const fixed: Mutant[] = [...forged, ...Object.entries(seeds.valid).map(([name, bytes]) => ({ name: `valid-${name}`, kind: 'valid' as const, bytes }))];
  let n = 0;
  for (const m of fixed) {
    if (n++ >= count) return;
    yield m;
  }
  const bases: [string, Buffer][] = [
    ['png', seeds.png],
    ['jpeg', seeds.jpeg],
    ['webp', seeds.webp],
    ['webp-animated', seeds.webpAnimated],
    ['gif', seeds.gif],
    ['gif-animated', seeds.gifAnimated],
    ...forged.map((m) => [m.name, m.bytes] as [string, Buffer]),
    ...Object.entries(seeds.valid),
  ];
  for (let i = 0; n < count; i++, n++) {
    const [baseName, base] = pick(bases);
    const r = rand();
    if (r < 0.35) {
      // Cut anywhere after the signature.
      const at = 8 + Math.floor(rand() * Math.max(1, base.length - 8));
      yield { name: `truncated-${baseName}-${i}`, kind: 'truncated', bytes: Buffer.from(base.subarray(0, at)) };
    } else if (r < 0.8 || !base.subarray(0, 8).equals(PNG_SIGNATURE)) {
      const out = Buffer.from(base);
      const flips = 1 + Math.floor(rand() * 8);
      // Past the first 4 bytes, so the sniffer still sees the format and the decoders get the damage.
      for (let k = 0; k < flips; k++) {
        const at = 4 + Math.floor(rand() * (out.length - 4));
        out[at] = out[at]! ^ (1 << Math.floor(rand() * 8));
      }
      yield { name: `bitflip-${baseName}-${i}`, kind: 'bitflip', bytes: out };
    } else {
      const out = Buffer.from(base);
      const chunk = pick(pngChunkOffsets(out));
      const crcAt = chunk.at + 8 + chunk.length;
      if (crcAt + 4 <= out.length) out.writeUInt32BE(~out.readUInt32BE(crcAt) >>> 0, crcAt);
      yield { name: `bad-crc-${baseName}-${i}`, kind: 'bad-crc', bytes: out };
    }
  }
}
