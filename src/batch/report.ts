/** One row per image of a batch, as report.json and report.csv carry it (CLI and API alike). */

export type ReportStatus = 'converted' | 'skipped' | 'failed' | 'waiting' | 'active';

export interface ReportRow {
  file: string;
  status: ReportStatus;
  tier?: number | undefined;
  engine?: string | undefined;
  ssim?: number | undefined;
  ms?: number | undefined;
  bytes?: number | undefined;
  error?: string | undefined;
  /** Why a file was skipped: already converted, or left out by the folder walk (not an image name, filtered). */
  reason?: string | undefined;
  /** 'hit' when the service answered from its cache (report.json only). */
  cache?: 'hit' | 'miss' | undefined;
}

export const REPORT_COLUMNS = ['file', 'status', 'tier', 'engine', 'ssim', 'ms', 'bytes', 'error', 'reason'] as const;

function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  // Quote anything with a separator, quote or line break; neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(rows: readonly ReportRow[]): string {
  const lines = [REPORT_COLUMNS.join(',')];
  for (const row of rows) lines.push(REPORT_COLUMNS.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

export interface ReportSummary {
  total: number;
  converted: number;
  skipped: number;
  failed: number;
  pending: number;
}

export function summarize(rows: readonly ReportRow[]): ReportSummary {
  const count = (s: ReportStatus) => rows.filter((r) => r.status === s).length;
  return {
    total: rows.length,
    converted: count('converted'),
    skipped: count('skipped'),
    failed: count('failed'),
    pending: count('waiting') + count('active'),
  };
}

/**
 * A client-supplied file name made safe as a relative path inside an archive or a report: no
 * parent or absolute segments, no control characters, bounded length. It is never a server path.
 */
export function safeRelativeName(name: string, fallback: string): string {
  const cleaned = name
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replaceAll('\\', '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.' && part !== '..')
    .map((part) => part.slice(0, 100))
    .slice(-8)
    .join('/');
  return cleaned === '' ? fallback : cleaned.slice(0, 400);
}
