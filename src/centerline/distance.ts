/**
 * Euclidean distance transform (Felzenszwalb & Huttenlocher): for every ink pixel, the distance to
 * the centre of the nearest background pixel. Half the stroke width on the centreline, which is
 * where junctions are clustered and spurs judged. Linear in the number of pixels.
 */

/** Squared distances along one row: f[i] is the squared distance down its column; the lower envelope of their parabolas in d. */
function edt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    while (s <= z[k]!) {
      k--;
      s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    d[q] = (q - v[k]!) * (q - v[k]!) + f[v[k]!]!;
  }
}

/** Distance of every mask pixel (1) to the nearest non-mask pixel; outside the image counts as background. */
export function distanceTransform(mask: Uint8Array, width: number, height: number): Float32Array {
  // Columns first. On a binary mask a column's squared distance is that of the nearest background
  // pixel above or below (the image border counts as background), so two running counts give it
  // exactly, row by row in memory order: the parabola envelope is needed only for the rows.
  const grid = new Float64Array(width * height);
  const run = new Float64Array(width);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) grid[i] = run[x] = mask[i] ? run[x]! + 1 : 0;
  }
  run.fill(0);
  for (let y = height - 1; y >= 0; y--) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      run[x] = mask[i] ? run[x]! + 1 : 0;
      const g = Math.min(grid[i]!, run[x]!);
      grid[i] = g * g;
    }
  }
  const size = width + 2;
  const f = new Float64Array(size);
  const d = new Float64Array(size);
  const v = new Int32Array(size);
  const z = new Float64Array(size + 1);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    // A row without ink stays 0.
    let ink = false;
    for (let x = 0; x < width && !ink; x++) ink = mask[row + x] !== 0;
    if (!ink) continue;
    f[0] = 0;
    for (let x = 0; x < width; x++) f[x + 1] = grid[row + x]!;
    f[width + 1] = 0;
    edt1d(f, width + 2, d, v, z);
    for (let x = 0; x < width; x++) out[row + x] = mask[row + x] ? Math.sqrt(d[x + 1]!) : 0;
  }
  return out;
}
