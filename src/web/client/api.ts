/** The studio's calls to the service: async conversions, job polling, batches. */

export interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
}

export interface Features {
  c95: number;
  colors: number;
  alphaCoverage: number;
  flatShare: number;
  smoothShare: number;
  edgeShare: number;
  entropy: number;
  families: number;
  secondShare: number;
}

export interface Facts {
  resultId?: string;
  tier: 1 | 2 | 3;
  engine: string;
  ssim: number;
  target: number;
  targetMet: boolean;
  width: number;
  height: number;
  format: string;
  frames: number;
  transparent: boolean;
  bytes: number;
  strategy: string;
  features: Features;
  timings: Record<string, number>;
  durationMs: number;
}

export interface Job {
  id: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  progress?: { stage: string; index: number; total: number; tier?: number };
  result?: Facts;
  error?: { code: string; detail: string };
  statusUrl?: string;
  svgUrl?: string;
}

export interface BatchAccepted {
  id: string;
  statusUrl: string;
  archiveUrl: string;
  total: number;
  accepted: number;
  refused: { index: number; name: string; code: string; detail: string }[];
}

export interface BatchRow {
  index: number;
  file: string;
  status: 'converted' | 'skipped' | 'failed' | 'waiting' | 'active';
  tier?: number;
  engine?: string;
  ssim?: number;
  ms?: number;
  bytes?: number;
  error?: string;
  detail?: string;
  svgUrl?: string;
}

export interface BatchStatus {
  id: string;
  done: boolean;
  total: number;
  converted: number;
  failed: number;
  pending: number;
  items: BatchRow[];
}

/** A refusal, carrying the service's sentence for the person reading the page. */
export class ServiceError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

async function problemOf(res: Response): Promise<ServiceError> {
  try {
    const body = (await res.json()) as Problem;
    if (typeof body.detail === 'string') return new ServiceError(body);
  } catch {
    // Not problem+json (a proxy's page): fall through to a generic sentence.
  }
  return new ServiceError({ status: res.status, title: res.statusText, detail: `The service answered ${res.status} ${res.statusText}.`, code: 'HTTP' });
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as T;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function submitConversion(file: Blob, name: string, query: URLSearchParams): Promise<Job> {
  const form = new FormData();
  form.append('image', file, name);
  const q = new URLSearchParams(query);
  q.set('async', '1');
  return json<Job>(await fetch(`/api/convert?${q}`, { method: 'POST', body: form, headers: { Accept: 'application/json' } }));
}

export async function getJob(id: string): Promise<Job> {
  return json<Job>(await fetch(`/api/jobs/${id}`, { headers: { Accept: 'application/json' } }));
}

export async function getSvg(url: string): Promise<{ svg: string; resultId: string | undefined }> {
  const res = await fetch(url);
  if (!res.ok) throw await problemOf(res);
  return { svg: await res.text(), resultId: res.headers.get('X-SVG-AI-Result-Id') ?? undefined };
}

export async function submitBatch(files: { file: Blob; name: string }[], query: URLSearchParams): Promise<BatchAccepted> {
  const form = new FormData();
  for (const { file, name } of files) form.append('images', file, name);
  return json<BatchAccepted>(await fetch(`/api/batch?${query}`, { method: 'POST', body: form }));
}

export async function getBatch(url: string): Promise<BatchStatus> {
  return json<BatchStatus>(await fetch(url));
}

export interface ParameterDoc {
  name: string;
  description: string;
  schema: {
    type?: string;
    enum?: string[];
    minimum?: number;
    maximum?: number;
    default?: string | number;
    pattern?: string;
    anyOf?: { type?: string; minimum?: number; maximum?: number }[];
    'x-svg-ai-kind': string;
    'x-svg-ai-scope': 'trace' | 'export';
    'x-svg-ai-default': string;
  };
}

/** The option parameters of POST /api/convert, as the service describes them. */
export async function optionDocs(): Promise<ParameterDoc[]> {
  const doc = await json<{ paths: Record<string, { post?: { parameters?: ParameterDoc[] } }> }>(await fetch('/openapi.json'));
  return (doc.paths['/api/convert']?.post?.parameters ?? []).filter((p) => p.schema?.['x-svg-ai-kind']);
}
