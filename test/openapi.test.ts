/**
 * The API description (GET /openapi.json): a valid OpenAPI 3.1 document by a standard validator;
 * every route of the Express router stack and every option of OPTION_SPECS described, with their
 * ranges and defaults; every error code of the catalog described under its status; and real
 * responses of the service (status, content type, headers, JSON bodies) validated against it.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { Router, type default as express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../src/errors/catalog.js';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import { OPTION_SPECS } from '../src/pipeline/options.js';
import { makeService, smallLogo } from './helpers/service.js';

type Json = Record<string, any>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every route in an Express app, nested routers included, as [METHOD, OpenAPI path]. */
function routesOf(app: express.Express): [string, string][] {
  const out: [string, string][] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths: string[] = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        const methods = Object.keys(layer.route.methods).filter((m) => layer.route.methods[m]);
        for (const p of paths) for (const m of methods) out.push([m === '_all' ? 'ALL' : m.toUpperCase(), p.replace(/:(\w+)/g, '{$1}')]);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as any).router.stack);
  return out;
}

describe('OpenAPI description', () => {
  const service = makeService({ RATE_LIMIT_PER_MINUTE: 1000, MAX_UPLOAD_BYTES: 200_000 });
  let doc: Json;
  let ajv: Ajv2020;
  let checked = 0;

  beforeAll(async () => {
    const res = await request(service.app).get('/openapi.json');
    expect(res.status).toBe(200);
    doc = await SwaggerParser.dereference(structuredClone(res.body));
    ajv = new Ajv2020({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
    formats.default(ajv);
  });
  afterAll(() => service.close());

  /** Checks one real answer against the described response of `method path`. */
  function conforms(method: string, path: string, res: request.Response): void {
    const op = doc.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is described`).toBeDefined();
    const described = op.responses[String(res.status)] ?? op.responses.default;
    expect(described, `${method} ${path} describes status ${res.status}`).toBeDefined();
    const media = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    const content = described.content ?? {};
    const key = Object.keys(content).find((k) => k === media || (k.endsWith('/*') && media.startsWith(k.slice(0, -1))));
    expect(key, `${method} ${path} ${res.status}: ${media} is one of ${Object.keys(content).join(', ')}`).toBeDefined();
    if (media.endsWith('json') && path !== '/openapi.json') {
      const validate = ajv.compile(content[key!].schema);
      expect(validate(res.body), `${method} ${path} ${res.status} body: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    for (const [name, header] of Object.entries<Json>(described.headers ?? {})) {
      const value = res.headers[name.toLowerCase()];
      if (header.required) expect(value, `${method} ${path} ${res.status}: header ${name}`).toBeDefined();
      if (value !== undefined) {
        const validate = ajv.compile(header.schema);
        expect(validate(value), `${method} ${path} ${res.status}: header ${name}=${value}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
    checked++;
  }

  it('is a valid OpenAPI 3.1 document (@apidevtools/swagger-parser)', async () => {
    const raw = buildOpenApiDocument();
    expect(raw.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(raw) as any)).resolves.toBeDefined();
  });

  const undescribed = (app: express.Express) =>
    routesOf(app).filter(([method, path]) => {
      const item = doc.paths[path];
      if (!item) return true;
      // router.all (a 405 for other methods) is described by the operations it refuses.
      return method === 'ALL' ? !METHODS.some((m) => item[m]) : !item[method.toLowerCase()];
    });

  it('describes every route of the Express router stack', () => {
    expect(routesOf(service.app).length).toBeGreaterThan(10);
    expect(undescribed(service.app), 'routes without a description').toEqual([]);
  });

  it('notices a route added without a description', () => {
    const extra = makeService();
    const router = Router();
    router.get('/api/things/:id', (_req, res) => void res.end());
    extra.app.use(router);
    expect(undescribed(extra.app)).toEqual([['GET', '/api/things/{id}']]);
    return extra.close();
  });

  it('describes every option of OPTION_SPECS on the conversion routes, with its range and default', () => {
    for (const [path, method] of [['/api/convert', 'post'], ['/api/batch', 'post']] as const) {
      const params: Json[] = doc.paths[path][method].parameters;
      for (const spec of OPTION_SPECS) {
        const p = params.find((x) => x.name === spec.name && x.in === 'query');
        expect(p, `${spec.name} on ${method} ${path}`).toBeDefined();
        const s = p!.schema;
        expect(s['x-svg-ai-default']).toBe(spec.default);
        expect(s['x-svg-ai-scope']).toBe(spec.scope);
        expect(p!.description).toContain(spec.description);
        const t = spec.type;
        if (t.kind === 'enum') expect(s.enum).toEqual([...t.values]);
        if (t.kind === 'integer' || t.kind === 'number') expect([s.type, s.minimum, s.maximum]).toEqual([t.kind, t.min, t.max]);
        if (t.kind === 'number-or-auto') expect(s.anyOf[1]).toMatchObject({ minimum: t.min, maximum: t.max });
      }
      expect(params.filter((x) => x['schema']['x-svg-ai-kind']).map((x) => x.name)).toEqual(OPTION_SPECS.map((s) => s.name));
    }
    const exportParams: Json[] = doc.paths['/api/results/{id}'].get.parameters.filter((x: Json) => x.in === 'query');
    expect(exportParams.map((x) => x.name)).toEqual(OPTION_SPECS.filter((s) => s.scope === 'export').map((s) => s.name));
  });

  it('describes every error code of the catalog, under its own status', () => {
    expect(doc.components.schemas.Problem.properties.code.enum).toEqual(Object.keys(ERRORS));
    const seen = new Set<string>();
    for (const item of Object.values<Json>(doc.paths)) {
      for (const m of METHODS) {
        for (const [status, response] of Object.entries<Json>(item[m]?.responses ?? {})) {
          const codes: string[] = response.content?.['application/problem+json']?.schema?.properties?.code?.enum ?? [];
          for (const code of codes) {
            expect(ERRORS[code as ErrorCode].status, code).toBe(Number(status));
            seen.add(code);
          }
        }
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it('real answers of every route agree with the description', async () => {
    const app = service.app;
    const logo = await smallLogo(96);

    conforms('GET', '/', await request(app).get('/'));
    conforms('GET', '/assets/{file}', await request(app).get('/assets/studio.js'));
    conforms('GET', '/assets/{file}', await request(app).get('/assets/studio.css'));
    conforms('GET', '/docs', await request(app).get('/docs'));
    conforms('GET', '/openapi.json', await request(app).get('/openapi.json'));
    conforms('GET', '/health', await request(app).get('/health'));
    conforms('GET', '/ready', await request(app).get('/ready'));
    conforms('GET', '/metrics', await request(app).get('/metrics'));

    const svg = await request(app).post('/api/convert').attach('image', logo, 'logo.png');
    expect(svg.status).toBe(200);
    expect(svg.headers['ratelimit-limit']).toBeDefined();
    conforms('POST', '/api/convert', svg);
    const json = await request(app).post('/api/convert?max_colors=4').set('Accept', 'application/json').attach('image', logo, 'logo.png');
    conforms('POST', '/api/convert', json);
    const raw = await request(app).post('/api/convert?tier=1').set('Content-Type', 'image/png').send(logo);
    conforms('POST', '/api/convert', raw);
    // Every format of the format option, re-exported from the stored result.
    const resultId = json.body.resultId as string;
    expect(resultId).toBeTruthy();
    const format = OPTION_SPECS.find((s) => s.name === 'format')!;
    for (const value of format.type.kind === 'enum' ? format.type.values : []) {
      const res = await request(app).get(`/api/results/${resultId}?format=${value}`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status, value).toBe(200);
      conforms('GET', '/api/results/{id}', res);
    }

    const accepted = await request(app).post('/api/convert?async=1&max_colors=3').attach('image', logo, 'logo.png');
    expect(accepted.status).toBe(202);
    conforms('POST', '/api/convert', accepted);
    let job = await request(app).get(accepted.headers.location!);
    conforms('GET', '/api/jobs/{id}', job);
    while (job.body.state !== 'completed' && job.body.state !== 'failed') {
      await new Promise((r) => setTimeout(r, 100));
      job = await request(app).get(accepted.headers.location!);
    }
    conforms('GET', '/api/jobs/{id}', job);
    conforms('GET', '/api/jobs/{id}/svg', await request(app).get(`${accepted.headers.location}/svg`));
    conforms('GET', '/api/jobs/{id}', await request(app).get(`/api/jobs/${'0'.repeat(64)}-${'0'.repeat(16)}`));

    const batch = await request(app).post('/api/batch').attach('images', logo, 'a.png').attach('images', Buffer.from('not an image'), 'b.png');
    expect(batch.status).toBe(202);
    conforms('POST', '/api/batch', batch);
    let status = await request(app).get(batch.body.statusUrl);
    while (!status.body.done) {
      await new Promise((r) => setTimeout(r, 100));
      status = await request(app).get(batch.body.statusUrl);
    }
    conforms('GET', '/api/batch/{id}', status);
    conforms('GET', '/api/batch/{id}/items/{index}/svg', await request(app).get(`/api/batch/${batch.body.id}/items/0/svg`));
    conforms('GET', '/api/batch/{id}/items/{index}/svg', await request(app).get(`/api/batch/${batch.body.id}/items/1/svg`));
    conforms('GET', '/api/batch/{id}/items/{index}/svg', await request(app).get(`/api/batch/${batch.body.id}/items/7/svg`));
    conforms('GET', '/api/batch/{id}/archive', await request(app).get(batch.body.archiveUrl).buffer(true));
    conforms('GET', '/api/batch/{id}/archive', await request(app).get(`${batch.body.archiveUrl}?wait=maybe`));
    conforms('GET', '/api/batch/{id}', await request(app).get('/api/batch/00000000-0000-4000-8000-000000000000'));
    conforms('GET', '/api/results/{id}', await request(app).get('/api/results/unknown-result'));

    // Refusals: each a problem+json with a catalog code under the described status.
    conforms('GET', '/api/convert', await request(app).get('/api/convert'));
    conforms('DELETE', '/api/convert', await request(app).delete('/api/convert'));
    conforms('POST', '/api/convert', await request(app).post('/api/convert?max_colors=-1').attach('image', logo, 'logo.png'));
    conforms('POST', '/api/convert', await request(app).post('/api/convert?colour=red').attach('image', logo, 'logo.png'));
    conforms('POST', '/api/convert', await request(app).post('/api/convert').attach('image', Buffer.from('plain text'), 'notes.png'));
    conforms('POST', '/api/convert', await request(app).post('/api/convert').set('Content-Type', 'text/plain').send('hello'));
    conforms('POST', '/api/convert', await request(app).post('/api/convert').set('Content-Type', 'image/png').send(Buffer.alloc(0)));
    conforms('POST', '/api/convert', await request(app).post('/api/convert').attach('image', Buffer.concat([logo, Buffer.alloc(250_000)]), 'big.png'));
    conforms('POST', '/api/convert', await request(app).post('/api/convert').attach('image', logo.subarray(0, 60), 'cut.png'));
    conforms('POST', '/api/batch', await request(app).post('/api/batch').set('Content-Type', 'image/png').send(logo));
    conforms('GET', '/assets/{file}', await request(app).get('/assets/nothing.js'));
    expect(checked).toBeGreaterThanOrEqual(35);
  });

  it('refusals from API keys and the rate limiter agree with the description', async () => {
    const keyed = makeService({ API_KEYS: 'ci:s3cret', RATE_LIMIT_PER_MINUTE: 1 });
    try {
      const logo = await smallLogo(64);
      conforms('POST', '/api/convert', await request(keyed.app).post('/api/convert').attach('image', logo, 'logo.png'));
      conforms('GET', '/api/jobs/{id}', await request(keyed.app).get('/api/jobs/x').set('X-API-Key', 'wrong'));
      const first = await request(keyed.app).post('/api/convert').set('Authorization', 'Bearer s3cret').attach('image', logo, 'logo.png');
      conforms('POST', '/api/convert', first);
      const limited = await request(keyed.app).post('/api/convert').set('Authorization', 'Bearer s3cret').attach('image', logo, 'logo.png');
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      conforms('POST', '/api/convert', limited);
    } finally {
      await keyed.close();
    }
  });

  it('the checker refuses an answer the description does not allow', async () => {
    const health = await request(service.app).get('/health');
    const readySchema = doc.paths['/ready'].get.responses['200'].content['application/json'].schema;
    expect(ajv.validate(readySchema, health.body)).toBe(false);
    const svg = await request(service.app).post('/api/convert').attach('image', await smallLogo(64), 'logo.png');
    // Claim it was the JSON route: the media type check must fail.
    expect(() => conforms('GET', '/api/batch/{id}', svg)).toThrow();
  });

  it('/docs shows every operation, its parameters and every error code', async () => {
    const page = await request(service.app).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      for (const m of METHODS) if (item[m]) expect(page.text, `${m} ${path}`).toContain(`id="${m}-${path.replace(/[^a-z0-9]+/gi, '-')}"`);
    }
    for (const spec of OPTION_SPECS) expect(page.text).toContain(`<code>${spec.name}</code>`);
    for (const code of Object.keys(ERRORS)) expect(page.text).toContain(`<li><code>${code}</code></li>`);
  });

  it('an unknown path answers the described problem body', async () => {
    const res = await request(service.app).get('/no/such/page');
    expect(res.status).toBe(404);
    const validate = ajv.compile(doc.components.schemas.Problem);
    expect(validate(res.body), ajv.errorsText(validate.errors)).toBe(true);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});
