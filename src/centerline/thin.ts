/**
 * Zhang-Suen thinning to a one-pixel, 8-connected skeleton, then removal of the staircase pixels
 * Zhang-Suen leaves (a pixel whose two 4-neighbours at a right angle already touch each other), so
 * that every skeleton pixel of a line has exactly two neighbours and junctions are real.
 * Only pixels on the current boundary are examined each pass, so the cost follows the ink, not the
 * image.
 */

/** Neighbour offsets in the order P2..P9 of Zhang-Suen: N, NE, E, SE, S, SW, W, NW. */
function offsets(width: number): number[] {
  return [-width, -width + 1, 1, width + 1, width, width - 1, -1, -width - 1];
}

/** Thins `mask` (1 = ink) in place; the image border must be background (callers pad by one pixel). */
export function thin(mask: Uint8Array, width: number, height: number): void {
  const off = offsets(width);
  let candidates: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const p = y * width + x;
      if (mask[p]) candidates.push(p);
    }
  }
  const remove: number[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (let step = 0; step < 2; step++) {
      remove.length = 0;
      const next: number[] = [];
      for (const p of candidates) {
        if (!mask[p]) continue;
        let b = 0;
        let a = 0;
        let prev = mask[p + off[7]!]!;
        for (let k = 0; k < 8; k++) {
          const v = mask[p + off[k]!]!;
          b += v;
          if (!prev && v) a++;
          prev = v;
        }
        const n = mask[p + off[0]!]!;
        const e = mask[p + off[2]!]!;
        const s = mask[p + off[4]!]!;
        const w = mask[p + off[6]!]!;
        const ok = step === 0 ? !(n && e && s) && !(e && s && w) : !(n && e && w) && !(n && s && w);
        if (b >= 2 && b <= 6 && a === 1 && ok) remove.push(p);
        else next.push(p);
      }
      for (const p of remove) mask[p] = 0;
      if (remove.length > 0) changed = true;
      candidates = next;
    }
  }
  removeStaircases(mask, candidates, off);
}

function removeStaircases(mask: Uint8Array, pixels: number[], off: number[]): void {
  const v = new Uint8Array(8);
  for (const p of pixels) {
    if (!mask[p]) continue;
    let count = 0;
    for (let k = 0; k < 8; k++) count += v[k] = mask[p + off[k]!]!;
    if (count < 2) continue;
    // Yokoi's 8-connectivity number: 1 means the neighbours stay connected without p.
    let n8 = 0;
    for (let k = 0; k < 8; k += 2) {
      const x0 = 1 - v[k]!;
      const x1 = 1 - v[(k + 1) % 8]!;
      const x2 = 1 - v[(k + 2) % 8]!;
      n8 += x0 - x0 * x1 * x2;
    }
    if (n8 !== 1) continue;
    const rightAngle = (v[0] && v[2]) || (v[2] && v[4]) || (v[4] && v[6]) || (v[6] && v[0]);
    if (rightAngle) mask[p] = 0;
  }
}
