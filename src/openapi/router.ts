/** GET /openapi.json (the description) and GET /docs (the same, rendered as a page). */
import { Router } from 'express';
import { PAGE_CSP } from '../web/csp.js';
import { renderDocsPage } from './docs-page.js';
import { buildOpenApiDocument } from './document.js';

export function openApiRouter(): Router {
  const router = Router();
  // Built once: the option table and the catalog are fixed for the life of the process.
  const document = buildOpenApiDocument();
  const body = JSON.stringify(document);
  const page = renderDocsPage(document, '/assets/docs.css');

  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(body);
  });

  router.get('/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.type('text/html').send(page);
  });

  return router;
}
