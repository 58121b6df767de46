/**
 * What an interrupted `svg-ai batch` run already finished: one JSON line per converted image in
 * <out>/.svg-ai-batch.jsonl, appended as each SVG is written. A rerun skips an image whose SVG
 * exists and whose line matches its content hash and options.
 */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportRow } from './report.js';

export const MANIFEST_NAME = '.svg-ai-batch.jsonl';

export interface ManifestEntry extends ReportRow {
  sha256: string;
  options: string;
}

export class Manifest {
  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, ManifestEntry>,
  ) {}

  static async open(outDir: string): Promise<Manifest> {
    const file = path.join(outDir, MANIFEST_NAME);
    const entries = new Map<string, ManifestEntry>();
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as ManifestEntry;
        entries.set(entry.file, entry);
      } catch {
        // A line cut short by the interruption: that image is simply done again.
      }
    }
    return new Manifest(file, entries);
  }

  /** The earlier result for this file when it is for the same bytes and options. */
  done(file: string, sha256: string, options: string): ManifestEntry | undefined {
    const entry = this.entries.get(file);
    return entry && entry.sha256 === sha256 && entry.options === options && entry.status === 'converted' ? entry : undefined;
  }

  async record(entry: ManifestEntry): Promise<void> {
    this.entries.set(entry.file, entry);
    await appendFile(this.file, `${JSON.stringify(entry)}\n`);
  }
}
