/** A primitive as an SVG element, numbers in the path optimiser's precision and shortest form. */
import type { Primitive } from './primitive.js';

/** Shortest decimal text of `v` at `decimals` (no trailing zeros, no leading zero). */
export function formatNumber(v: number, decimals: number): string {
  const scale = 10 ** decimals;
  const r = Math.round(v * scale) / scale;
  if (r === 0) return '0';
  let s = r.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s.replace(/^(-?)0\./, '$1.');
}

/** `<circle>`, `<ellipse>` or `<rect>` with `paint` (the attributes of the path it replaces, e.g. ` fill="#fff"`). */
export function writePrimitive(p: Primitive, paint: string, decimals: number): string {
  const n = (v: number) => formatNumber(v, decimals);
  // Angles keep one more decimal than coordinates: a degree is more than a unit far from the centre.
  const a = (v: number) => formatNumber(v, decimals + 1);
  switch (p.kind) {
    case 'circle':
      return `<circle cx="${n(p.cx)}" cy="${n(p.cy)}" r="${n(p.r)}"${paint}/>`;
    case 'ellipse': {
      const rotate = p.angle === 0 ? '' : ` transform="rotate(${a(p.angle)} ${n(p.cx)} ${n(p.cy)})"`;
      return `<ellipse cx="${n(p.cx)}" cy="${n(p.cy)}" rx="${n(p.rx)}" ry="${n(p.ry)}"${rotate}${paint}/>`;
    }
    case 'rect': {
      const rotate = p.angle === 0 ? '' : ` transform="rotate(${a(p.angle)} ${n(p.cx)} ${n(p.cy)})"`;
      const x = n(p.cx - p.width / 2);
      const y = n(p.cy - p.height / 2);
      const at = (x === '0' ? '' : ` x="${x}"`) + (y === '0' ? '' : ` y="${y}"`);
      const round = n(p.rx) === '0' ? '' : ` rx="${n(p.rx)}"`;
      return `<rect${at} width="${n(p.width)}" height="${n(p.height)}"${round}${rotate}${paint}/>`;
    }
  }
}
