/**
 * The real programs the operations kit configures, started for a test: nginx and Prometheus from
 * their Debian packages (installed by .ci/run) with a test-time copy of the repository's config,
 * and the services they front. Each copy changes only ports, upstream/target addresses and file
 * paths, and every change must match the original exactly once, so a reshaped config fails loudly
 * here instead of being tested in some other shape.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { findProgram } from '../helpers/programs.js';
import { freePort, waitFor } from '../helpers/redis.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const repoFile = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

/** The absolute path of a program, or an error that says which Debian package provides it. */
export function program(name: string, debianPackage: string): string {
  const found = findProgram(name);
  if (!found) throw new Error(`${name} is not installed: apt-get install ${debianPackage} (.ci/run does it)`);
  return found;
}

export function tempDir(name: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `svgai-ops-${name}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Proc {
  child: ChildProcess;
  exited: Promise<number | string>;
  /** The last 8 KB of stdout and stderr, for failure messages. */
  output(): string;
  /** Sends the signal (SIGTERM by default) unless the process has ended, and waits for the end. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnProc(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Replaces `pattern` in `text`, insisting that it occurs exactly once. */
export function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const count = [...text.matchAll(new RegExp(pattern.source, flags))].length;
  if (count !== 1) throw new Error(`expected exactly one ${what} (${pattern}) but found ${count}`);
  return text.replace(pattern, replacement);
}

// ---------------------------------------------------------------------------------------------
// nginx

export interface NginxOptions {
  dir: string;
  port: number;
  healthPort: number;
  /** Loopback ports of the API instances that replace the compose service in the upstream. */
  upstreams: number[];
}

/** nginx.conf with the listen ports, upstream servers and file paths of a test; nothing else changed. */
export function nginxTestConfig(source: string, o: NginxOptions): string {
  let conf = source;
  // Run as the current user: as root, nginx would otherwise switch its workers to "nobody", who cannot
  // enter the private temporary directory.
  conf = replaceOnce(conf, /^user \S+;\n/m, os.userInfo().uid === 0 ? `user ${os.userInfo().username};\n` : '', 'user directive');
  conf = replaceOnce(conf, /^pid \S+;\n/m, '', 'pid directive (given with -g instead)');
  conf = replaceOnce(conf, /error_log \/dev\/stderr (\w+);/, `error_log ${o.dir}/error.log $1;`, 'error_log to stderr');
  conf = replaceOnce(conf, /access_log \/dev\/stdout (\w+);/, `access_log ${o.dir}/access.log $1;`, 'access_log to stdout');
  conf = replaceOnce(
    conf,
    /^(\s*)server api:8080( [^;]*)?;/m,
    o.upstreams.map((port, i) => `${i === 0 ? '$1' : '        '}server 127.0.0.1:${port}$2;`).join('\n'),
    'upstream server api:8080',
  );
  conf = replaceOnce(conf, /listen 80;/, `listen 127.0.0.1:${o.port};`, 'public listen 80');
  conf = replaceOnce(conf, /listen 127\.0\.0\.1:8081;/, `listen 127.0.0.1:${o.healthPort};`, 'health listen 127.0.0.1:8081');
  // The package's compiled-in temporary paths are under /var/lib/nginx; keep them in the test's directory.
  conf = replaceOnce(
    conf,
    /^http \{\n/m,
    `http {\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${o.dir}/${t}_temp;\n`).join('')}`,
    'http block',
  );
  return conf;
}

export interface RunningNginx {
  port: number;
  base: string;
  healthPort: number;
  dir: string;
  errorLog(): string;
  accessLog(): string;
  stop(): Promise<void>;
}

/** Starts nginx (foreground, as the current user) with a test copy of nginx.conf in front of `upstreams`. */
export async function startNginx(upstreams: number[]): Promise<RunningNginx> {
  const nginx = program('nginx', 'nginx');
  const { dir, cleanup } = tempDir('nginx');
  const [port, healthPort] = [await freePort(), await freePort()];
  writeFileSync(path.join(dir, 'nginx.conf'), nginxTestConfig(repoFile('nginx.conf'), { dir, port, healthPort, upstreams }));
  const proc = spawnProc(nginx, ['-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`]);
  const read = (file: string) => {
    try {
      return readFileSync(path.join(dir, file), 'utf8');
    } catch {
      return '';
    }
  };
  await waitFor(
    `nginx on ${port} (${proc.output()}${read('error.log')})`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`nginx exited: ${proc.output()}`);
      return (await fetch(`http://127.0.0.1:${healthPort}/nginx-health`)).ok;
    },
    15_000,
  );
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    healthPort,
    dir,
    errorLog: () => read('error.log'),
    accessLog: () => read('access.log'),
    async stop() {
      await proc.stop('SIGTERM');
      cleanup();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Prometheus

interface ScrapeConfig {
  job_name: string;
  [key: string]: unknown;
}

/**
 * monitoring/prometheus.yml with every job pointed at the test's targets (static, on loopback), a
 * one-second scrape and evaluation interval, and the rule files resolved from the repository.
 * Every job of the original must be given targets: a job the test cannot feed fails here.
 */
export function prometheusTestConfig(source: string, targets: Record<string, string[]>): string {
  const config = parse(source) as { global: Record<string, unknown>; rule_files: string[]; scrape_configs: ScrapeConfig[] };
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
  config.rule_files = config.rule_files.map((f) => path.resolve(ROOT, 'monitoring', f));
  const jobs = config.scrape_configs.map((s) => s.job_name);
  const unknown = Object.keys(targets).filter((j) => !jobs.includes(j));
  if (unknown.length > 0) throw new Error(`no such job in monitoring/prometheus.yml: ${unknown.join(', ')}`);
  config.scrape_configs = config.scrape_configs.map((scrape) => {
    const mine = targets[scrape.job_name];
    if (!mine) throw new Error(`the test gives no targets for job ${scrape.job_name}`);
    const kept = Object.fromEntries(Object.entries(scrape).filter(([key]) => !key.endsWith('_sd_configs') && key !== 'static_configs'));
    return { ...kept, job_name: scrape.job_name, scrape_interval: '1s', static_configs: [{ targets: mine }] };
  });
  return stringify(config);
}

export interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  port: number;
  base: string;
  /** An instant query through the HTTP API; throws with Prometheus's error when the query is invalid. */
  query(expr: string): Promise<PromResult[]>;
  api<T>(pathAndQuery: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startPrometheus(configFor: (selfTarget: string) => string): Promise<RunningPrometheus> {
  const prometheus = program('prometheus', 'prometheus');
  const { dir, cleanup } = tempDir('prometheus');
  const port = await freePort();
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, configFor(`127.0.0.1:${port}`));
  const proc = spawnProc(prometheus, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dir}/data`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    `Prometheus on ${port}`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`prometheus exited: ${proc.output()}`);
      return (await fetch(`${base}/-/ready`)).ok;
    },
    30_000,
    200,
  );
  async function api<T>(pathAndQuery: string): Promise<T> {
    const res = await fetch(`${base}${pathAndQuery}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${pathAndQuery}: ${body.error ?? res.status}`);
    return body.data;
  }
  return {
    port,
    base,
    api,
    async query(expr) {
      const data = await api<{ resultType: string; result: PromResult[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      if (data.resultType !== 'vector') throw new Error(`expected a vector from ${expr}, got ${data.resultType}`);
      return data.result;
    },
    async stop() {
      await proc.stop('SIGTERM');
      cleanup();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Dashboards and rules as data

export interface DashboardTarget {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  datasourceUid: string | undefined;
}

interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { refId: string; expr: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

export const DASHBOARDS = ['application-performance', 'system-resources', 'error-tracking'] as const;

export function dashboardJson(name: string): { uid: string; title: string; panels: Panel[] } {
  return JSON.parse(repoFile(`monitoring/grafana/dashboards/${name}.json`)) as { uid: string; title: string; panels: Panel[] };
}

/** Every panel of every dashboard that draws data (rows excluded), with its queries. */
export function dashboardPanels(): { dashboard: string; title: string; type: string; targets: DashboardTarget[] }[] {
  const out: { dashboard: string; title: string; type: string; targets: DashboardTarget[] }[] = [];
  for (const name of DASHBOARDS) {
    const walk = (panels: Panel[]) => {
      for (const p of panels) {
        if (p.type === 'row') {
          walk(p.panels ?? []);
          continue;
        }
        out.push({
          dashboard: name,
          title: p.title,
          type: p.type,
          targets: (p.targets ?? []).map((t) => ({
            dashboard: name,
            panel: p.title,
            refId: t.refId,
            expr: t.expr,
            datasourceUid: t.datasource?.uid ?? p.datasource?.uid,
          })),
        });
      }
    };
    walk(dashboardJson(name).panels);
  }
  return out;
}

/**
 * A dashboard query as Grafana would send it. $__rate_interval is the only variable the dashboards
 * use; a test gives the window that covers its load.
 */
export function grafanaExpr(expr: string, rateInterval: string): string {
  const out = expr.replaceAll('$__rate_interval', rateInterval);
  if (out.includes('$')) throw new Error(`unsupported Grafana variable in ${expr}`);
  return out;
}

export interface Rule {
  group: string;
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): Rule[] {
  const file = parse(repoFile('monitoring/rules/svgai.yml')) as { groups: { name: string; rules: Omit<Rule, 'group'>[] }[] };
  return file.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
}

// ---------------------------------------------------------------------------------------------
// HTTP without the conveniences of fetch: no URL normalisation, no decompression, raw bodies.

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function rawRequest(
  port: number,
  o: { method?: string; path: string; headers?: Record<string, string | number>; body?: Buffer | Iterable<Buffer>; agent?: http.Agent },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, headers: o.headers, agent: o.agent ?? false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    // A server that answers before reading the whole body (413) may reset the connection while we
    // still write: the answer is what counts.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (o.body === undefined) req.end();
    else if (Buffer.isBuffer(o.body)) req.end(o.body);
    else {
      for (const chunk of o.body) req.write(chunk);
      req.end();
    }
  });
}

/** Sum of a metric's samples whose labels include `labels`, from a Prometheus text exposition. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// docker-compose.prod.yml and .env.example as data

/** KEY=value lines of a dotenv file (no quoting: .env.example uses none). */
export function dotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (whole, name: string | undefined, colon: string, op: string, arg: string) => {
    if (whole === '$$') return '$';
    const v = env[name!];
    const missing = v === undefined || (colon === ':' && v === '');
    if (op === '-') return missing ? arg : v!;
    if (op === '?') {
      if (missing) throw new Error(`${name}: ${arg}`);
      return v!;
    }
    return v ?? '';
  });
}

/** The names of every variable the compose file interpolates. */
export function composeVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
}

export interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
  init?: boolean;
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: string | number; resources?: { limits?: { memory?: string } } };
}
export interface Compose {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** docker-compose.prod.yml with YAML merge keys applied and every variable resolved from `env`. */
export function loadCompose(env: Record<string, string | undefined>): Compose {
  const raw = parse(repoFile('docker-compose.prod.yml'), { merge: true }) as Compose;
  const resolve = (v: unknown): unknown =>
    typeof v === 'string' ? interpolate(v, env) : Array.isArray(v) ? v.map(resolve) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)])) : v;
  return resolve(raw) as Compose;
}

/** The values .env.example gives, plus what an operator must add (the Grafana password). */
export function exampleEnv(): Record<string, string> {
  return { ...dotenv(repoFile('.env.example')), GRAFANA_ADMIN_PASSWORD: 'test-only-password' };
}

/** What the app process in a compose service sees: its environment, empty values left out (= app default). */
export function appEnvironment(service: 'api' | 'worker'): Record<string, string> {
  const env = loadCompose(exampleEnv()).services[service]!.environment ?? {};
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
}

/** Docker's byte sizes: 450M, 1G, 128m, 768mb (binary units, as Docker and Redis read them). */
export function bytesOf(size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(size.trim());
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

/** 60s, 1m30s, 2m -> seconds. */
export function secondsOf(duration: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration.trim());
  if (!m || (!m[1] && !m[2])) throw new Error(`not a duration: ${duration}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}
