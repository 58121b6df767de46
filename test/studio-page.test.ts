/**
 * The studio page without a browser: served at / under a strict CSP, built assets present, no
 * reference to anything outside the service (no CDN), and the whole page (HTML + JS + CSS,
 * gzip-compressed) under its 150 KB budget.
 */
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { makeService } from './helpers/service.js';

const BUDGET = 150 * 1024;

describe('studio page', () => {
  const service = makeService();
  afterAll(() => service.close());

  it('is served at / with a CSP that allows scripts and styles from the service only', async () => {
    const res = await request(service.app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-|https?:|\*/);
    expect(res.text).toContain('<script type="module" src="/assets/studio.js">');
    expect(res.text).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
  });

  it('loads nothing from outside the service and weighs under 150 KB compressed', async () => {
    const paths = ['/', '/assets/studio.js', '/assets/studio.css'];
    const parts = await Promise.all(paths.map((p) => request(service.app).get(p).buffer(true)));
    let compressed = 0;
    for (const [i, res] of parts.entries()) {
      const where = paths[i];
      expect(res.status, where).toBe(200);
      const text = res.text;
      // The only absolute URLs allowed are XML namespace names, which are never fetched.
      const urls = [...text.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]).filter((u) => !u.startsWith('http://www.w3.org/'));
      expect(urls, where).toEqual([]);
      compressed += gzipSync(text).length;
    }
    console.log(`[studio-page] page weight: ${(compressed / 1024).toFixed(1)} KB gzip (HTML + JS + CSS)`);
    expect(compressed).toBeLessThan(BUDGET);
  });

  it('the assets carry the same CSP and revalidate', async () => {
    const res = await request(service.app).get('/assets/studio.js');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
