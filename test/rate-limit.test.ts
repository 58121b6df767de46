/** Row 27: a flood from one client is limited; a forged X-Forwarded-For does not buy a fresh quota. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterValue, makeService, smallLogo } from './helpers/service.js';

const service = makeService({ RATE_LIMIT_PER_MINUTE: 3 });
let logo: Buffer;
beforeAll(async () => {
  logo = await smallLogo(64);
});
afterAll(() => service.close());

describe('per-client rate limit', () => {
  it('answers 429 with RateLimit-* and Retry-After once the quota is spent, whatever X-Forwarded-For says', async () => {
    const before = await counterValue('svgai_rate_limited_total');
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await request(service.app)
        .post('/api/convert')
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .set('Content-Type', 'image/png')
        .send(logo);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.body.code).toBe('RATE_LIMITED');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.headers['ratelimit-limit']).toBe('3');
    expect(last!.headers['ratelimit-remaining']).toBe('0');
    expect((await counterValue('svgai_rate_limited_total')) - before).toBe(2);
  });

  it('does not limit health checks', async () => {
    for (let i = 0; i < 5; i++) expect((await request(service.app).get('/health')).status).toBe(200);
  });
});
