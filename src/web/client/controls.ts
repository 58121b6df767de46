/**
 * Option controls generated from the service's description of POST /api/convert: one labelled
 * control per option, with its range and default, in the order the service documents them.
 */
import type { ParameterDoc } from './api.js';

export interface OptionControl {
  doc: ParameterDoc;
  element: HTMLInputElement | HTMLSelectElement;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  if (text !== undefined) node.textContent = text;
  return node;
}

function range(doc: ParameterDoc): string {
  const s = doc.schema;
  const bounds = s.anyOf?.find((x) => x.type === 'number') ?? s;
  if (bounds.minimum !== undefined && bounds.maximum !== undefined) return `${bounds.minimum} – ${bounds.maximum}`;
  if (s.enum) return s.enum.join(', ');
  return '';
}

function controlFor(doc: ParameterDoc, id: string): HTMLInputElement | HTMLSelectElement {
  const s = doc.schema;
  const kind = s['x-svg-ai-kind'];
  if (kind === 'enum' || kind === 'boolean') {
    const select = el('select', { id, name: doc.name });
    const values = kind === 'boolean' ? ['true', 'false'] : (s.enum ?? []);
    if (s.default === undefined) select.append(el('option', { value: '' }, `default (${s['x-svg-ai-default']})`));
    for (const v of values) select.append(el('option', { value: v, selected: v === s.default }, v));
    return select;
  }
  const input = el('input', { id, name: doc.name, placeholder: s['x-svg-ai-default'] });
  if (kind === 'integer' || kind === 'number') {
    input.type = 'number';
    input.min = String(s.minimum);
    input.max = String(s.maximum);
    input.step = kind === 'integer' ? '1' : 'any';
    input.inputMode = kind === 'integer' ? 'numeric' : 'decimal';
  } else {
    input.type = 'text';
    input.autocomplete = 'off';
    input.spellcheck = false;
    if (kind === 'number-or-auto') input.inputMode = 'decimal';
    if (kind === 'palette') input.placeholder = '#f00, #00ff00->transparent';
  }
  return input;
}

/** Builds the controls into their fieldsets (trace or export scope); `format` is the download menu's, not a control. */
export function buildControls(docs: ParameterDoc[], trace: HTMLElement, exported: HTMLElement): OptionControl[] {
  const controls: OptionControl[] = [];
  for (const doc of docs) {
    if (doc.name === 'format') continue;
    const id = `opt-${doc.name}`;
    const row = el('div', { className: `option kind-${doc.schema['x-svg-ai-kind']}` });
    const label = el('label', { htmlFor: id }, doc.name.replaceAll('_', ' '));
    const element = controlFor(doc, id);
    const hint = el('small', { id: `${id}-hint` });
    const r = range(doc);
    hint.textContent = `${r && doc.schema['x-svg-ai-kind'] !== 'enum' ? `${r}. ` : ''}${doc.description}`;
    element.setAttribute('aria-describedby', hint.id);
    row.append(label, element, hint);
    (doc.schema['x-svg-ai-scope'] === 'export' ? exported : trace).append(row);
    controls.push({ doc, element });
  }
  return controls;
}

/** The options to send: every filled control whose value is not the service's own default. */
export function paramsOf(controls: OptionControl[], scope: 'trace' | 'export'): URLSearchParams {
  const params = new URLSearchParams();
  for (const { doc, element } of controls) {
    if (doc.schema['x-svg-ai-scope'] !== scope) continue;
    const value = element.value.trim();
    if (value === '' || value === String(doc.schema.default ?? '')) continue;
    params.set(doc.name, value);
  }
  return params;
}

/** The `format` option's values: what the download menu offers. */
export function formatsOf(docs: ParameterDoc[]): string[] {
  return docs.find((d) => d.name === 'format')?.schema.enum ?? ['svg'];
}
