/**
 * Where exports run: small ones in the calling thread (a re-export must be fast, and a thread hop
 * costs more than writing a small SVG), heavy ones on a small pool of worker threads so a large
 * PDF or PNG never stalls the API's event loop. The pool starts on first use and its threads
 * leave when idle.
 */
import { Piscina } from 'piscina';
import type { ExportOptions } from '../pipeline/options.js';
import { exportInProcess, isHeavy, type ExportedFile, type ExportSource } from './export.js';
import { workerExecArgv } from '../queue/worker-exec-argv.js';

const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = new URL(RUNNING_FROM_SOURCE ? './export-worker.ts' : './export-worker.js', import.meta.url);

let pool: Piscina | undefined;

function exportPool(): Piscina {
  pool ??= new Piscina({
    filename: WORKER.href,
    minThreads: 0,
    maxThreads: 2,
    idleTimeout: 30_000,
    execArgv: workerExecArgv(WORKER),
  });
  return pool;
}

export async function exportResult(source: ExportSource, options: ExportOptions, { offThread }: { offThread?: boolean } = {}): Promise<ExportedFile> {
  if (!(offThread ?? isHeavy(source, options))) return exportInProcess(source, options);
  const file = (await exportPool().run({ source: { svg: source.svg, width: source.width, height: source.height }, options })) as Omit<ExportedFile, 'body'> & { body: Uint8Array };
  return { ...file, body: Buffer.from(file.body.buffer, file.body.byteOffset, file.body.byteLength) };
}

export async function closeExportPool(): Promise<void> {
  const running = pool;
  pool = undefined;
  await running?.destroy();
}
