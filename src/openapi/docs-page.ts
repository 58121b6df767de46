/**
 * GET /docs: the OpenAPI description rendered as one plain HTML page on the server (no script, no
 * CDN): every operation with its parameters (range, default), request body, responses, headers and
 * error codes. Small enough to read, and it works under the strictest Content-Security-Policy.
 */
import type { Schema } from './schemas.js';

const esc = (text: unknown): string =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Inline `code` spans of the descriptions, escaped first. */
const prose = (text: unknown): string => esc(text ?? '').replace(/`([^`]+)`/g, '<code>$1</code>');

function deref(doc: Schema, value: unknown): Schema {
  let v = value as Schema;
  while (v && typeof v.$ref === 'string') {
    v = (v.$ref as string)
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Schema)[key], doc) as Schema;
  }
  return v;
}

/** A schema in one line: type, enum, range, pattern. */
function schemaText(doc: Schema, raw: unknown): string {
  const s = deref(doc, raw);
  if (!s) return '';
  if (Array.isArray(s.anyOf)) return (s.anyOf as unknown[]).map((x) => schemaText(doc, x)).join(' or ');
  if ('const' in s) return `<code>${esc(s.const)}</code>`;
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => `<code>${esc(v)}</code>`).join(' | ');
  const parts = [esc(s.type ?? 'value')];
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${esc(s.minimum ?? '')} – ${esc(s.maximum ?? '')}`);
  if (s.pattern && s['x-svg-ai-kind'] !== 'palette') parts.push(`<code>${esc(s.pattern)}</code>`);
  return parts.join(' ');
}

function parametersTable(doc: Schema, params: Schema[]): string {
  if (params.length === 0) return '';
  const rows = params
    .map((p) => {
      const s = deref(doc, p.schema);
      const scope = s['x-svg-ai-scope'] ? ` <span class="tag">${esc(s['x-svg-ai-scope'])}</span>` : '';
      return `<tr><td><code>${esc(p.name)}</code>${scope}</td><td>${esc(p.in)}</td><td>${schemaText(doc, s)}</td><td>${esc(s['x-svg-ai-default'] ?? s.default ?? '')}</td><td>${prose(p.description)}</td></tr>`;
    })
    .join('');
  return `<table><caption>Parameters</caption><thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">values</th><th scope="col">default</th><th scope="col">meaning</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function responsesList(doc: Schema, responses: Schema): string {
  const items = Object.entries(responses)
    .map(([status, raw]) => {
      const r = deref(doc, raw);
      const types = Object.keys((r.content as Schema | undefined) ?? {}).map((t) => `<code>${esc(t)}</code>`).join(', ');
      const hdrs = Object.entries((r.headers as Schema | undefined) ?? {})
        .map(([name, h]) => `<code>${esc(name)}</code>${(h as Schema).required ? '' : '?'}`)
        .join(', ');
      return `<li><strong>${esc(status)}</strong> ${prose(r.description)}${types ? ` — ${types}` : ''}${hdrs ? `<br><span class="muted">headers: ${hdrs}</span>` : ''}</li>`;
    })
    .join('');
  return `<h4>Responses</h4><ul class="responses">${items}</ul>`;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function renderDocsPage(doc: Schema, stylesheet: string): string {
  const info = doc.info as Schema;
  const paths = doc.paths as Record<string, Schema>;
  const toc: string[] = [];
  const sections: string[] = [];
  // In the order of the document's tags: the conversion API first, the pages last.
  const tagOrder = ((doc.tags as Schema[] | undefined) ?? []).map((t) => t.name);
  const rank = (op: Schema) => tagOrder.indexOf(((op.tags as string[] | undefined) ?? [])[0] ?? '');
  const operations = Object.entries(paths)
    .flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as Schema })))
    .sort((a, b) => rank(a.op) - rank(b.op));
  for (const { path, method, op } of operations) {
    {
      const id = `${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`;
      toc.push(`<li><a href="#${id}"><span class="method ${method}">${method.toUpperCase()}</span> ${esc(path)}</a></li>`);
      const body = op.requestBody as Schema | undefined;
      const bodyTypes = body ? Object.keys(body.content as Schema).map((t) => `<code>${esc(t)}</code>`).join(', ') : '';
      sections.push(
        `<section id="${id}" aria-labelledby="${id}-h"><h3 id="${id}-h"><span class="method ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>` +
          `<p>${prose(op.summary)}</p>${op.description ? `<p>${prose(op.description)}</p>` : ''}` +
          parametersTable(doc, ((op.parameters as Schema[] | undefined) ?? []).map((p) => deref(doc, p))) +
          (bodyTypes ? `<h4>Request body</h4><p>${bodyTypes}</p>` : '') +
          responsesList(doc, op.responses as Schema) +
          `</section>`,
      );
    }
  }
  const headerRows = Object.entries(((doc.components as Schema).headers as Record<string, Schema>) ?? {})
    .map(([name, h]) => `<tr><td><code>${esc(name)}</code></td><td>${prose(h.description)}</td></tr>`)
    .join('');
  const problem = ((doc.components as Schema).schemas as Schema).Problem as Schema;
  const codes = (((problem.properties as Schema).code as Schema).enum as string[]).map((c) => `<li><code>${esc(c)}</code></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} API reference</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${esc(stylesheet)}"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><h1>${esc(info.title)} API <span class="muted">${esc(info.version)}</span></h1><p>${prose(info.summary)}</p>
<p><a href="/">Open the studio</a> · <a href="/openapi.json">openapi.json</a> (OpenAPI ${esc(doc.openapi)})</p></header>
<nav aria-label="Operations"><ul>${toc.join('')}</ul></nav>
<main id="main"><section><p>${prose(info.description)}</p></section>${sections.join('\n')}
<section aria-labelledby="headers-h"><h2 id="headers-h">Headers</h2><table><thead><tr><th scope="col">name</th><th scope="col">meaning</th></tr></thead><tbody>${headerRows}</tbody></table></section>
<section aria-labelledby="errors-h"><h2 id="errors-h">Error codes</h2><p>Every refusal is <code>application/problem+json</code> with <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code> (a sentence a person understands) and one of these codes:</p><ul class="codes">${codes}</ul></section>
</main></body></html>`;
}
