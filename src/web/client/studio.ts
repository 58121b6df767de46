/** The studio page: pick, drop or paste images, watch them convert, compare, tweak and download. */
import { getBatch, getJob, getSvg, optionDocs, ServiceError, sleep, submitBatch, submitConversion, type BatchRow, type Facts, type Job } from './api.js';
import { buildControls, formatsOf, paramsOf, type OptionControl } from './controls.js';
import { countShapes } from './diff.js';
import { formatBytes, renderFacts } from './facts.js';
import { Viewer } from './viewer.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const ACCEPTED = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

interface Current {
  file: File;
  facts?: Facts;
  svg?: string;
  resultId?: string;
  jobId?: string;
}

let controls: OptionControl[] = [];
let formats: string[] = ['svg'];
let current: Current | undefined;
/** Increases with every conversion started, so a slow older answer never replaces a newer one. */
let generation = 0;
const viewer = new Viewer();

viewer.onDiff = (s) => {
  $('diff-summary').textContent = `${(s.over10 * 100).toFixed(1)} % of pixels differ by more than 10 %; mean difference ${(s.mean * 100).toFixed(2)} %.`;
};

function showError(message: string | undefined): void {
  const box = $('error');
  box.hidden = !message;
  box.textContent = message ?? '';
}

/** One sentence for screen readers when a conversion starts or ends (stages would be too chatty). */
function announce(text: string): void {
  $('announce').textContent = text;
}

function queueEntry(name: string): { li: HTMLLIElement; set: (status: string, value?: number, failed?: boolean) => void } {
  const li = document.createElement('li');
  const title = document.createElement('span');
  title.className = 'name';
  title.textContent = name;
  const status = document.createElement('span');
  status.className = 'status';
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.setAttribute('aria-label', `Progress of ${name}`);
  li.append(title, status, bar);
  $('queue').prepend(li);
  while ($('queue').children.length > 6) $('queue').lastElementChild!.remove();
  return {
    li,
    set: (text, value, failed = false) => {
      status.textContent = text;
      if (value === undefined) bar.removeAttribute('value');
      else bar.value = value;
      li.classList.toggle('failed', failed);
      li.classList.toggle('done', value === 1 && !failed);
    },
  };
}

const stageText = (job: Job): string => {
  if (job.state === 'waiting') return 'waiting for a worker';
  const p = job.progress;
  if (!p) return 'starting';
  return p.stage === 'start' ? 'starting' : `${p.stage} (${p.index + 1} of ${p.total})`;
};

async function waitForJob(job: Job, entry: ReturnType<typeof queueEntry>, mine: number): Promise<Job | undefined> {
  let delay = 150;
  while (job.state === 'waiting' || job.state === 'active') {
    entry.set(stageText(job), job.progress ? (job.progress.index + 1) / (job.progress.total + 1) : undefined);
    await sleep(delay);
    if (mine !== generation) return undefined;
    delay = Math.min(600, delay * 1.3);
    job = await getJob(job.id);
  }
  return job;
}

/** Converts one image as an async job, showing each stage, then shows the result. */
async function convertOne(file: File): Promise<void> {
  const mine = ++generation;
  const same = current?.file === file;
  current = { file };
  showError(undefined);
  $('viewer').dataset.state = 'converting';
  const entry = queueEntry(file.name);
  entry.set('uploading');
  announce(`Converting ${file.name}.`);
  document.body.classList.add('busy');
  try {
    if (!same) await viewer.showSource(file).catch(() => undefined);
    const submitted = await submitConversion(file, file.name, paramsOf(controls, 'trace'));
    const job = await waitForJob(submitted, entry, mine);
    if (!job) return entry.set('replaced by a newer conversion', 0);
    if (job.state === 'failed') throw new ServiceError({ status: 422, title: 'Failed', code: job.error?.code ?? 'INTERNAL', detail: job.error?.detail ?? 'The conversion failed.' });
    const { svg, resultId } = await getSvg(job.svgUrl ?? `/api/jobs/${job.id}/svg`);
    if (mine !== generation) return;
    const facts = job.result!;
    current = { file, facts, svg, jobId: job.id, ...(resultId ?? facts.resultId ? { resultId: resultId ?? facts.resultId } : {}) };
    await viewer.showResult(svg);
    renderFacts($('facts'), facts, countShapes(svg), file.size, undefined);
    renderDownloads();
    entry.set(`done: tier ${facts.tier}, SSIM ${facts.ssim.toFixed(4)}, ${formatBytes(facts.bytes)}`, 1);
    announce(`${file.name} converted: tier ${facts.tier}, SSIM ${facts.ssim.toFixed(4)} against a target of ${facts.target}, ${formatBytes(facts.bytes)}.`);
    $('viewer').dataset.state = 'result';
    $('viewer').dataset.jobId = job.id;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    entry.set(`failed: ${message}`, 1, true);
    if (mine === generation) {
      showError(`${file.name}: ${message}`);
      $('viewer').dataset.state = 'error';
    }
  } finally {
    if (mine === generation) document.body.classList.remove('busy');
  }
}

const baseName = (name: string) => name.replace(/\.[^.]*$/, '') || 'image';

function renderDownloads(): void {
  const list = $('downloads');
  list.replaceChildren();
  if (!current?.svg) return;
  const size = paramsOf(controls, 'export');
  for (const format of formats) {
    const li = document.createElement('li');
    const name = `${baseName(current.file.name)}.${format}`;
    if (current.resultId) {
      const q = new URLSearchParams(size);
      q.set('format', format);
      const a = Object.assign(document.createElement('a'), { href: `/api/results/${encodeURIComponent(current.resultId)}?${q}`, download: name, className: 'button' });
      a.textContent = format.toUpperCase();
      a.dataset.format = format;
      // The service names a re-export "result.<format>"; fetching it here keeps the image's own
      // name and turns a refusal into the service's sentence instead of a page of JSON.
      a.addEventListener('click', (e) => {
        e.preventDefault();
        void saveExport(a.href, name);
      });
      li.append(a);
    } else if (format === 'svg') {
      const url = URL.createObjectURL(new Blob([current.svg], { type: 'image/svg+xml' }));
      const a = Object.assign(document.createElement('a'), { href: url, download: name, className: 'button' });
      a.textContent = 'SVG';
      a.dataset.format = format;
      li.append(a);
    } else {
      // Without a stored result id there is nothing to export from; say so rather than hide it.
      const span = Object.assign(document.createElement('span'), { className: 'button disabled', title: 'This service does not return result ids, so only the SVG can be downloaded.' });
      span.setAttribute('aria-disabled', 'true');
      span.textContent = format.toUpperCase();
      li.append(span);
    }
    list.append(li);
  }
}

async function saveExport(url: string, name: string): Promise<void> {
  showError(undefined);
  try {
    const res = await fetch(url);
    if (!res.ok) {
      const body = (await res.json().catch(() => undefined)) as { detail?: string } | undefined;
      throw new Error(body?.detail ?? `The service answered ${res.status}.`);
    }
    let blob = await res.blob();
    // svgz travels gzip-encoded, and fetch undoes that encoding: compress it again for the file.
    if (name.endsWith('.svgz') && new Uint8Array(await blob.slice(0, 2).arrayBuffer())[0] !== 0x1f) {
      blob = await new Response(blob.stream().pipeThrough(new CompressionStream('gzip'))).blob();
    }
    const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  } catch (err) {
    showError(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function renderBatchRows(rows: BatchRow[], files: File[]): void {
  const body = $('batch-table').querySelector('tbody')!;
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement('tr');
      tr.className = row.status;
      const cells = [row.file, row.status === 'failed' ? `failed: ${row.detail ?? row.error ?? ''}` : row.status, row.tier ?? '', row.engine ?? '', row.ssim?.toFixed(4) ?? '', row.ms ?? '', row.bytes === undefined ? '' : formatBytes(row.bytes)];
      for (const value of cells) {
        const td = document.createElement('td');
        td.textContent = String(value);
        tr.append(td);
      }
      const td = document.createElement('td');
      const file = files[row.index];
      if (row.status === 'converted' && file) {
        const button = Object.assign(document.createElement('button'), { type: 'button', textContent: 'View' });
        button.setAttribute('aria-label', `View ${row.file}`);
        button.addEventListener('click', () => void convertOne(file));
        td.append(button);
      }
      tr.append(td);
      return tr;
    }),
  );
}

/** Several images: one batch, a results table, one archive; the first converted one is shown. */
async function convertMany(files: File[]): Promise<void> {
  showError(undefined);
  const section = $('batch');
  section.hidden = false;
  const archive = $<HTMLAnchorElement>('archive');
  archive.hidden = true;
  const entries = files.map((f) => queueEntry(f.name));
  entries.forEach((e) => e.set('uploading'));
  try {
    const accepted = await submitBatch(files.map((file) => ({ file, name: file.name })), paramsOf(controls, 'trace'));
    let status = await getBatch(accepted.statusUrl);
    let delay = 200;
    for (;;) {
      renderBatchRows(status.items, files);
      $('batch-summary').textContent = `${status.total} images: ${status.converted} converted, ${status.failed} failed, ${status.pending} to go`;
      status.items.forEach((row) => {
        const e = entries[row.index];
        if (!e) return;
        if (row.status === 'converted') e.set(`done: tier ${row.tier}, SSIM ${row.ssim?.toFixed(4)}`, 1);
        else if (row.status === 'failed') e.set(`failed: ${row.detail ?? row.error}`, 1, true);
        else e.set(row.status === 'active' ? 'converting' : 'waiting for a worker');
      });
      if (status.done) break;
      await sleep(delay);
      delay = Math.min(800, delay * 1.3);
      status = await getBatch(accepted.statusUrl);
    }
    archive.href = accepted.archiveUrl;
    archive.download = `batch-${accepted.id}.zip`;
    archive.hidden = false;
    section.dataset.state = 'done';
    announce(`Batch done: ${status.converted} of ${status.total} converted, ${status.failed} failed.`);
    const first = status.items.find((r) => r.status === 'converted');
    if (first && files[first.index]) await convertOne(files[first.index]!);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    entries.forEach((e) => e.set(`failed: ${message}`, 1, true));
    showError(message);
  }
}

function take(list: FileList | File[] | null | undefined): void {
  const files = [...(list ?? [])];
  if (files.length === 0) return;
  if (files.length === 1) void convertOne(files[0]!);
  else void convertMany(files);
}

function wireInput(): void {
  const input = $<HTMLInputElement>('file');
  input.addEventListener('change', () => {
    take(input.files);
    input.value = '';
  });
  const drop = $('drop');
  for (const type of ['dragenter', 'dragover']) {
    document.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  }
  document.addEventListener('dragleave', (e) => {
    if (e.target === document.documentElement || e.target === drop) drop.classList.remove('over');
  });
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    take(e.dataTransfer?.files);
  });
  document.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])].filter((f) => ACCEPTED.includes(f.type) || f.type.startsWith('image/'));
    if (files.length === 0) return;
    e.preventDefault();
    // A pasted image has a generic name ("image.png"); keep its type's extension.
    take(files.map((f) => (f.name && f.name !== 'image.png' ? f : new File([f], `pasted.${f.type.split('/')[1] ?? 'png'}`, { type: f.type }))));
  });
}

async function wireOptions(): Promise<void> {
  const docs = await optionDocs();
  formats = formatsOf(docs);
  controls = buildControls(docs, $('trace-options'), $('export-options'));
  let timer: ReturnType<typeof setTimeout> | undefined;
  for (const { doc, element } of controls) {
    element.addEventListener('change', () => {
      if (doc.schema['x-svg-ai-scope'] === 'export') return renderDownloads();
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (current) void convertOne(current.file);
      }, 250);
    });
  }
  $('options').addEventListener('reset', () => {
    setTimeout(() => {
      renderDownloads();
      if (current) void convertOne(current.file);
    });
  });
}

wireInput();
wireOptions().then(
  () => document.body.classList.add('ready'),
  (err: unknown) => showError(`The option list could not be loaded: ${err instanceof Error ? err.message : String(err)}`),
);
