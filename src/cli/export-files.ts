/** The CLI's export flags (--format, repeatable, --width, --height, --unit, --dpi, --group-by) and writing the files they ask for. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { exportResult } from '../export/export-pool.js';
import { FORMATS } from '../export/formats.js';
import type { ConversionResult } from '../pipeline/convert.js';
import { OPTION_SPECS, parseExportOptions, type ExportFormat, type ExportOptions } from '../pipeline/options.js';

export interface CliExports {
  formats: ExportFormat[];
  options: ExportOptions;
  /** False when no export flag was given: the SVG is written exactly as converted. */
  asked: boolean;
}

const spec = (name: string) => OPTION_SPECS.find((s) => s.name === name)!;
const values = (name: string) => {
  const t = spec(name).type;
  return t.kind === 'enum' ? t.values.join('|') : t.kind === 'number' ? `${t.min}-${t.max}` : '';
};

export function withExportOptions(command: Command): Command {
  return command
    .option('--format <format>', `${values('format')}; repeat for several files per image (default svg)`, (v: string, all: string[] = []) => [...all, v])
    .option('--width <n>', `output width in --unit (${values('width')}); alone it keeps the aspect`)
    .option('--height <n>', `output height in --unit (${values('height')}); alone it keeps the aspect`)
    .option('--unit <unit>', `${values('unit')} (default px)`)
    .option('--dpi <n>', `pixels per inch for px <-> physical units and PNG (${values('dpi')}, default 96)`)
    .option('--group-by <how>', `${values('group_by')}: one group (SVG) per colour`);
}

/** The export flags, validated exactly as the API validates them; throws the API's AppError. */
export function exportsFrom(opts: Record<string, unknown>): CliExports {
  const raw: Record<string, string> = {};
  for (const [flag, name] of [['width', 'width'], ['height', 'height'], ['unit', 'unit'], ['dpi', 'dpi'], ['groupBy', 'group_by']] as const) {
    if (typeof opts[flag] === 'string') raw[name] = opts[flag] as string;
  }
  const given = (opts.format as string[] | undefined) ?? [];
  const formats = [...new Set(given.length > 0 ? given : ['svg'])].map((format) => parseExportOptions({ format }, { only: true }).format!);
  return { formats, options: parseExportOptions(raw, { only: true }), asked: given.length > 0 || Object.keys(raw).length > 0 };
}

/** What the commands write without export flags: the SVG exactly as converted. */
export const SVG_ONLY: CliExports = { formats: ['svg'], options: { unit: 'px', dpi: 96, groupBy: 'none' }, asked: false };

/** `base` is the target path without extension; one file per format. Returns the paths written. */
export async function writeExports(result: ConversionResult, base: string, exports: CliExports): Promise<string[]> {
  await mkdir(path.dirname(base), { recursive: true });
  const written: string[] = [];
  for (const format of exports.formats) {
    const target = `${base}.${FORMATS[format].extension}`;
    if (!exports.asked) await writeFile(target, result.svg);
    else await writeFile(target, (await exportResult(result, { ...exports.options, format })).body);
    written.push(target);
  }
  return written;
}
