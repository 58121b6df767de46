/**
 * JSON Schemas (OpenAPI 3.1 = JSON Schema 2020-12) for the API's parameters and bodies. Option
 * parameters come from OPTION_SPECS and the problem body from the error catalog, so the description
 * cannot drift from what the service validates and answers.
 */
import { ERRORS, type ErrorCode } from '../errors/catalog.js';
import { OPTION_SPECS, type OptionSpec } from '../pipeline/options.js';

export type Schema = Record<string, unknown>;

const COLOUR = '#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})';

/** An option's default as a typed value when it is one (e.g. `auto`, `1`, `px`), else undefined. */
export function typedDefault(spec: OptionSpec): string | number | undefined {
  const t = spec.type;
  if (t.kind === 'enum') return t.values.includes(spec.default) ? spec.default : undefined;
  if (t.kind === 'integer' || t.kind === 'number') {
    const n = Number(spec.default);
    return spec.default.trim() !== '' && Number.isFinite(n) && n >= t.min && n <= t.max ? n : undefined;
  }
  if (t.kind === 'number-or-auto' || t.kind === 'colour-or-auto') return spec.default === 'auto' ? 'auto' : undefined;
  return undefined;
}

/** The schema of one option's value as sent (query string or form field). */
export function optionSchema(spec: OptionSpec): Schema {
  const t = spec.type;
  const base: Schema = (() => {
    switch (t.kind) {
      case 'enum':
        return { type: 'string', enum: [...t.values] };
      case 'integer':
        return { type: 'integer', minimum: t.min, maximum: t.max };
      case 'number':
        return { type: 'number', minimum: t.min, maximum: t.max };
      case 'number-or-auto':
        return { anyOf: [{ type: 'string', const: 'auto' }, { type: 'number', minimum: t.min, maximum: t.max }] };
      case 'colour-or-auto':
        return { type: 'string', pattern: `^(auto|${COLOUR})$` };
      case 'boolean':
        return { type: 'boolean' };
      case 'palette':
        return { type: 'string', pattern: `^\\s*${COLOUR}(\\s*->\\s*(${COLOUR}|transparent))?(\\s*[,;]\\s*${COLOUR}(\\s*->\\s*(${COLOUR}|transparent))?)*\\s*$` };
    }
  })();
  const value = typedDefault(spec);
  return {
    ...base,
    ...(value !== undefined ? { default: value } : {}),
    // The studio builds its controls from these: kind and scope as the service's table states them.
    'x-svg-ai-kind': t.kind,
    'x-svg-ai-scope': spec.scope,
    'x-svg-ai-default': spec.default,
  };
}

/** A query parameter for one option, with its range and default in the schema and the text. */
export function optionParameter(spec: OptionSpec): Schema {
  return {
    name: spec.name,
    in: 'query',
    required: false,
    description: `${spec.description} Default: ${spec.default}.`,
    schema: optionSchema(spec),
  };
}

export const optionParameters = (scope?: OptionSpec['scope']): Schema[] =>
  OPTION_SPECS.filter((s) => scope === undefined || s.scope === scope).map(optionParameter);

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** RFC 9457 problem details as sendProblem writes them. */
export const PROBLEM: Schema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'A sentence a person understands.' },
    code: { type: 'string', enum: ERROR_CODES, description: 'Stable: clients branch on it.' },
    instance: { type: 'string' },
  },
};

export const FEATURES: Schema = {
  type: 'object',
  description: "The classifier's features: why the image got its tier.",
  required: ['c95', 'colors', 'alphaCoverage', 'flatShare', 'smoothShare', 'edgeShare', 'entropy', 'families', 'secondShare'],
  properties: {
    c95: { type: 'integer', description: 'Fewest 5-bit colours covering 95 % of the opaque pixels.' },
    colors: { type: 'integer', description: 'Distinct 5-bit colours in the sample.' },
    alphaCoverage: { type: 'number', description: 'Share of pixels at least half opaque.' },
    flatShare: { type: 'number', description: 'Share of neighbour pairs of (almost) equal colour.' },
    smoothShare: { type: 'number', description: 'Share of neighbour pairs differing by a small step (gradients, shading).' },
    edgeShare: { type: 'number', description: 'Share of neighbour pairs across a hard edge.' },
    entropy: { type: 'number', description: 'Entropy (bits) of the colour histogram.' },
    families: { type: 'integer', description: 'Foreground colour families.' },
    secondShare: { type: 'number', description: "Share of the foreground outside its largest colour family." },
  },
};

const STAGES = ['sniff', 'probe', 'guard', 'decode', 'classify', 'trace', 'optimize', 'score'];

export const FACTS: Schema = {
  type: 'object',
  description: 'What was measured about a conversion.',
  required: ['tier', 'engine', 'ssim', 'target', 'targetMet', 'width', 'height', 'format', 'frames', 'transparent', 'bytes', 'strategy', 'features', 'timings', 'durationMs'],
  properties: {
    resultId: { type: 'string', description: 'Id of the stored vector result for GET /api/results/{id}.' },
    tier: { type: 'integer', enum: [1, 2, 3] },
    engine: { type: 'string', enum: ['potrace', 'imagetracer', 'vtracer'] },
    ssim: { type: 'number', minimum: -1, maximum: 1, description: 'Measured on the returned SVG at the source size.' },
    target: { type: 'number' },
    targetMet: { type: 'boolean' },
    width: { type: 'integer', minimum: 1 },
    height: { type: 'integer', minimum: 1 },
    format: { type: 'string', enum: ['png', 'jpeg', 'webp', 'gif'] },
    frames: { type: 'integer', minimum: 1 },
    transparent: { type: 'boolean' },
    bytes: { type: 'integer', minimum: 0 },
    strategy: { type: 'string', description: 'The candidate the strategy chose.' },
    features: FEATURES,
    timings: {
      type: 'object',
      description: 'Milliseconds per stage.',
      propertyNames: { enum: STAGES },
      additionalProperties: { type: 'number', minimum: 0 },
    },
    durationMs: { type: 'number', minimum: 0 },
  },
};

export const CONVERSION_JSON: Schema = {
  ...FACTS,
  required: [...(FACTS.required as string[]), 'svg', 'cache', 'traceMs'],
  properties: {
    ...(FACTS.properties as Schema),
    svg: { type: 'string' },
    cache: { type: 'string', enum: ['hit', 'miss'] },
    traceMs: { type: 'number', minimum: 0 },
  },
};

const SERIALIZED_ERROR: Schema = {
  type: 'object',
  required: ['code', 'detail'],
  properties: { code: { type: 'string', enum: ERROR_CODES }, detail: { type: 'string' }, retryAfterSeconds: { type: 'number' } },
};

export const JOB: Schema = {
  type: 'object',
  required: ['id', 'state', 'createdAt', 'attempts'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{64}-[0-9a-f]{16}$' },
    state: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed'] },
    progress: {
      type: 'object',
      required: ['stage', 'index', 'total'],
      properties: {
        stage: { type: 'string', enum: ['start', ...STAGES] },
        index: { type: 'integer', minimum: 0 },
        total: { type: 'integer', minimum: 1 },
        tier: { type: 'integer', enum: [1, 2, 3] },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    attempts: { type: 'integer', minimum: 0 },
    result: FACTS,
    error: SERIALIZED_ERROR,
    statusUrl: { type: 'string' },
    svgUrl: { type: 'string' },
  },
};

export const BATCH_ACCEPTED: Schema = {
  type: 'object',
  required: ['id', 'statusUrl', 'archiveUrl', 'expiresAt', 'total', 'accepted', 'refused'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    statusUrl: { type: 'string' },
    archiveUrl: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
    total: { type: 'integer', minimum: 1 },
    accepted: { type: 'integer', minimum: 0 },
    refused: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'name', 'code', 'detail'],
        properties: { index: { type: 'integer' }, name: { type: 'string' }, code: { type: 'string', enum: ERROR_CODES }, detail: { type: 'string' } },
      },
    },
  },
};

export const BATCH_STATUS: Schema = {
  type: 'object',
  required: ['id', 'createdAt', 'expiresAt', 'done', 'total', 'converted', 'skipped', 'failed', 'pending', 'items'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    done: { type: 'boolean' },
    total: { type: 'integer', minimum: 0 },
    converted: { type: 'integer', minimum: 0 },
    skipped: { type: 'integer', minimum: 0 },
    failed: { type: 'integer', minimum: 0 },
    pending: { type: 'integer', minimum: 0 },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'file', 'status'],
        properties: {
          index: { type: 'integer', minimum: 0 },
          file: { type: 'string' },
          status: { type: 'string', enum: ['converted', 'skipped', 'failed', 'waiting', 'active'] },
          tier: { type: 'integer', enum: [1, 2, 3] },
          engine: { type: 'string' },
          ssim: { type: 'number' },
          ms: { type: 'number' },
          bytes: { type: 'integer' },
          error: { type: 'string', enum: ERROR_CODES },
          detail: { type: 'string' },
          svgUrl: { type: 'string' },
        },
      },
    },
  },
};
