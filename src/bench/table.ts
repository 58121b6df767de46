/** Markdown tables that also read well in a terminal: cells padded to the column width. */

export type Align = 'left' | 'right';

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const cell = (text: string, c: number) => (align[c] === 'right' ? text.padStart(widths[c]!) : text.padEnd(widths[c]!));
  const line = (cells: readonly string[]) => `| ${header.map((_, c) => cell(cells[c] ?? '', c)).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (align[c] === 'right' ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const dash = '–';

/** SSIM with 4 decimals. */
export function fmtSsim(v: number | null): string {
  return v === null ? dash : v.toFixed(4);
}

/** Milliseconds as an integer. */
export function fmtMs(v: number | null): string {
  return v === null ? dash : String(Math.round(v));
}

/** Kilobytes (1 KB = 1024 bytes) with one decimal. */
export function fmtKb(v: number | null): string {
  return v === null ? dash : v.toFixed(1);
}

export function fmtRatio(n: number, total: number): string {
  return `${n}/${total}`;
}
