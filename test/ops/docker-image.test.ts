/**
 * The Dockerfile: what can be checked without a Docker engine. Its instructions are parsed and
 * checked (multi-stage, non-root, exec form, health check, build context); then the built app runs
 * the way the image runs it, under the image's Node major (fetched from the npm registry when it
 * is not the Node running the tests): the API's command and health check, the worker's command and
 * its compose health check, and a worker's peak memory against its container limit with this
 * deployment's settings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureIndex } from '../fixtures/index.js';
import { dropPrefix, freePort, memoryOf, privateRedis, uniquePrefix, waitFor, type RedisServer } from '../helpers/redis.js';
import { appEnvironment, bytesOf, loadCompose, exampleEnv, repoFile, ROOT, spawnProc, type Proc } from './support.js';

const dockerfile = repoFile('Dockerfile');
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.trimStart().startsWith('#'))
  .map((l) => {
    const [, op, args] = /^\s*(\w+)\s+(.*)$/.exec(l)!;
    return { op: op!.toUpperCase(), args: args!.trim() };
  });
const stages: { from: string; name?: string; steps: { op: string; args: string }[] }[] = [];
for (const i of instructions) {
  if (i.op === 'FROM') {
    const [from, , name] = i.args.split(/\s+/);
    stages.push({ from: from!, ...(name ? { name } : {}), steps: [] });
  } else stages.at(-1)?.steps.push(i);
}
const runtime = stages.at(-1)!;
const execForm = (args: string) => JSON.parse(args) as string[];
const CMD = execForm(runtime.steps.filter((s) => s.op === 'CMD').at(-1)!.args);
const HEALTHCHECK = execForm(/CMD (\[.*\])$/.exec(runtime.steps.find((s) => s.op === 'HEALTHCHECK')!.args)![1]!);
const NODE_MAJOR = /^ARG NODE_VERSION=(\d+)$/m.exec(dockerfile)?.[1];
/** The runtime stage's ENV lines (the allocator among them): the app runs here with them, as in the image. */
const IMAGE_ENV: Record<string, string> = Object.fromEntries(
  runtime.steps.filter((s) => s.op === 'ENV').map((s) => /^(\w+)=(\S+)$/.exec(s.args)!.slice(1, 3) as [string, string]),
);

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, both on the same Node image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.from).toBe('node:${NODE_VERSION}-bookworm-slim');
    expect(Number(NODE_MAJOR)).toBeGreaterThanOrEqual(20);
    expect(Number(NODE_MAJOR) % 2, 'an even (LTS) Node major').toBe(0);
    // The runtime stage gets the build's output, not the sources or the dev dependencies.
    const copied = runtime.steps.filter((s) => s.op === 'COPY').map((s) => s.args);
    expect(copied.every((c) => c.startsWith(`--from=${stages[0]!.name}`))).toBe(true);
    expect(copied.map((c) => c.split(/\s+/)[1])).toEqual(['/app/package.json', '/app/node_modules', '/app/dist']);
    expect(stages[0]!.steps.some((s) => s.op === 'RUN' && s.args.includes('npm prune --omit=dev'))).toBe(true);
  });

  it('preloads jemalloc, which it installs, tuned to give freed memory back', () => {
    expect(IMAGE_ENV.LD_PRELOAD).toBe('libjemalloc.so.2');
    expect(IMAGE_ENV.MALLOC_CONF).toMatch(/background_thread:true/);
    const installs = runtime.steps.filter((s) => s.op === 'RUN').map((s) => s.args);
    expect(installs.some((r) => /apt-get install -y --no-install-recommends libjemalloc2\b/.test(r) && r.includes('rm -rf /var/lib/apt/lists'))).toBe(true);
  });

  it('runs as a user other than root, node in exec form, with a health check', () => {
    const user = runtime.steps.filter((s) => s.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime.steps.some((s) => s.op === 'ENTRYPOINT')).toBe(false);
    expect(CMD[0]).toBe('node');
    expect(HEALTHCHECK[0]).toBe('node');
    expect(runtime.steps.find((s) => s.op === 'HEALTHCHECK')!.args).toMatch(/--interval=\d+s .*--timeout=\d+s/);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignore = repoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    // An allow-list: everything excluded, then the few paths the build needs.
    expect(ignore[0]).toBe('*');
    const allowed = ignore.slice(1).map((l) => {
      expect(l.startsWith('!'), l).toBe(true);
      return l.slice(1).replace(/\/$/, '');
    });
    const fromContext = stages.flatMap((s) => s.steps.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')));
    const sources = fromContext.flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source)), source).toBe(true);
      expect(allowed, `${source} is excluded by .dockerignore`).toContain(source);
    }
    expect(allowed.sort()).toEqual([...new Set(sources)].sort());
  });

  it('needs no dev dependency at run time: everything dist imports is a dependency or built in', () => {
    const pkg = JSON.parse(repoFile('package.json')) as { dependencies: Record<string, string> };
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (full.endsWith('.js')) files.push(full);
      }
    };
    walk(path.join(ROOT, 'dist'));
    expect(files.length).toBeGreaterThan(10);
    const missing = new Set<string>();
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      // Static imports and re-exports (`... from 'x'`, `import 'x'`) and dynamic `import('x')`.
      const specifiers = code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm);
      for (const m of specifiers) {
        const spec = m[1] ?? m[2] ?? m[3]!;
        if (spec.startsWith('.') || spec.startsWith('/')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (name.startsWith('node:') || builtinModules.includes(name)) continue;
        if (!(name in pkg.dependencies)) missing.add(`${name} (${path.relative(ROOT, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});

/** The Node binary of the image's major: this one, or the same major from the npm registry. */
function imageNode(): string {
  if (process.versions.node.split('.')[0] === NODE_MAJOR) return process.execPath;
  const run = spawnSync('npx', ['-y', '-p', `node@${NODE_MAJOR}`, 'node', '-p', 'process.execPath'], { encoding: 'utf8', timeout: 300_000 });
  const found = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !existsSync(found)) throw new Error(`could not get Node ${NODE_MAJOR} from the npm registry: ${run.stderr}`);
  return found;
}

/** A command from the Dockerfile or the compose file, with `node` being the image's Node. */
const withNode = (node: string, command: string[]) => (command[0] === 'node' ? [node, ...command.slice(1)] : command);
const runCheck = (node: string, command: string[], env: Record<string, string>) => {
  const [bin, ...args] = withNode(node, command);
  return spawnSync(bin!, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 }).status;
};

let node: string;
let fixtures: FixtureIndex;

beforeAll(async () => {
  fixtures = await ensureFixtures();
  node = imageNode();
}, 300_000);

describe(`the app under the image's Node (${NODE_MAJOR})`, () => {
  it('serves with the image command, passes the image health check, and stops cleanly on SIGTERM', async () => {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(version.startsWith(`v${NODE_MAJOR}.`), version).toBe(true);
    const port = await freePort();
    const env = { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'info', WORKER_THREADS: '1', RATE_LIMIT_PER_MINUTE: '0' };
    const [bin, ...args] = withNode(node, CMD);
    const api = spawnProc(bin!, args, { env: { ...process.env, ...IMAGE_ENV, ...env } });
    try {
      await waitFor(`the API (${api.output()})`, async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 30_000);
      expect(runCheck(node, HEALTHCHECK, env)).toBe(0);
      const res = await fetch(`http://127.0.0.1:${port}/api/convert`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: readFileSync(fixtures['logo-2c'].file) });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^<svg[\s>]/);
    } finally {
      // SIGTERM goes to node itself (exec form): its handler drains and exits 0.
      expect(await api.stop('SIGTERM')).toBe(0);
    }
    expect(api.output()).toContain('"msg":"stopped"');
    expect(runCheck(node, HEALTHCHECK, env)).not.toBe(0);
  });
});

describe(`a worker with this deployment's settings, under Node ${NODE_MAJOR}`, () => {
  let redis: RedisServer;
  let api: Proc;
  let worker: Proc;
  let apiPort: number;
  let metricsPort: number;
  const prefix = uniquePrefix('ops-image');
  const compose = loadCompose(exampleEnv());

  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    [apiPort, metricsPort] = [await freePort(), await freePort()];
    // The compose environment, but on loopback ports and this test's Redis.
    const local = { HOST: '127.0.0.1', REDIS_URL: redis.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn' };
    const start = (service: 'api' | 'worker', extra: Record<string, string>) => {
      const [bin, ...args] = withNode(node, compose.services[service]!.command!);
      return spawnProc(bin!, args, { env: { PATH: process.env.PATH, ...IMAGE_ENV, ...appEnvironment(service), ...local, ...extra } });
    };
    api = start('api', { PORT: String(apiPort) });
    worker = start('worker', { WORKER_METRICS_PORT: String(metricsPort) });
    await waitFor(`the API (${api.output()})`, async () => (await fetch(`http://127.0.0.1:${apiPort}/ready`)).ok, 30_000);
    await waitFor(`the worker (${worker.output()})`, async () => (await fetch(`http://127.0.0.1:${metricsPort}/ready`)).ok, 30_000);
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await dropPrefix(redis.url, prefix);
    await redis?.cleanup();
  });

  it('passes its compose health check', () => {
    expect(runCheck(node, compose.services.worker!.healthcheck!.test.slice(1), { WORKER_METRICS_PORT: String(metricsPort) })).toBe(0);
  });

  it(`converts the largest photo it admits (MAX_MEGAPIXELS) under 90 % of its memory limit`, async () => {
    const megapixels = Number(appEnvironment('worker').MAX_MEGAPIXELS);
    const height = Math.floor(Math.sqrt((megapixels * 1e6 * 2) / 3));
    const width = Math.floor((megapixels * 1e6) / height);
    const photo = await photoLike(width, height);
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/convert`, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: photo });
    expect(res.status, await res.clone().text()).toBe(200);
    await res.arrayBuffer();
    const limit = bytesOf(compose.services.worker!.deploy!.resources!.limits!.memory!);
    const { peakMb } = await memoryOf(worker.child.pid!);
    const share = (peakMb * 1024 * 1024) / limit;
    expect(share, `peak ${peakMb.toFixed(0)} MB for ${width}x${height} is ${(share * 100).toFixed(0)} % of the limit`).toBeLessThan(0.9);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await worker.stop('SIGTERM')).toBe(0);
  });
});

/** A smooth photo stand-in (blurred translucent ellipses, light noise), seeded, as a JPEG. */
async function photoLike(width: number, height: number): Promise<Buffer> {
  let s = 85;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) % 10000) / 10000;
  };
  let shapes = '';
  for (let i = 0; i < 36; i++) {
    shapes += `<ellipse cx="${rnd() * width}" cy="${rnd() * height}" rx="${(rnd() * width) / 4 + 20}" ry="${(rnd() * height) / 4 + 20}" fill="rgb(${(rnd() * 255) | 0},${(rnd() * 255) | 0},${(rnd() * 255) | 0})" fill-opacity="0.6"/>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#8a9"/>${shapes}</svg>`;
  const raw = await sharp(Buffer.from(svg), { limitInputPixels: false }).blur(12).removeAlpha().raw().toBuffer();
  for (let i = 0; i < raw.length; i++) raw[i] = Math.max(0, Math.min(255, raw[i]! + ((rnd() * 7) | 0) - 3));
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}
