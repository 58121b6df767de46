/**
 * The compare views (side by side, swipe, difference, outlines) with one zoom and pan shared by
 * both panes, driven by pointer, wheel and keyboard.
 */
import { outlineSvg, renderDiff, type DiffSummary } from './diff.js';

export type View = 'side' | 'swipe' | 'diff' | 'outline';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class Viewer {
  private readonly stage = $<HTMLDivElement>('stage');
  private readonly frames = [...this.stage.querySelectorAll<HTMLDivElement>('.frame')];
  private readonly src = $<HTMLImageElement>('img-src');
  private readonly svg = $<HTMLImageElement>('img-svg');
  private readonly outline = $<HTMLImageElement>('img-outline');
  private readonly diff = $<HTMLCanvasElement>('diff');
  private readonly swipe = $<HTMLInputElement>('swipe');
  private readonly zoomLevel = $<HTMLOutputElement>('zoom-level');
  private view: View = 'side';
  private scale = 1;
  private tx = 0;
  private ty = 0;
  private fitted = true;
  private urls: string[] = [];
  private diffDone = false;
  private svgText = '';
  onDiff: (summary: DiffSummary) => void = () => {};

  constructor() {
    for (const input of document.querySelectorAll<HTMLInputElement>('input[name=view]')) {
      input.addEventListener('change', () => this.setView(input.value as View));
    }
    this.swipe.addEventListener('input', () => this.applySwipe());
    $('zoom-in').addEventListener('click', () => this.zoomBy(1.25));
    $('zoom-out').addEventListener('click', () => this.zoomBy(0.8));
    $('zoom-fit').addEventListener('click', () => this.fit());
    $('zoom-1').addEventListener('click', () => this.zoomTo(1));
    $<HTMLSelectElement>('background').addEventListener('change', (e) => {
      this.stage.classList.remove('bg-checker', 'bg-white', 'bg-black');
      this.stage.classList.add(`bg-${(e.target as HTMLSelectElement).value}`);
    });
    this.stage.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.stage.addEventListener('keydown', (e) => this.onKey(e));
    this.stage.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    new ResizeObserver(() => {
      if (this.fitted) this.fit();
    }).observe(this.stage);
  }

  get width(): number {
    return this.src.naturalWidth || 1;
  }

  get height(): number {
    return this.src.naturalHeight || 1;
  }

  /** Shows a source alone (while it converts). */
  async showSource(source: Blob): Promise<void> {
    this.release();
    const url = this.track(URL.createObjectURL(source));
    await load(this.src, url);
    this.svg.removeAttribute('src');
    this.stage.classList.add('has-image');
    this.stage.classList.remove('has-result');
    this.sizeFrames();
    this.fit();
  }

  /** Shows the converted SVG beside the source already shown. */
  async showResult(svg: string): Promise<void> {
    this.svgText = svg;
    this.diffDone = false;
    const svgUrl = this.track(URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' })));
    const outlineUrl = this.track(URL.createObjectURL(new Blob([outlineSvg(svg)], { type: 'image/svg+xml' })));
    await Promise.all([load(this.svg, svgUrl), load(this.outline, outlineUrl)]);
    this.stage.classList.add('has-result');
    this.sizeFrames();
    this.setView(this.view);
  }

  setView(view: View): void {
    this.view = view;
    this.stage.classList.remove('view-side', 'view-swipe', 'view-diff', 'view-outline');
    this.stage.classList.add(`view-${view}`);
    $('label-b').textContent = { side: 'SVG', swipe: 'SVG', diff: 'difference', outline: 'outlines' }[view];
    this.svg.hidden = view === 'diff' || view === 'outline';
    this.outline.hidden = view !== 'outline';
    this.diff.hidden = view !== 'diff';
    $('swipe-control').hidden = view !== 'swipe';
    $('diff-legend').hidden = view !== 'diff';
    if (view === 'diff' && !this.diffDone && this.svgText) {
      this.diffDone = true;
      this.onDiff(renderDiff(this.src, this.svg, this.diff));
    }
    this.applySwipe();
    if (this.fitted) this.fit();
    else this.apply();
  }

  private applySwipe(): void {
    const pane = $('pane-b');
    pane.style.clipPath = this.view === 'swipe' ? `inset(0 0 0 ${this.swipe.value}%)` : '';
    this.stage.style.setProperty('--swipe', `${this.swipe.value}%`);
  }

  private sizeFrames(): void {
    for (const img of [this.src, this.svg, this.outline]) {
      img.width = this.width;
      img.height = this.height;
    }
    for (const frame of this.frames) {
      frame.style.width = `${this.width}px`;
      frame.style.height = `${this.height}px`;
    }
  }

  private paneSize(): { w: number; h: number } {
    const pane = $('pane-a');
    return { w: pane.clientWidth || 1, h: pane.clientHeight || 1 };
  }

  fit(): void {
    const { w, h } = this.paneSize();
    const s = Math.min(w / this.width, h / this.height) * 0.96;
    this.scale = s;
    this.tx = (w - this.width * s) / 2;
    this.ty = (h - this.height * s) / 2;
    this.fitted = true;
    this.apply();
  }

  private zoomTo(scale: number, cx?: number, cy?: number): void {
    const { w, h } = this.paneSize();
    const x = cx ?? w / 2;
    const y = cy ?? h / 2;
    const next = Math.min(64, Math.max(0.02, scale));
    // Keep the point under the cursor (or the centre) where it is.
    this.tx = x - ((x - this.tx) * next) / this.scale;
    this.ty = y - ((y - this.ty) * next) / this.scale;
    this.scale = next;
    this.fitted = false;
    this.apply();
  }

  private zoomBy(factor: number, cx?: number, cy?: number): void {
    this.zoomTo(this.scale * factor, cx, cy);
  }

  private pan(dx: number, dy: number): void {
    this.tx += dx;
    this.ty += dy;
    this.fitted = false;
    this.apply();
  }

  private apply(): void {
    const transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.scale})`;
    for (const frame of this.frames) frame.style.transform = transform;
    this.stage.classList.toggle('pixelated', this.scale >= 4);
    const percent = `${Math.round(this.scale * 100)} %`;
    this.zoomLevel.value = !this.src.naturalWidth ? 'fit' : this.fitted ? `fit (${percent})` : percent;
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const pane = (e.target as HTMLElement).closest('.pane') ?? $('pane-a');
    const rect = pane.getBoundingClientRect();
    this.zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - rect.left, e.clientY - rect.top);
  }

  private onKey(e: KeyboardEvent): void {
    const step = e.shiftKey ? 120 : 40;
    const actions: Record<string, () => void> = {
      ArrowLeft: () => this.pan(step, 0),
      ArrowRight: () => this.pan(-step, 0),
      ArrowUp: () => this.pan(0, step),
      ArrowDown: () => this.pan(0, -step),
      '+': () => this.zoomBy(1.25),
      '=': () => this.zoomBy(1.25),
      '-': () => this.zoomBy(0.8),
      '0': () => this.fit(),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.stage.setPointerCapture(e.pointerId);
    let x = e.clientX;
    let y = e.clientY;
    const move = (m: PointerEvent) => {
      this.pan(m.clientX - x, m.clientY - y);
      x = m.clientX;
      y = m.clientY;
    };
    const up = () => {
      this.stage.removeEventListener('pointermove', move);
      this.stage.removeEventListener('pointerup', up);
      this.stage.removeEventListener('pointercancel', up);
    };
    this.stage.addEventListener('pointermove', move);
    this.stage.addEventListener('pointerup', up);
    this.stage.addEventListener('pointercancel', up);
  }

  private track(url: string): string {
    this.urls.push(url);
    return url;
  }

  private release(): void {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.svgText = '';
  }
}

function load(img: HTMLImageElement, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('The image could not be shown by this browser.'));
    img.src = url;
  });
}
