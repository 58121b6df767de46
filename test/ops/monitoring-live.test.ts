/**
 * The dashboards and alert rules against live data: the real Prometheus (Debian package) with a copy
 * of monitoring/prometheus.yml (one-second scrapes, every job pointed at a process started here)
 * scrapes the API, a worker and redis_exporter while a small load runs; then every dashboard query
 * and every rule is evaluated through Prometheus's HTTP API.
 *
 * The processes: API 1 in production mode (BullMQ on a private Redis) with a `svg-ai worker`; API 2
 * in embedded mode with one thread, a 100 ms queue wait and a 100 ms tier-3 deadline, so that some
 * conversions fail (422 TRACE_TIMEOUT) and others wait too long (503 QUEUE_TIMEOUT), and the error
 * panels have something real to show.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureIndex } from '../fixtures/index.js';
import { requirePrograms } from '../helpers/programs.js';
import {
  dropPrefix,
  freePort,
  privateRedis,
  startApiProcess,
  startWorkerProcess,
  stopProcess,
  uniquePrefix,
  waitFor,
  type ApiProcess,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis.js';
import {
  alertRules,
  dashboardPanels,
  grafanaExpr,
  program,
  prometheusTestConfig,
  repoFile,
  spawnProc,
  startPrometheus,
  type Proc,
  type RunningPrometheus,
} from './support.js';

const needs = requirePrograms({ prometheus: 'prometheus', 'prometheus-redis-exporter': 'prometheus-redis-exporter', 'redis-server': 'redis-server' });
const RATE_LIMIT = 5;
// Wider than the whole test: a rate over it covers every sample the load produced.
const WINDOW = '10m';

let fixtures: FixtureIndex;
let redis: RedisServer;
let exporter: Proc;
let exporterPort: number;
let api1: ApiProcess;
let api2: ApiProcess;
let worker: WorkerProcess;
let prom: RunningPrometheus;
const prefix = uniquePrefix('ops-live');

interface Target {
  labels: { job: string; instance: string };
  health: string;
  lastError: string;
  lastScrape: string;
}
interface RuleGroup {
  name: string;
  lastEvaluation: string;
  rules: { name: string; type: string; health: string; lastError?: string; query: string }[];
}

async function post(api: ApiProcess, file: Buffer, contentType: string, query: string, client: string) {
  const res = await fetch(`${api.base}/api/convert${query}`, { method: 'POST', headers: { 'Content-Type': contentType, 'X-Forwarded-For': client }, body: file });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  // The live suites are skipped (one line says why); the selector test below needs no processes.
  if (needs.missing) return;
  fixtures = await ensureFixtures();
  redis = await privateRedis(['--maxmemory', '256mb', '--maxmemory-policy', 'noeviction']);
  await redis.start();
  exporterPort = await freePort();
  exporter = spawnProc(program('prometheus-redis-exporter', 'prometheus-redis-exporter'), [
    `--redis.addr=${redis.url}`,
    `--web.listen-address=127.0.0.1:${exporterPort}`,
  ]);
  await waitFor(`redis_exporter (${exporter.output()})`, async () => (await fetch(`http://127.0.0.1:${exporterPort}/metrics`)).ok, 15_000);

  const production = { REDIS_URL: redis.url, REDIS_PREFIX: prefix };
  [api1, api2, worker] = await Promise.all([
    // Behind nginx the app trusts one hop; here the test plays nginx and names each client.
    startApiProcess({ ...production, TRUST_PROXY_HOPS: '1', RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) }),
    startApiProcess({ WORKER_THREADS: '1', QUEUE_WAIT_MS: '100', DEADLINE_TIER3_MS: '100' }),
    startWorkerProcess({ ...production, WORKER_THREADS: '1', WORKER_CONCURRENCY: '1' }),
  ]);

  prom = await startPrometheus((self) =>
    prometheusTestConfig(repoFile('monitoring/prometheus.yml'), {
      'svgai-api': [`127.0.0.1:${api1.port}`, `127.0.0.1:${api2.port}`],
      'svgai-worker': [`127.0.0.1:${worker.metricsPort}`],
      redis: [`127.0.0.1:${exporterPort}`],
      prometheus: [self],
    }),
  );
  // Let Prometheus take a first sample of everything before the load, so rates have a base.
  await waitFor('first scrapes', async () => {
    const { activeTargets } = await prom.api<{ activeTargets: Target[] }>('/api/v1/targets');
    return activeTargets.length === 5 && activeTargets.every((t) => t.health === 'up');
  });

  // The load, in two rounds with a scrape between them: a rate needs a series to have been seen
  // before it grows, and the app creates a labelled series at its first increment.
  const image = async (name: keyof FixtureIndex) => readFile(fixtures[name].file);
  let client = 0;
  const next = () => `10.20.0.${++client}`;
  for (const round of [1, 2]) {
    // Each round asks for different colours, so neither is answered from the cache.
    const colours = `&max_colors=${round + 2}`;
    const converted = [
      await post(api1, await image('logo-2c'), 'image/png', `?tier=1${colours}`, next()),
      await post(api1, await image('flat-art'), 'image/png', `?tier=2${colours}`, next()),
      await post(api1, await image('photo-like'), 'image/jpeg', `?tier=3&quality=${round === 1 ? '0.85' : '0.999'}`, next()), // 0.999: below the requested quality
      await post(api1, await image('logo-2c'), 'image/png', `?tier=1${colours}`, next()), // a cache hit
    ];
    expect(converted).toEqual([200, 200, 200, 200]);
    const refused = [
      await post(api1, await image('text-named-png'), 'image/png', '', next()),
      await post(api1, Buffer.alloc(0), 'image/png', '', next()),
      await post(api1, await image('png-bomb'), 'image/png', '', next()),
    ];
    expect(refused).toEqual([415, 400, 422]);
    // Four conversions at once on one thread: the running one (asking for a quality it must search for) outlives its 100 ms deadline (422, a
    // failed conversion) while the others wait past the 100 ms queue wait (503). At full colour: with max_colors=3 the photo traced
    // in 70-110 ms, and the one running sometimes met its deadline.
    const photo = await image('photo-like');
    // A warm thread first: a cold one spends the queue wait warming up, and all four would get 503.
    expect(await post(api2, await image('logo-2c'), 'image/png', `?tier=1${colours}`, next())).toBe(200);
    const rushed = await Promise.all([96, 97, 98, 99].map((q) => post(api2, photo, 'image/jpeg', `?tier=3&quality=0.${q}${round}`, next())));
    expect(rushed).toContain(503);
    expect(rushed).toContain(422);
    if (round === 1) {
      const flood: number[] = [];
      for (let i = 0; i < RATE_LIMIT + 2; i++) flood.push(await post(api1, Buffer.alloc(0), 'image/png', '', '192.0.2.77'));
      expect(flood.filter((s) => s === 429)).toHaveLength(2);
      await scrapedAfter(Date.now());
    }
  }

  // Every rule evaluated on data scraped after the load.
  const loadEnd = Date.now();
  await scrapedAfter(loadEnd);
  await waitFor(
    'rule evaluations after the load',
    async () => (await prom.api<{ groups: RuleGroup[] }>('/api/v1/rules')).groups.every((g) => Date.parse(g.lastEvaluation) > loadEnd + 1500),
    30_000,
    250,
  );
}, 240_000);

/** Waits until Prometheus has scraped every target (successfully) after `time`. */
async function scrapedAfter(time: number): Promise<void> {
  await waitFor(
    'scrapes after the load',
    async () => {
      const { activeTargets } = await prom.api<{ activeTargets: Target[] }>('/api/v1/targets');
      return activeTargets.every((t) => Date.parse(t.lastScrape) > time + 500 && t.health === 'up');
    },
    30_000,
    250,
  );
}

afterAll(async () => {
  if (needs.missing) return;
  await prom?.stop();
  await Promise.all([api1, api2, worker].filter(Boolean).map((p) => stopProcess(p)));
  await exporter?.stop();
  await dropPrefix(redis.url, prefix);
  await redis?.cleanup();
});

describe.skipIf(needs.missing)('Prometheus with monitoring/prometheus.yml', () => {
  it('scrapes every job: both API instances, the worker, redis_exporter and itself', async () => {
    const { activeTargets } = await prom.api<{ activeTargets: Target[] }>('/api/v1/targets');
    const jobs = activeTargets.map((t) => t.labels.job).sort();
    expect(jobs).toEqual(['prometheus', 'redis', 'svgai-api', 'svgai-api', 'svgai-worker']);
    for (const t of activeTargets) expect(t.health, `${t.labels.job} ${t.labels.instance}: ${t.lastError}`).toBe('up');
  });

  it('loads and evaluates every rule of monitoring/rules without an error', async () => {
    const { groups } = await prom.api<{ groups: RuleGroup[] }>('/api/v1/rules');
    const loaded = groups.flatMap((g) => g.rules.map((r) => r.name)).sort();
    const expected = alertRules()
      .map((r) => r.alert ?? r.record!)
      .sort();
    expect(loaded).toEqual(expected);
    for (const g of groups) for (const r of g.rules) expect(r.health, `${r.name}: ${r.lastError ?? ''}`).toBe('ok');
    const [limit] = await prom.query('svgai:container_memory_limit_bytes');
    expect(Number(limit?.value[1])).toBeGreaterThan(0);
  });
});

/** The vector selectors in an expression, with only their positive matchers (what must exist in live data). */
function selectors(expr: string): string[] {
  const stripped = expr
    .replace(/\[[^\]]*\]/g, '') // range durations
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const found = new Set<string>();
  for (const m of stripped.matchAll(/([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    if (m[3] || ['and', 'or', 'unless'].includes(m[1]!)) continue; // a function, or a set operator
    const positive = (m[2] ?? '{}')
      .slice(1, -1)
      .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
      .map((matcher) => matcher.trim())
      .filter((matcher) => matcher && !/!=|!~/.test(matcher));
    found.add(`${m[1]}{${positive.join(',')}}`);
  }
  return [...found];
}

it('finds the selectors of an expression', () => {
  expect(selectors('sum by (tier, le) (rate(a_bucket{tier="1",le="0.95"}[30m])) / on() group_left() b:c > 0.1 or absent(up{job="x"} == 1)')).toEqual([
    'a_bucket{tier="1",le="0.95"}',
    'b:c{}',
    'up{job="x"}',
  ]);
  expect(selectors('count by (instance) (redis_instance_info{maxmemory_policy!="noeviction"})')).toEqual(['redis_instance_info{}']);
});

describe.skipIf(needs.missing)('every alert rule against live data', () => {
  const alerts = alertRules().filter((r) => r.alert);
  it.each(alerts.map((a) => [a.alert!, a.expr] as const))('%s is valid and every series it selects exists', async (_name, expr) => {
    await prom.query(expr); // throws with Prometheus's parse or evaluation error
    for (const selector of selectors(expr)) {
      const result = await prom.query(selector);
      expect(result.length, `no live series for ${selector}`).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(needs.missing)('every dashboard panel against live data', () => {
  const panels = dashboardPanels();
  it.each(panels.map((p) => [`${p.dashboard} / ${p.title}`, p] as const))('%s returns data', async (_title, panel) => {
    expect(panel.targets.length).toBeGreaterThan(0);
    for (const target of panel.targets) {
      const result = await prom.query(grafanaExpr(target.expr, WINDOW));
      const finite = result.filter((r) => Number.isFinite(Number(r.value[1])));
      expect(finite.length, `query ${target.refId} returned no (finite) data: ${target.expr}`).toBeGreaterThan(0);
    }
  });
});
