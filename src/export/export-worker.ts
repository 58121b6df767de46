/** A thread of the export pool: writes one export and hands it back (the bytes are copied once). */
import type { ExportOptions } from '../pipeline/options.js';
import { exportInProcess, type ExportSource } from './export.js';

export default async function exportTask({ source, options }: { source: ExportSource; options: ExportOptions }) {
  const file = await exportInProcess(source, options);
  return { ...file, body: new Uint8Array(file.body.buffer, file.body.byteOffset, file.body.byteLength) };
}
