/**
 * The Content-Security-Policy of the service's own pages (the studio and /docs): scripts, styles
 * and requests only from the service; images also from blob: and data: (the studio shows the
 * uploaded source and the returned SVG from memory). No inline script or style, no framing.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
