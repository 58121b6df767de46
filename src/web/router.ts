/**
 * The studio: GET / answers the page, /assets/* the script and stylesheets esbuild bundled from
 * src/web/client into dist/web/assets (`npm run build`). The page is plain HTML that the script
 * fills from /openapi.json, so its option controls are generated from the same table the service
 * validates with.
 */
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { PAGE_CSP } from './csp.js';
import { studioPage } from './page.js';

/** dist/web/assets, from this module's place in both src/web and dist/web. */
export const ASSETS_DIR = fileURLToPath(new URL('../../dist/web/assets/', import.meta.url));

export function webRouter(): Router {
  const router = Router();
  const page = studioPage();

  router.get('/', (_req, res) => {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('text/html').send(page);
  });

  router.use(
    '/assets',
    express.static(ASSETS_DIR, {
      index: false,
      fallthrough: true,
      // Same names on every build: revalidate (ETag) rather than cache blindly.
      setHeaders: (res) => {
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('Content-Security-Policy', PAGE_CSP);
      },
    }),
  );

  return router;
}
