/**
 * docker-compose.prod.yml, .env.example and the Grafana provisioning, parsed (no Docker engine runs
 * in CI) and checked against each other, nginx.conf, monitoring/prometheus.yml, the alert rules and
 * the app's own configuration schema.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS, loadConfig, type Config } from '../../src/config/config.js';
import { registry } from '../../src/observability/metrics.js';
import { TIER_TARGETS } from '../../src/tiers/thresholds.js';
import {
  alertRules,
  appEnvironment,
  bytesOf,
  composeVariables,
  DASHBOARDS,
  dashboardJson,
  dashboardPanels,
  dotenv,
  exampleEnv,
  loadCompose,
  repoFile,
  ROOT,
  secondsOf,
  type ComposeService,
} from './support.js';
import { requireLibraries } from '../helpers/programs.js';

const jemalloc = requireLibraries({ 'libjemalloc.so.2': 'libjemalloc2' });
const compose = loadCompose(exampleEnv());
const services = compose.services;
const service = (name: string): ComposeService => {
  const s = services[name];
  if (!s) throw new Error(`no service ${name} in docker-compose.prod.yml`);
  return s;
};
const nginxConf = repoFile('nginx.conf');
const prometheusYml = parse(repoFile('monitoring/prometheus.yml')) as {
  rule_files: string[];
  scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[]; static_configs?: { targets: string[] }[] }[];
};
const job = (name: string) => prometheusYml.scrape_configs.find((s) => s.job_name === name)!;
/** Volumes as [source, target] pairs. */
const mounts = (s: ComposeService) => (s.volumes ?? []).map((v) => v.split(':') as [string, string, string?]);
const mountAt = (s: ComposeService, target: string) => mounts(s).find(([, t]) => t === target)?.[0];
const flag = (s: ComposeService, name: string) => (s.command ?? []).find((c) => c.startsWith(`--${name}=`))?.split('=')[1];
const APP_SERVICES = ['api', 'worker'] as const;
const appConfig = (name: 'api' | 'worker'): Config => loadConfig(appEnvironment(name));

describe('docker-compose.prod.yml', () => {
  it('has the services of the deployment', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'grafana', 'nginx', 'prometheus', 'redis', 'redis-exporter', 'worker']);
  });

  it('gives every service a restart policy, a memory limit and a health check (redis-exporter: Prometheus watches it)', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(['unless-stopped', 'always'], name).toContain(s.restart);
      expect(bytesOf(s.deploy?.resources?.limits?.memory ?? 'none'), name).toBeGreaterThan(0);
      if (name === 'redis-exporter') {
        expect(s.healthcheck, 'redis-exporter has no shell or HTTP client for a health check').toBeUndefined();
        expect(job('redis').static_configs?.[0]?.targets).toEqual(['redis-exporter:9121']);
        expect(alertRules().find((r) => r.alert === 'SvgaiTargetDown')?.expr).toBe('up == 0');
      } else {
        expect(s.healthcheck?.test?.[0], name).toMatch(/^CMD(-SHELL)?$/);
      }
    }
  });

  it('runs api and worker from the one image, under an init, each under 500 MB, the limit the memory alerts divide by', () => {
    const [limitRule] = alertRules().filter((r) => r.record === 'svgai:container_memory_limit_bytes');
    const ruleBytes = Number(/^vector\((\d+)\)$/.exec(limitRule!.expr.trim())?.[1]);
    for (const name of APP_SERVICES) {
      const s = service(name);
      expect(s.image, name).toBe(service('api').image);
      expect(s.build, name).toBe('.');
      expect(s.init, name).toBe(true);
      const limit = bytesOf(s.deploy!.resources!.limits!.memory!);
      expect(limit, name).toBeLessThan(500_000_000);
      expect(limit, `${name}: svgai:container_memory_limit_bytes must be the container limit`).toBe(ruleBytes);
      expect(Number(s.deploy?.replicas), name).toBeGreaterThanOrEqual(2);
    }
  });

  it("gives api and worker a stop grace period above the app's own", () => {
    for (const name of APP_SERVICES) {
      const grace = appConfig(name).SHUTDOWN_GRACE_MS / 1000;
      expect(secondsOf(service(name).stop_grace_period!), name).toBeGreaterThan(grace + 5);
      // ...and the grace lets a tier-3 job finish rather than be taken over.
      expect(appConfig(name).SHUTDOWN_GRACE_MS, name).toBeGreaterThan(appConfig(name).DEADLINE_TIER3_MS);
    }
  });

  it('passes every app variable to api and worker, and nothing the app does not read (the image sets the allocator)', () => {
    for (const name of APP_SERVICES) {
      const keys = Object.keys(service(name).environment!).sort();
      expect(keys, `${name}: add new config keys to x-app-environment`).toEqual([...CONFIG_KEYS].sort());
    }
  });

  it('configures the app so it starts: every value passes the config schema', () => {
    for (const name of APP_SERVICES) {
      const config = appConfig(name); // throws ConfigError listing every bad variable
      expect(config.REDIS_URL).toBe('redis://redis:6379');
      expect(config.TRUST_PROXY_HOPS).toBe(1);
      expect(config.WORKER_THREADS).toBe(1);
    }
  });

  it('runs the API command of the Dockerfile and the worker command the CLI has', () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(repoFile('Dockerfile'))![1]!) as string[];
    expect(service('api').command).toEqual(cmd);
    const worker = service('worker').command!;
    expect(worker.slice(-2)).toEqual(['dist/cli/index.js', 'worker']);
    expect(existsSync(path.join(ROOT, 'dist/cli/index.js'))).toBe(true);
    const help = spawnSync(process.execPath, ['dist/cli/index.js', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help.stdout).toMatch(/^\s+worker\b/m);
  });

  it('gives the service one allocator: in the image, in npm start and npm run worker, and in the benchmarks', async () => {
    const env = Object.fromEntries([...repoFile('Dockerfile').matchAll(/^ENV (LD_PRELOAD|MALLOC_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(env).sort()).toEqual(['LD_PRELOAD', 'MALLOC_CONF']);
    const scripts = (JSON.parse(repoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'worker']) expect(scripts[name], name).toMatch(/^sh scripts\/allocator\.sh node /);
    // On bare metal the launcher preloads the same library with the same settings, unless the operator set their own.
    expect(repoFile('scripts/allocator.sh')).toContain(`MALLOC_CONF="\${MALLOC_CONF:-${env.MALLOC_CONF}}"`);
    const { ALLOCATOR_ENV } = await import('../../scripts/bench-service.js');
    expect(ALLOCATOR_ENV).toEqual(env);
  });

  const launch = (env: Record<string, string>) => {
    const probe = "const e = process.env; console.log(JSON.stringify({ jemalloc: require('fs').readFileSync('/proc/self/maps', 'utf8').includes('libjemalloc'), conf: e.MALLOC_CONF, arenas: e.MALLOC_ARENA_MAX }))";
    const run = spawnSync('sh', ['scripts/allocator.sh', process.execPath, '-e', probe], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    return JSON.parse(run.stdout) as { jemalloc: boolean; conf?: string; arenas?: string };
  };

  it("npm start's launcher tunes glibc malloc when something other than jemalloc is preloaded", () => {
    // The operator's own preload wins: here a library that is not jemalloc, so glibc is tuned instead.
    expect(launch({ LD_PRELOAD: 'libc.so.6' })).toEqual({ jemalloc: false, arenas: '2' });
  });

  it.skipIf(jemalloc.missing)("npm start's launcher preloads jemalloc where it is installed, with the image's settings unless given others", () => {
    expect(launch({})).toEqual({ jemalloc: true, conf: /^ENV MALLOC_CONF=(\S+)$/m.exec(repoFile('Dockerfile'))![1] });
    expect(launch({ MALLOC_CONF: 'narenas:1' })).toEqual({ jemalloc: true, conf: 'narenas:1' });
  });

  it('checks api health like the Dockerfile does, and the worker on its metrics port', () => {
    const dockerfile = repoFile('Dockerfile');
    const imageCheck = JSON.parse(/HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(service('api').healthcheck!.test).toEqual(['CMD', ...imageCheck]);
    expect(service('worker').healthcheck!.test.join(' ')).toContain('process.env.WORKER_METRICS_PORT');
    expect(appConfig('worker').WORKER_METRICS_PORT).toBe(9464);
  });

  it('puts nginx in front: the config mounted, its ports published, its upstream the api service', () => {
    const nginx = service('nginx');
    expect(mountAt(nginx, '/etc/nginx/nginx.conf')).toBe('./nginx.conf');
    const published = nginx.ports!.map((p) => p.split(':').at(-1));
    expect(published).toEqual([/listen (\d+);/.exec(nginxConf)![1]]);
    const [, host, port] = /server (\w[\w-]*):(\d+)/.exec(/upstream svgai_api \{([^}]*)\}/.exec(nginxConf)![1]!)!;
    expect(services[host!], `upstream ${host}`).toBeDefined();
    expect(Number(port)).toBe(appConfig('api').PORT);
    expect(nginx.depends_on?.api?.condition).toBe('service_healthy');
    const healthUrl = new URL(nginx.healthcheck!.test.at(-1)!);
    expect(nginxConf).toContain(`listen 127.0.0.1:${healthUrl.port};`);
    expect(nginxConf).toContain(`location = ${healthUrl.pathname} {`);
    // The app trusts exactly the one hop nginx is, and nginx hands it the address it saw.
    expect(nginxConf).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
  });

  it("sizes nginx's limits and timeouts against the app's configuration in this deployment", () => {
    const api = appConfig('api');
    const block = (route: string) => new RegExp(`location ~\\* \\^/api/${route}[^{]*\\{([^}]*)\\}`).exec(nginxConf)![1]!;
    const bodyLimit = (route: string) => Number(/client_max_body_size (\d+)m;/.exec(block(route))![1]) * 1024 * 1024;
    const framing = 64 * 1024; // the app's own allowance for multipart framing
    expect(bodyLimit('convert')).toBeGreaterThan(api.MAX_UPLOAD_BYTES + framing);
    expect(bodyLimit('convert') - api.MAX_UPLOAD_BYTES).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(bodyLimit('batch')).toBeGreaterThan(api.BATCH_MAX_BYTES + framing);
    expect(bodyLimit('batch') - api.BATCH_MAX_BYTES).toBeLessThanOrEqual(2 * 1024 * 1024);
    const seconds = (directive: string) => Number(new RegExp(`${directive} (\\d+)s;`).exec(nginxConf)![1]);
    // A conversion may wait for a thread, then run to the tier-3 deadline; in production mode the
    // API waits at most REQUEST_TIMEOUT_MS - 1 s for a worker. The proxy waits longer than both.
    expect(seconds('proxy_read_timeout') * 1000).toBeGreaterThan(api.QUEUE_WAIT_MS + api.DEADLINE_TIER3_MS);
    expect(seconds('proxy_read_timeout') * 1000).toBeGreaterThan(api.REQUEST_TIMEOUT_MS);
    // Idle upstream connections: nginx lets go first, so it never reuses one Node is closing.
    const upstream = /upstream svgai_api \{([^}]*)\}/.exec(nginxConf)![1]!;
    expect(Number(/keepalive_timeout (\d+)s;/.exec(upstream)![1]) * 1000).toBeLessThan(api.KEEP_ALIVE_TIMEOUT_MS);
    expect(seconds('client_header_timeout') * 1000).toBeLessThan(api.HEADERS_TIMEOUT_MS);
  });

  it('points the app at the redis service and runs Redis with AOF, noeviction, a maxmemory under its limit and a data volume', () => {
    const url = new URL(appConfig('api').REDIS_URL!);
    expect(services[url.hostname]).toBeDefined();
    const redis = service('redis');
    const args = redis.command!;
    const arg = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
    expect(args[0]).toBe('redis-server');
    expect(arg('appendonly')).toBe('yes');
    expect(arg('maxmemory-policy')).toBe('noeviction');
    expect(bytesOf(arg('maxmemory')!)).toBeLessThan(bytesOf(redis.deploy!.resources!.limits!.memory!) * 0.8);
    expect(Number(url.port || 6379)).toBe(Number(arg('port') ?? 6379));
    expect(mountAt(redis, '/data')).toBe('redis-data');
    expect(service('redis-exporter').environment?.REDIS_ADDR).toBe(`redis://${url.hostname}:${url.port || 6379}`);
    for (const name of APP_SERVICES) expect(service(name).depends_on?.redis?.condition).toBe('service_healthy');
  });

  it('scrapes the services Prometheus is told about, on their ports', () => {
    expect(job('svgai-api').dns_sd_configs![0]).toMatchObject({ names: ['api'], port: appConfig('api').PORT });
    expect(job('svgai-worker').dns_sd_configs![0]).toMatchObject({ names: ['worker'], port: appConfig('worker').WORKER_METRICS_PORT });
    expect(service('api').expose).toContain(String(appConfig('api').PORT));
    expect(service('worker').expose).toContain(String(appConfig('worker').WORKER_METRICS_PORT));
    for (const s of prometheusYml.scrape_configs) {
      for (const name of s.dns_sd_configs?.flatMap((d) => d.names) ?? []) expect(services[name], s.job_name).toBeDefined();
      for (const target of s.static_configs?.flatMap((c) => c.targets) ?? []) {
        const host = target.split(':')[0]!;
        expect(host === 'localhost' || services[host] !== undefined, `${s.job_name}: ${target}`).toBe(true);
      }
    }
  });

  it('gives Prometheus its config, its rules where the config looks for them, and a data volume; only on loopback', () => {
    const prometheus = service('prometheus');
    const configFile = flag(prometheus, 'config.file')!;
    expect(mountAt(prometheus, configFile)).toBe('./monitoring/prometheus.yml');
    for (const pattern of prometheusYml.rule_files) {
      const dir = path.posix.dirname(path.posix.join(path.posix.dirname(configFile), pattern));
      expect(mountAt(prometheus, dir), `rule_files ${pattern}`).toBe(`./monitoring/${path.posix.dirname(pattern)}`);
    }
    const storage = flag(prometheus, 'storage.tsdb.path')!;
    expect(compose.volumes).toHaveProperty(mountAt(prometheus, storage)!);
    const listen = flag(prometheus, 'web.listen-address')!.split(':')[1];
    expect(job('prometheus').static_configs![0]!.targets).toEqual([`localhost:${listen}`]);
    for (const p of [...prometheus.ports!, ...service('grafana').ports!]) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('declares every named volume it mounts', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [source] of mounts(s)) {
        if (!source.startsWith('.') && !source.startsWith('/')) expect(compose.volumes, `${name}: ${source}`).toHaveProperty(source);
        else expect(existsSync(path.join(ROOT, source)), `${name}: ${source}`).toBe(true);
      }
    }
    expect(Object.keys(compose.volumes).sort()).toEqual(['grafana-data', 'prometheus-data', 'redis-data']);
  });
});

describe('Grafana provisioning', () => {
  const grafana = service('grafana');
  const datasource = (parse(repoFile('monitoring/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; url: string; type: string }[] }).datasources;
  const providers = (parse(repoFile('monitoring/grafana/provisioning/dashboards/svg-ai.yml')) as { providers: { options: { path: string } }[] }).providers;

  it('mounts the provisioning and the dashboards where the provider looks, and keeps its data in a volume', () => {
    expect(mountAt(grafana, '/etc/grafana/provisioning')).toBe('./monitoring/grafana/provisioning');
    expect(mountAt(grafana, providers[0]!.options.path)).toBe('./monitoring/grafana/dashboards');
    expect(compose.volumes).toHaveProperty(mountAt(grafana, '/var/lib/grafana')!);
    expect(grafana.depends_on?.prometheus?.condition).toBe('service_healthy');
  });

  it('requires an admin password from .env instead of a default one', () => {
    expect(() => loadCompose({ ...exampleEnv(), GRAFANA_ADMIN_PASSWORD: '' })).toThrow(/GRAFANA_ADMIN_PASSWORD/);
    expect(grafana.environment?.GF_SECURITY_ADMIN_PASSWORD).toBe(exampleEnv().GRAFANA_ADMIN_PASSWORD);
  });

  it('points the data source at the prometheus service, and every panel at the data source', () => {
    expect(datasource).toHaveLength(1);
    const url = new URL(datasource[0]!.url);
    expect(services[url.hostname]).toBeDefined();
    expect(url.port).toBe(flag(service('prometheus'), 'web.listen-address')!.split(':')[1]);
    for (const panel of dashboardPanels()) {
      for (const t of panel.targets) expect(t.datasourceUid, `${panel.dashboard} / ${panel.title}`).toBe(datasource[0]!.uid);
    }
  });

  it('has three dashboards with unique uids and panel ids, laid out on the 24-column grid', () => {
    const uids = DASHBOARDS.map((d) => dashboardJson(d).uid);
    expect(new Set(uids).size).toBe(3);
    for (const name of DASHBOARDS) {
      const panels = dashboardJson(name).panels as unknown as { id: number; gridPos: { x: number; w: number } }[];
      expect(new Set(panels.map((p) => p.id)).size, name).toBe(panels.length);
      for (const p of panels) expect(p.gridPos.x + p.gridPos.w, name).toBeLessThanOrEqual(24);
    }
  });

  it('draws the decoded pixels and bytes in flight, the memory admission bounds, beside resident memory', () => {
    const system = dashboardPanels().filter((p) => p.dashboard === 'system-resources');
    for (const gauge of ['svgai_pixels_in_flight', 'svgai_bytes_in_flight']) {
      expect(registry.getSingleMetric(gauge), `${gauge} is not a metric of the app`).toBeDefined();
      const drawn = system.filter((p) => p.targets.some((t) => new RegExp(`\\b${gauge}\\b`).test(t.expr)));
      expect(drawn.map((p) => p.title), gauge).toHaveLength(1);
    }
  });

  it("draws each tier's targets from src/tiers/thresholds.ts", () => {
    const panels = dashboardJson('application-performance').panels as unknown as {
      title: string;
      fieldConfig: { defaults: { thresholds: { steps: { value: number | null }[] } } };
    }[];
    for (const tier of [1, 2, 3] as const) {
      const line = (title: RegExp) => panels.find((p) => title.test(p.title))!.fieldConfig.defaults.thresholds.steps.at(-1)!.value;
      expect(line(new RegExp(`^Tier ${tier} conversion time`))).toBe(TIER_TARGETS[tier].seconds);
      expect(line(new RegExp(`^Tier ${tier} SSIM`))).toBe(TIER_TARGETS[tier].ssim);
    }
  });
});

describe('.env.example', () => {
  const example = repoFile('.env.example');
  const assigned = dotenv(example);
  const composeText = repoFile('docker-compose.prod.yml');

  it('documents every variable of the app', () => {
    const fixedByCompose = /^# (PORT=.*)$/m.exec(example)?.[1] ?? '';
    for (const key of CONFIG_KEYS) {
      expect(key in assigned || fixedByCompose.includes(`${key}=`), `${key} is missing from .env.example`).toBe(true);
    }
    // The values it says compose fixes are the ones compose sets.
    for (const [, key, value] of fixedByCompose.matchAll(/([A-Z_]+)=([^,\s.]+(?:\.[^,\s.]+)*)/g)) {
      expect(service('api').environment?.[key!], key).toBe(value!.replace(/\.$/, ''));
    }
  });

  it('sets every variable the compose file reads, and none it does not', () => {
    const used = composeVariables(composeText);
    expect(Object.keys(assigned).sort()).toEqual([...used].sort());
    // Each line is documented by a comment above it.
    const lines = example.split('\n');
    lines.forEach((line, i) => {
      if (/^[A-Z]/.test(line)) expect(/^#/.test(lines[i - 1] ?? '') || /^[A-Z]/.test(lines[i - 1] ?? ''), line).toBe(true);
    });
  });

  it('gives the same values as the compose defaults, so a missing .env line changes nothing', () => {
    for (const [key, value] of Object.entries(assigned)) {
      if (value === '') continue;
      const fallback = new RegExp(`\\$\\{${key}:-([^}]*)\\}`).exec(composeText)?.[1];
      expect(fallback, key).toBe(value);
    }
  });

  it('is ignored by git when copied to .env', () => {
    const check = spawnSync('git', ['check-ignore', '-q', '.env'], { cwd: ROOT });
    expect(check.status, 'add .env to .gitignore: it holds the Grafana password').toBe(0);
  });
});
