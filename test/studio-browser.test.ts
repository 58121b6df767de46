/**
 * The studio in a real browser: Debian's chromium driven by playwright-core (no browser download),
 * against the real app on a free port. Loads `/`, converts corpus images through the file input,
 * checks the facts against the JSON API, switches every compare view, re-converts on an option
 * change, downloads the SVG and a batch archive, shows the error sentence for a bad file, counts
 * console errors (CSP violations are console errors) and writes screenshots at desktop and phone
 * width to .screenshots/ (look at them). Skips with one line naming the package where chromium is
 * absent, fails instead under CI=true (helpers/programs.ts); corpus steps skip visibly without the corpus.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unzipSync, strFromU8 } from 'fflate';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTION_SPECS } from '../src/pipeline/options.js';
import { requirePrograms } from './helpers/programs.js';
import { makeService } from './helpers/service.js';

const needs = requirePrograms({ chromium: 'chromium' });
const haveBrowser = !needs.missing;
const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus');
const haveCorpus = existsSync(path.join(CORPUS, 'tier1'));
if (haveBrowser && !haveCorpus) console.warn('[studio-browser] corpus steps skipped: no corpus at ../shared/corpus (it is not part of the project)');
const corpusFile = (rel: string) => path.join(CORPUS, rel);
const LOGO = 'tier1/simpleicons_git.png';
const BATCH = ['tier1/gameicons_owl.png', 'tier2/emojitwo_cat.png', 'tier1/simpleicons_python.png'];

/** The little of the DOM the in-page callbacks use (the test program has no DOM types). */
interface PageGlobals {
  document: { getElementById(id: string): { dataset: Record<string, string | undefined> } };
}

export const SCREENSHOTS = path.resolve(import.meta.dirname, '../.screenshots');

// The machine is shared and often loaded: every step waits generously (behaviour, not speed, is tested).
describe.skipIf(!haveBrowser)('studio in chromium', { timeout: 300_000 }, () => {
  let service: ReturnType<typeof makeService>;
  let server: ReturnType<ReturnType<typeof makeService>['app']['listen']>;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const consoleErrors: { text: string; url: string }[] = [];

  beforeAll(async () => {
    // Deadlines far above the defaults: a loaded machine must not turn a logo into TRACE_TIMEOUT here.
    service = makeService({ DEADLINE_TIER1_MS: 120_000, DEADLINE_TIER2_MS: 120_000, DEADLINE_TIER3_MS: 120_000, QUEUE_WAIT_MS: 50_000 });
    server = service.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profile = mkdtempSync(path.join(os.tmpdir(), 'svgai-chromium-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      // Debian's chromium (/usr/bin/chromium): nothing is downloaded.
      executablePath: needs.path('chromium'),
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1360, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push({ text: msg.text(), url: msg.location().url });
    });
    page.on('pageerror', (err) => consoleErrors.push({ text: String(err), url: page.url() }));
    await page.goto(`${base}/`);
    await page.waitForSelector('body.ready');
  });

  afterAll(async () => {
    await context?.close();
    server?.close();
    await service?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const waitForResult = async (previousJob?: string) => {
    // A function, not a string: the page's CSP forbids eval, and playwright evaluates strings with it.
    await page.waitForFunction(
      (prev) => {
        const v = (globalThis as unknown as PageGlobals).document.getElementById('viewer');
        return (v.dataset.state === 'result' && v.dataset.jobId !== prev) || v.dataset.state === 'error';
      },
      previousJob ?? '',
      { timeout: 240_000 },
    );
    expect(await page.getAttribute('#viewer', 'data-state'), (await page.textContent('#error')) ?? '').toBe('result');
    return (await page.getAttribute('#viewer', 'data-job-id'))!;
  };
  const fact = async (key: string) => (await page.textContent(`dd[data-fact="${key}"] .value`))?.trim();

  it('serves the page under a strict CSP, with one labelled control per option of OPTION_SPECS', async () => {
    const res = await request(service.app).get('/');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
    for (const spec of OPTION_SPECS) {
      if (spec.name === 'format') continue;
      const control = page.locator(`#opt-${spec.name}`);
      expect(await control.count(), spec.name).toBe(1);
      expect(await page.locator(`label[for="opt-${spec.name}"]`).count(), `label of ${spec.name}`).toBe(1);
      if (spec.type.kind === 'integer' || spec.type.kind === 'number') {
        expect(await control.getAttribute('min')).toBe(String(spec.type.min));
        expect(await control.getAttribute('max')).toBe(String(spec.type.max));
      }
      if (spec.type.kind === 'enum') {
        const values = (await control.locator('option').evaluateAll((os) => os.map((o) => o.getAttribute('value')))).filter((v) => v !== '');
        expect(values).toEqual([...spec.type.values]);
      }
    }
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-empty-desktop.png'), fullPage: true });
  });

  it('every control has an accessible name, and Tab goes skip link, links, then the file picker', async () => {
    const unnamed = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<any> } }).document;
      return Array.from(d.querySelectorAll('input, select, button, textarea'))
        .filter((c: any) => !(c.labels?.length > 0 || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby') || (c.tagName === 'BUTTON' && c.textContent.trim())))
        .map((c: any) => c.id || c.outerHTML.slice(0, 60));
    });
    expect(unnamed).toEqual([]);
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => {
        const a = (globalThis as unknown as { document: { activeElement: any } }).document.activeElement;
        return a.id || a.textContent.trim();
      }));
    }
    expect(focused).toEqual(['Skip to the result', 'API reference', 'openapi.json', 'file']);
  });

  it.skipIf(!haveCorpus)('converts a corpus image picked through the file input and shows the facts the JSON API measured', async () => {
    // Record every status line the conversion's queue entry shows: the stages as they pass.
    await page.evaluate(() => {
      const g = globalThis as any;
      g.statusSeen = [];
      new g.MutationObserver(() => {
        const s = g.document.querySelector('#queue li .status');
        if (s && g.statusSeen.at(-1) !== s.textContent) g.statusSeen.push(s.textContent);
      }).observe(g.document.getElementById('queue'), { subtree: true, childList: true, characterData: true });
    });
    await page.setInputFiles('#file', corpusFile(LOGO));
    const jobId = await waitForResult();
    const seen = (await page.evaluate(() => (globalThis as any).statusSeen)) as string[];
    expect(seen[0]).toBe('uploading');
    expect(seen.slice(1, -1).length, seen.join(' | ')).toBeGreaterThan(0);
    for (const line of seen.slice(1, -1)) expect(line).toMatch(/^(waiting for a worker|starting|(sniff|probe|guard|decode|classify|trace|optimize|score) \(\d of \d\))$/);
    expect(seen.at(-1)).toMatch(/^done: tier \d, SSIM \d\.\d{4}/);
    const api = await request(service.app).post('/api/convert').set('Accept', 'application/json').attach('image', corpusFile(LOGO));
    expect(api.status).toBe(200);
    expect(await fact('tier')).toBe(String(api.body.tier));
    expect(await fact('engine')).toBe(api.body.engine);
    expect(await fact('ssim')).toBe(api.body.ssim.toFixed(4));
    expect(await page.textContent('dd[data-fact="ssim"] small')).toContain(`target ${api.body.target}`);
    expect(await fact('size')).toBe(`${api.body.width} × ${api.body.height} px`);
    expect(await page.textContent('dd[data-fact="engine"] small')).toBe(api.body.strategy);
    expect(Number(await fact('shapes'))).toBeGreaterThan(0);
    expect(await page.textContent('dd[data-fact="time"] small')).toContain('trace');
    expect(jobId).toMatch(/^[0-9a-f]{64}-[0-9a-f]{16}$/);
    expect(await fact('bytes')).toBe(api.body.bytes < 1024 ? `${api.body.bytes} B` : `${(api.body.bytes / 1024).toFixed(1)} KB`);
    expect(await page.textContent('#announce')).toContain(`simpleicons_git.png converted: tier ${api.body.tier}, SSIM ${api.body.ssim.toFixed(4)}`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-result-desktop.png'), fullPage: true });
  });

  it.skipIf(!haveCorpus)('switches every compare view; zoom and pan move both panes together', async () => {
    const pick = (view: string) => page.click(`label:has(input[name=view][value=${view}])`);
    await pick('swipe');
    await expect.poll(() => page.isVisible('#swipe')).toBe(true);
    await page.fill('#swipe', '20');
    expect(await page.evaluate("document.getElementById('pane-b').style.clipPath")).toContain('20%');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-swipe-desktop.png') });

    await pick('diff');
    await expect.poll(() => page.isVisible('#diff')).toBe(true);
    await expect.poll(() => page.textContent('#diff-summary')).toMatch(/% of pixels differ by more than 10 %/);
    // The heat map is painted: every pixel opaque, and some pixels differ from the faded source grey.
    const painted = (await page.evaluate(`(() => {
      const canvas = document.getElementById('diff');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let opaque = 0, hot = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 255) opaque++;
        if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 40) hot++;
      }
      return { width: canvas.width, pixels: data.length / 4, opaque, hot };
    })()`)) as { width: number; pixels: number; opaque: number; hot: number };
    expect(painted.width).toBe(512);
    expect(painted.opaque).toBe(painted.pixels);
    expect(painted.hot).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-diff-desktop.png') });

    await pick('outline');
    await expect.poll(() => page.isVisible('#img-outline')).toBe(true);
    expect(await page.isVisible('#img-svg')).toBe(false);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-outline-desktop.png') });

    await pick('side');
    await expect.poll(() => page.isVisible('#img-svg')).toBe(true);
    const transforms = async () => (await page.evaluate("[...document.querySelectorAll('.frame')].map((f) => f.style.transform)")) as string[];
    const before = await transforms();
    await page.click('#zoom-in');
    await page.focus('#stage');
    await page.keyboard.press('ArrowLeft');
    const after = await transforms();
    expect(after[0]).not.toBe(before[0]);
    expect(after[0]).toBe(after[1]);
    await page.click('#zoom-fit');
  });

  it.skipIf(!haveCorpus)('changing an option converts again and shows the new result', async () => {
    const first = (await page.getAttribute('#viewer', 'data-job-id'))!;
    await page.selectOption('#opt-engine', 'imagetracer');
    const second = await waitForResult(first);
    expect(second).not.toBe(first);
    expect(await fact('engine')).toBe('imagetracer');
    const job = await request(service.app).get(`/api/jobs/${second}`);
    expect(await fact('ssim')).toBe(job.body.result.ssim.toFixed(4));
  });

  it.skipIf(!haveCorpus)('an option out of its range shows the service\'s sentence; clearing it converts again', async () => {
    const before = (await page.getAttribute('#viewer', 'data-job-id'))!;
    await page.fill('#opt-max_colors', '99');
    await page.dispatchEvent('#opt-max_colors', 'change');
    await page.waitForSelector('#viewer[data-state=error]', { timeout: 30_000 });
    expect(await page.textContent('#error')).toBe('simpleicons_git.png: Expected integer between 2 and 64 for max_colors but received "99".');
    await page.fill('#opt-max_colors', '');
    await page.dispatchEvent('#opt-max_colors', 'change');
    await page.waitForSelector('#viewer[data-state=result]', { timeout: 240_000 });
    // The same image and options as before: the same job (the service's cache answers it).
    expect(await page.getAttribute('#viewer', 'data-job-id')).toBe(before);
    expect(await page.isVisible('#error')).toBe(false);
  });

  const text = (res: request.Response) => (Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.text);
  const binary = (req: request.Test) =>
    req.buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });

  it.skipIf(!haveCorpus)('downloads the SVG shown, as the API returns it', async () => {
    const jobId = (await page.getAttribute('#viewer', 'data-job-id'))!;
    const href = (await page.getAttribute('#downloads [data-format=svg]', 'href'))!;
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#downloads [data-format=svg]')]);
    expect(download.suggestedFilename()).toBe('simpleicons_git.svg');
    const saved = readFileSync((await download.path())!, 'utf8');
    // From memory (blob:) it is the job's SVG; with a stored result id, what /api/results answers.
    const api = await binary(request(service.app).get(href.startsWith('blob:') ? `/api/jobs/${jobId}/svg` : href));
    expect(saved).toMatch(/^(<\?xml[^>]*>\s*)?<svg/);
    expect(saved).toBe(text(api));
    // The menu offers every value of the format option (the ones needing a stored result say so).
    const offered = await page.$$eval('#downloads li', (lis) => lis.map((li) => li.textContent!.trim().toLowerCase()));
    const format = OPTION_SPECS.find((s) => s.name === 'format')!;
    expect(offered).toEqual(format.type.kind === 'enum' ? [...format.type.values] : ['svg']);
  });

  it.skipIf(!haveCorpus)('downloads every format the API offers, each a real file of its kind', async (ctx) => {
    const links = await page.$$eval('#downloads a[data-format]', (as) => as.map((a) => [a.getAttribute('data-format')!, a.getAttribute('href')!]));
    if (!links.some(([, href]) => href.startsWith('/api/results/'))) {
      console.warn('[studio-browser] skipped the other formats: the service returns no result id (X-SVG-AI-Result-Id), so only the SVG is offered');
      return ctx.skip();
    }
    const magic: Record<string, RegExp> = { svg: /^(<\?xml|<svg)/, svgz: /^\x1f\x8b/, pdf: /^%PDF-/, eps: /^%!PS/, dxf: /SECTION/, png: /^\x89PNG/ };
    for (const [format] of links) {
      // Each file is exported from the stored result, never traced again.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#downloads [data-format=${format}]`)]);
      expect(download.suggestedFilename()).toBe(`simpleicons_git.${format}`);
      const file = readFileSync((await download.path())!);
      const head = file.subarray(0, 2048).toString('latin1');
      if (magic[format]) expect(head, format).toMatch(magic[format]!);
      if (format === 'svgz') expect(gunzipSync(file).toString('utf8')).toMatch(/^(<\?xml[^>]*>\s*)?<svg/);
    }
  });

  it.skipIf(!haveCorpus)('three files go through one batch: a results table and one archive', async () => {
    const before = (await page.getAttribute('#viewer', 'data-job-id'))!;
    await page.click('#reset');
    await waitForResult(before);
    await page.setInputFiles('#file', BATCH.map(corpusFile));
    await page.waitForSelector('#batch[data-state=done]', { timeout: 240_000 });
    const rows = await page.$$eval('#batch-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r[0])).toEqual(BATCH.map((f) => path.basename(f)));
    expect(rows.map((r) => r[1])).toEqual(['converted', 'converted', 'converted']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#archive')]);
    const zip = unzipSync(readFileSync((await download.path())!));
    expect(Object.keys(zip).filter((n) => n.endsWith('.svg')).sort()).toEqual(BATCH.map((f) => `svg/${path.basename(f, '.png')}.svg`).sort());
    const report = JSON.parse(strFromU8(zip['report.json']!));
    expect(report.summary.converted).toBe(3);
    await waitForResult();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-batch-desktop.png'), fullPage: true });
  });

  /** Sends an image to the page as the browser would for a paste (Ctrl+V) or a drop. */
  const deliver = (how: 'paste' | 'drop', name: string, bytes: Buffer) =>
    page.evaluate(
      ({ how, name, b64 }) => {
        const g = globalThis as any;
        const data = Uint8Array.from(g.atob(b64), (c: string) => c.charCodeAt(0));
        const transfer = new g.DataTransfer();
        transfer.items.add(new g.File([data], name, { type: 'image/png' }));
        if (how === 'paste') g.document.dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: transfer, bubbles: true }));
        else g.document.getElementById('drop').dispatchEvent(new g.DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      },
      { how, name, b64: bytes.toString('base64') },
    );

  it.skipIf(!haveCorpus)('a pasted image (Ctrl+V) and a dropped image convert', async () => {
    const before = (await page.getAttribute('#viewer', 'data-job-id'))!;
    await deliver('paste', 'clip.png', readFileSync(corpusFile('tier1/fluent-hc_rocket.png')));
    const pasted = await waitForResult(before);
    expect(await page.textContent('#queue li:first-child .name')).toBe('clip.png');
    await deliver('drop', 'dropped.png', readFileSync(corpusFile('tier1/simpleicons_android.png')));
    const dropped = await waitForResult(pasted);
    expect(await page.textContent('#queue li:first-child .name')).toBe('dropped.png');
    expect(dropped).not.toBe(pasted);
  });

  it.skipIf(!haveCorpus)('a transparent image sits on the checkerboard and its difference counts transparency', async () => {
    const fox = await sharp(corpusFile('../corpus/svg/fluent-flat_fox.svg'), { density: 96 }).resize(384).png().toBuffer();
    const before = (await page.getAttribute('#viewer', 'data-job-id'))!;
    await page.setInputFiles('#file', { name: 'fox.png', mimeType: 'image/png', buffer: fox });
    await waitForResult(before);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    expect(await page.textContent('dd[data-fact="size"] small')).toContain('transparent');
    expect(await page.getAttribute('#stage', 'class')).toContain('bg-checker');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-transparent-desktop.png') });
    await page.click('label:has(input[name=view][value=diff])');
    await expect.poll(() => page.textContent('#diff-summary')).toMatch(/% of pixels differ/);
    // Where source and SVG are both transparent the heat map is too (the checkerboard shows).
    const clear = (await page.evaluate(() => {
      const c = (globalThis as any).document.getElementById('diff');
      const d = c.getContext('2d').getImageData(0, 0, 1, 1).data;
      return d[3];
    })) as number;
    expect(clear).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-transparent-diff-desktop.png') });
    await page.click('label:has(input[name=view][value=side])');
  });

  it('a file that is not an image shows the service\'s sentence', async () => {
    const bytes = Buffer.from('these are notes, not a picture\n');
    await page.setInputFiles('#file', { name: 'notes.png', mimeType: 'image/png', buffer: bytes });
    await page.waitForSelector('#viewer[data-state=error]', { timeout: 30_000 });
    const api = await request(service.app).post('/api/convert').attach('image', bytes, 'notes.png');
    expect(api.status).toBe(415);
    expect(await page.textContent('#error')).toBe(`notes.png: ${api.body.detail}`);
    expect(await page.isVisible('#error')).toBe(true);
  });

  it.skipIf(!haveCorpus)('screenshots at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.setInputFiles('#file', corpusFile('tier2/emojitwo_cat.png'));
    await waitForResult();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-result-phone.png'), fullPage: true });
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'studio-top-phone.png') });
    // Nothing wider than the screen: no sideways scrolling on a phone.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('the API reference renders under the same CSP', async () => {
    await page.goto(`${base}/docs`);
    expect(await page.textContent('h1')).toContain('SVG-AI API');
    expect(await page.locator('section[id^="post-"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'docs-desktop.png') });
  });

  it('had no console errors (CSP violations included)', () => {
    // Chromium logs every 4xx fetch as "Failed to load resource"; the two refused on purpose (the
    // bad file, 415; the option out of range, 400) are expected, anything else is a fault of the page.
    const refusal = (e: { text: string; url: string }) => /status of (415|400)/.test(e.text) && e.url.includes('/api/convert');
    expect(consoleErrors.filter(refusal).length).toBe(haveCorpus ? 2 : 1);
    expect(consoleErrors.filter((e) => !refusal(e))).toEqual([]);
  });
});
