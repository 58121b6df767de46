/** The facts panel: tier and why, engine and strategy, SSIM against the target, bytes, shapes, time per stage. */
import type { Facts, Features } from './api.js';

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

/** The classifier's features in words: why this tier. */
export function tierReason(tier: number, f: Features): string {
  const families = `${f.families} colour famil${f.families === 1 ? 'y' : 'ies'} in the foreground`;
  if (tier === 1) return `${families}, ${pct(f.flatShare)} flat neighbours: a logo, icon or line art`;
  if (tier === 2) return `${families}, ${pct(f.flatShare)} flat neighbours: flat illustration`;
  return `${pct(f.smoothShare)} smooth steps, ${f.colors} colours: photo, gradient or shading`;
}

interface Row {
  key: string;
  term: string;
  value: string;
  detail?: string;
}

export function renderFacts(dl: HTMLElement, facts: Facts, shapes: number, sourceBytes: number, cache: string | undefined): void {
  const f = facts.features;
  const stages = Object.entries(facts.timings)
    .map(([stage, ms]) => `${stage} ${Math.round(ms)}`)
    .join(' · ');
  const rows: Row[] = [
    { key: 'tier', term: 'Tier', value: String(facts.tier), detail: tierReason(facts.tier, f) },
    {
      key: 'features',
      term: 'Classifier features',
      value: `families ${f.families}, c95 ${f.c95}, colours ${f.colors}, flat ${pct(f.flatShare)}, smooth ${pct(f.smoothShare)}, edges ${pct(f.edgeShare)}, entropy ${f.entropy.toFixed(2)} bits, opaque ${pct(f.alphaCoverage)}`,
    },
    { key: 'engine', term: 'Engine', value: facts.engine, detail: facts.strategy },
    {
      key: 'ssim',
      term: 'SSIM',
      value: facts.ssim.toFixed(4),
      detail: `target ${facts.target} ${facts.targetMet ? '— met' : '— not met (best found)'}`,
    },
    { key: 'bytes', term: 'SVG size', value: formatBytes(facts.bytes), detail: `source ${formatBytes(sourceBytes)} ${facts.format.toUpperCase()}` },
    { key: 'shapes', term: 'Shapes', value: String(shapes) },
    { key: 'size', term: 'Image', value: `${facts.width} × ${facts.height} px`, detail: `${facts.transparent ? 'transparent' : 'opaque'}${facts.frames > 1 ? `, ${facts.frames} frames (first traced)` : ''}` },
    { key: 'time', term: 'Time', value: `${Math.round(facts.durationMs)} ms`, detail: `${stages}${cache ? ` · cache ${cache}` : ''}` },
  ];
  dl.replaceChildren(
    ...rows.flatMap((r) => {
      const dt = document.createElement('dt');
      dt.textContent = r.term;
      const dd = document.createElement('dd');
      dd.dataset.fact = r.key;
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = r.value;
      dd.append(value);
      if (r.detail) {
        const small = document.createElement('small');
        small.textContent = r.detail;
        dd.append(' ', small);
      }
      if (r.key === 'ssim') dd.classList.add(facts.targetMet ? 'met' : 'unmet');
      return [dt, dd];
    }),
  );
}
