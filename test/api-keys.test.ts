/** Optional API keys: 401 without, 403 with a wrong one, per-key rate limits, health checks open. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKeys } from '../src/http/middleware/api-keys.js';
import { makeService, smallLogo } from './helpers/service.js';

const ALICE = 'alice-secret-0123456789';
const BATCH = 'batch-secret-9876543210';
const service = makeService({ API_KEYS: `alice:${ALICE}:2,batch:${BATCH}`, RATE_LIMIT_PER_MINUTE: 50 });
let logo: Buffer;
beforeAll(async () => {
  logo = await smallLogo(40);
});
afterAll(() => service.close());

const convert = () => request(service.app).post('/api/convert').set('Content-Type', 'image/png');

describe('API keys', () => {
  it('keeps only digests of the secrets', () => {
    const keys = parseApiKeys(`alice:${ALICE}:2`);
    expect(keys).toEqual([{ id: 'alice', digest: expect.any(Buffer), perMinute: 2 }]);
    expect(JSON.stringify(keys)).not.toContain(ALICE);
  });

  it('answers 401 when no key is sent and 403 when the key is wrong', async () => {
    const missing = await convert().send(logo);
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('UNAUTHORIZED');
    const wrong = await convert().set('Authorization', 'Bearer not-the-right-key-at-all').send(logo);
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('FORBIDDEN');
    expect((await request(service.app).get('/api/jobs/x').set('X-API-Key', 'nope-nope-nope-nope')).status).toBe(403);
  });

  it('accepts a key as a Bearer token or in X-API-Key', async () => {
    expect((await convert().set('Authorization', `Bearer ${BATCH}`).send(logo)).status).toBe(200);
    expect((await convert().set('X-API-Key', BATCH).send(logo)).status).toBe(200);
  });

  it("limits each key on its own: alice's limit of 2 does not touch the batch key", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await convert().set('X-API-Key', ALICE).send(logo)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await convert().set('X-API-Key', BATCH).send(logo)).status).toBe(200);
  });

  it('leaves /health, /ready and /metrics open', async () => {
    // /ready waits for the trace threads to be warm.
    while (!(await service.converter.isReady())) await new Promise((r) => setTimeout(r, 50));
    for (const path of ['/health', '/ready', '/metrics']) expect((await request(service.app).get(path)).status).toBe(200);
  });
});
