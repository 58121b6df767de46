/**
 * The OpenAPI 3.1 description of the whole service, built from the option table (OPTION_SPECS) and
 * the error catalog. Routes are listed here once; test/openapi.test.ts walks the Express router and
 * fails when a route is missing, so a new route cannot ship undescribed.
 */
import { ERRORS, type ErrorCode } from '../errors/catalog.js';
import { OPTION_SPECS } from '../pipeline/options.js';
import {
  BATCH_ACCEPTED,
  BATCH_STATUS,
  CONVERSION_JSON,
  ERROR_CODES,
  JOB,
  PROBLEM,
  optionParameters,
  type Schema,
} from './schemas.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

const HEADERS: Record<string, Schema> = {
  'X-SVG-AI-Tier': { description: 'Tier the image was traced as.', schema: { type: 'string', enum: ['1', '2', '3'] } },
  'X-SVG-AI-Engine': { description: 'Engine that drew the result.', schema: { type: 'string', enum: ['potrace', 'imagetracer', 'vtracer'] } },
  'X-SVG-AI-SSIM': { description: 'SSIM measured on this SVG at the source size (4 decimals, truncated).', schema: { type: 'string', pattern: '^-?\\d\\.\\d{4}$' } },
  'X-SVG-AI-Duration-Ms': { description: 'Milliseconds this answer took.', schema: { type: 'string', pattern: '^\\d+$' } },
  'X-SVG-AI-Cache': { description: 'hit: served from the result cache.', schema: { type: 'string', enum: ['hit', 'miss'] } },
  'X-SVG-AI-Result-Id': { description: 'Id of the stored vector result, for GET /api/results/{id} in other formats and sizes.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^\\d+$' } },
  'RateLimit-Policy': { description: 'Requests allowed per window (draft-ietf-httpapi-ratelimit-headers-06).', schema: { type: 'string' } },
  'RateLimit-Limit': { description: 'Requests allowed in the current window.', schema: { type: 'string', pattern: '^\\d+$' } },
  'RateLimit-Remaining': { description: 'Requests left in the current window.', schema: { type: 'string', pattern: '^\\d+$' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'string', pattern: '^\\d+$' } },
  Location: { description: 'Where to poll the job or batch.', schema: { type: 'string' } },
  Allow: { description: 'The methods the path takes (on 405).', schema: { type: 'string', pattern: '^[A-Z]+(, [A-Z]+)*$' } },
};

/** Headers on every conversion answer (the SVG and the JSON). */
const FACT_HEADERS = ['X-SVG-AI-Tier', 'X-SVG-AI-Engine', 'X-SVG-AI-SSIM', 'X-SVG-AI-Duration-Ms', 'X-SVG-AI-Cache'];
/** Headers the export issue adds to conversion answers; described, not required. */
const OPTIONAL_FACT_HEADERS = ['X-SVG-AI-Result-Id'];
const RATE_HEADERS = ['RateLimit-Policy', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/** Media types of the export formats (the `format` option's values). */
const FORMAT_MEDIA: Record<string, string> = {
  svg: 'image/svg+xml',
  svgz: 'image/svg+xml',
  pdf: 'application/pdf',
  eps: 'application/postscript',
  dxf: 'image/vnd.dxf',
  png: 'image/png',
};

function formatContent(): Schema {
  const format = OPTION_SPECS.find((s) => s.name === 'format');
  const values = format?.type.kind === 'enum' ? format.type.values : ['svg'];
  const content: Schema = {};
  for (const value of values) {
    const media = FORMAT_MEDIA[value] ?? 'application/octet-stream';
    content[media] ??= { schema: media === 'image/svg+xml' ? { type: 'string' } : { type: 'string', contentMediaType: media } };
  }
  return content;
}

function headers(required: readonly string[], optional: readonly string[] = []): Schema {
  const out: Schema = {};
  for (const name of required) out[name] = { ...headerRef(name), required: true };
  for (const name of optional) out[name] = headerRef(name);
  return out;
}

/** Problem responses for these codes, one per status, each naming the codes it can carry. */
function problems(codes: readonly ErrorCode[]): Schema {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Schema = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const retry = list.some((c) => c === 'JOB_NOT_FINISHED' || ERRORS[c].status === 429 || c === 'NOT_READY' || c === 'QUEUE_TIMEOUT' || c === 'SHUTTING_DOWN');
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${ERRORS[c].title}`).join('; '),
      ...(retry ? { headers: { 'Retry-After': headerRef('Retry-After') } } : {}),
      ...(status === 405 ? { headers: { Allow: { ...headerRef('Allow'), required: true } } } : {}),
      content: {
        'application/problem+json': {
          schema: { allOf: [ref('Problem')], properties: { code: { enum: list } } },
        },
      },
    };
  }
  return out;
}

const API_KEY_CODES: ErrorCode[] = ['UNAUTHORIZED', 'FORBIDDEN'];
const SERVER_CODES: ErrorCode[] = ['INTERNAL'];
const POST_CODES: ErrorCode[] = ['RATE_LIMITED', 'SHUTTING_DOWN', 'NOT_READY'];
/** What a finished conversion may have failed with (a job's or batch item's stored error). */
const CONVERSION_CODES: ErrorCode[] = [
  'UNSUPPORTED_TYPE',
  'EMPTY_UPLOAD',
  'INVALID_IMAGE',
  'IMAGE_TOO_LARGE',
  'TOO_MANY_FRAMES',
  'TOO_COMPLEX',
  'TRACE_TIMEOUT',
  'NOT_LINE_ART',
  'QUEUE_FULL',
  'QUEUE_TIMEOUT',
  'INTERNAL',
];
const UPLOAD_CODES: ErrorCode[] = ['EMPTY_UPLOAD', 'MISSING_IMAGE', 'INVALID_OPTIONS', 'INVALID_MULTIPART', 'UPLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

const pathParam = (name: string, description: string, schema: Schema = { type: 'string' }) => ({ name, in: 'path', required: true, description, schema });
const JOB_ID = pathParam('id', 'Job id: the conversion key (content hash, options, engine versions).', { type: 'string', pattern: '^[0-9a-f]{64}-[0-9a-f]{16}$' });
const BATCH_ID = pathParam('id', 'Batch id.', { type: 'string' });

const svgAnswer = (description: string) => ({
  description,
  headers: headers(FACT_HEADERS, OPTIONAL_FACT_HEADERS),
  content: { 'image/svg+xml': { schema: { type: 'string' } } },
});

const imageBody = (field: string, many: boolean) => ({
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: [field],
        properties: {
          [field]: many ? { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' } } : { type: 'string', contentMediaType: 'application/octet-stream' },
        },
        // Options may be sent as form fields instead of query parameters (not both).
        additionalProperties: { type: 'string' },
      },
    },
    ...(many ? {} : { 'image/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } }),
  },
});

const methodNotAllowed = {
  summary: 'Any method but POST is refused',
  tags: ['convert'],
  responses: { ...problems(['METHOD_NOT_ALLOWED']) },
};

export function buildOpenApiDocument(): Schema {
  const asyncParam = {
    name: 'async',
    in: 'query',
    required: false,
    description: 'Answer 202 with a job to poll instead of waiting (also `Prefer: respond-async`).',
    schema: { type: 'string', enum: ['0', '1', 'true', 'false'] },
  };
  const paths: Record<string, Schema> = {
    '/': {
      get: { summary: 'The studio: convert, compare and download in a browser', tags: ['pages'], responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } },
    },
    '/assets/{file}': {
      get: {
        summary: "The studio's and the reference's script and stylesheets",
        tags: ['pages'],
        parameters: [pathParam('file', 'studio.js, studio.css or docs.css.')],
        responses: {
          200: { description: 'The file', content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } },
          ...problems(['NOT_FOUND']),
        },
      },
    },
    '/docs': {
      get: { summary: 'This description as a readable reference', tags: ['pages'], responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } },
    },
    '/openapi.json': {
      get: { summary: 'This description (OpenAPI 3.1)', tags: ['pages'], responses: { 200: { description: 'OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } } } },
    },
    '/health': {
      get: {
        summary: 'Liveness',
        tags: ['operations'],
        responses: { 200: { description: 'The process is alive', content: { 'application/json': { schema: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } } } } },
      },
    },
    '/ready': {
      get: {
        summary: 'Readiness: can take work now',
        tags: ['operations'],
        responses: {
          200: {
            description: 'Ready',
            content: { 'application/json': { schema: { type: 'object', required: ['status', 'mode'], properties: { status: { const: 'ready' }, mode: { enum: ['embedded', 'redis'] } } } } },
          },
          ...problems(['NOT_READY', 'SHUTTING_DOWN']),
        },
      },
    },
    '/metrics': {
      get: { summary: 'Prometheus metrics', tags: ['operations'], responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } },
    },
    '/api/convert': {
      post: {
        summary: 'Convert one image',
        description:
          'Sends one PNG, JPEG, WebP or GIF (multipart field `image`, or the raw body with an image/* Content-Type). Answers the SVG with the facts in headers, the JSON facts with `Accept: application/json`, or 202 and a job with `async=1`.',
        tags: ['convert'],
        parameters: [...optionParameters(), asyncParam],
        requestBody: imageBody('image', false),
        responses: {
          200: {
            description: 'The scored result: SVG (default), its JSON facts (`Accept: application/json`), or another export format (`format`).',
            headers: headers([...FACT_HEADERS], [...OPTIONAL_FACT_HEADERS, ...RATE_HEADERS]),
            content: { ...formatContent(), 'application/json': { schema: ref('Conversion') } },
          },
          202: {
            description: 'Accepted as a job (`async=1` or `Prefer: respond-async`)',
            headers: { Location: { ...headerRef('Location'), required: true }, ...headers([], RATE_HEADERS) },
            content: { 'application/json': { schema: ref('Job') } },
          },
          ...problems([...UPLOAD_CODES, ...API_KEY_CODES, ...POST_CODES, ...CONVERSION_CODES, 'NOT_ACCEPTABLE', 'CLIENT_CLOSED']),
        },
      },
      get: methodNotAllowed,
      put: methodNotAllowed,
      patch: methodNotAllowed,
      delete: methodNotAllowed,
    },
    '/api/jobs/{id}': {
      get: {
        summary: 'A job: state, stage in progress, timings, facts or error',
        tags: ['jobs'],
        parameters: [JOB_ID],
        responses: { 200: { description: 'The job', content: { 'application/json': { schema: ref('Job') } } }, ...problems(['JOB_NOT_FOUND', ...API_KEY_CODES, ...SERVER_CODES]) },
      },
    },
    '/api/jobs/{id}/svg': {
      get: {
        summary: "A completed job's SVG",
        tags: ['jobs'],
        parameters: [JOB_ID],
        responses: { 200: svgAnswer('The SVG'), ...problems(['JOB_NOT_FOUND', 'JOB_NOT_FINISHED', ...API_KEY_CODES, ...CONVERSION_CODES]) },
      },
    },
    '/api/results/{id}': {
      get: {
        summary: 'Export a stored result again, in another format or size, without tracing',
        tags: ['results'],
        parameters: [pathParam('id', 'Result id (`resultId`, `X-SVG-AI-Result-Id`).'), ...optionParameters('export')],
        responses: {
          200: { description: 'The result in the asked format', headers: headers([], [...FACT_HEADERS, ...OPTIONAL_FACT_HEADERS]), content: formatContent() },
          ...problems(['INVALID_OPTIONS', 'NOT_FOUND', 'RESULT_NOT_FOUND', 'NOT_ACCEPTABLE', ...API_KEY_CODES, ...SERVER_CODES]),
        },
      },
    },
    '/api/batch': {
      post: {
        summary: 'Convert many images (multipart fields `images`)',
        tags: ['batch'],
        parameters: [...optionParameters()],
        requestBody: imageBody('images', true),
        responses: {
          202: {
            description: 'Accepted: one job per image; files that are not images are reported and the rest converts',
            headers: { Location: { ...headerRef('Location'), required: true }, ...headers([], RATE_HEADERS) },
            content: { 'application/json': { schema: ref('BatchAccepted') } },
          },
          ...problems([...UPLOAD_CODES, 'BATCH_TOO_LARGE', 'QUEUE_FULL', ...API_KEY_CODES, ...POST_CODES, ...SERVER_CODES]),
        },
      },
    },
    '/api/batch/{id}': {
      get: {
        summary: "A batch's items: status, tier, SSIM, ms, bytes or error",
        tags: ['batch'],
        parameters: [BATCH_ID],
        responses: { 200: { description: 'The batch', content: { 'application/json': { schema: ref('BatchStatus') } } }, ...problems(['BATCH_NOT_FOUND', ...API_KEY_CODES, ...SERVER_CODES]) },
      },
    },
    '/api/batch/{id}/items/{index}/svg': {
      get: {
        summary: "One batch item's SVG",
        tags: ['batch'],
        parameters: [BATCH_ID, pathParam('index', 'Item index, from 0.', { type: 'string', pattern: '^\\d+$' })],
        responses: { 200: svgAnswer('The SVG'), ...problems(['BATCH_NOT_FOUND', 'NOT_FOUND', 'JOB_NOT_FOUND', 'JOB_NOT_FINISHED', ...API_KEY_CODES, ...CONVERSION_CODES]) },
      },
    },
    '/api/batch/{id}/archive': {
      get: {
        summary: 'Every SVG of a batch in one zip, with report.json and report.csv',
        description: 'An archive holds every SVG or none: an unfinished batch answers 409, or with `wait=1` is waited for as long as a synchronous conversion may take.',
        tags: ['batch'],
        parameters: [
          BATCH_ID,
          { name: 'wait', in: 'query', required: false, description: 'Wait for the batch to finish instead of answering 409.', schema: { type: 'string', enum: ['0', '1', 'true', 'false'], default: '0' } },
        ],
        responses: {
          200: { description: 'svg/<names>.svg, report.json, report.csv', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } },
          ...problems(['BATCH_NOT_FOUND', 'JOB_NOT_FINISHED', 'INVALID_OPTIONS', ...API_KEY_CODES, ...SERVER_CODES]),
        },
      },
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'SVG-AI',
      version: '0.1.0',
      summary: 'Raster-to-vector conversion: PNG, JPEG, WebP and GIF in, scored SVG out.',
      description:
        'Every conversion is classified into a tier, traced, rendered back and scored with SSIM against the source; the SSIM returned is measured on the exact SVG returned. Every refusal is `application/problem+json` with a stable `code`. A path asked with a method it does not take answers 405 `METHOD_NOT_ALLOWED` with `Allow`.',
      license: { name: 'GPL-2.0-or-later', identifier: 'GPL-2.0-or-later' },
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'convert', description: 'One image' },
      { name: 'jobs', description: 'Asynchronous conversions' },
      { name: 'results', description: 'Stored results in other formats' },
      { name: 'batch', description: 'Many images' },
      { name: 'operations', description: 'Health, readiness, metrics' },
      { name: 'pages', description: 'The studio and this reference' },
    ],
    security: [{}, { bearer: [] }, { apiKey: [] }],
    paths,
    components: {
      schemas: { Problem: PROBLEM, Conversion: CONVERSION_JSON, Job: JOB, BatchAccepted: BATCH_ACCEPTED, BatchStatus: BATCH_STATUS },
      headers: HEADERS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'When API_KEYS is set, /api/* needs a key.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    'x-svg-ai-error-codes': ERROR_CODES,
  };
}
