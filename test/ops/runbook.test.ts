/**
 * docs/operations.md: the Redis backup and restore blocks run, line by line, against a real
 * redis-server with AOF (the compose Redis's persistence), with each `docker compose` command
 * replaced by what it does to a local Redis; and every `docker compose` command in the runbook
 * names services the compose file has.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../helpers/programs.js';
import { privateRedis, type RedisServer } from '../helpers/redis.js';
import { exampleEnv, loadCompose, repoFile, tempDir } from './support.js';

const runbook = repoFile('docs/operations.md');

/** The lines of the shell block that follows `<!-- ops-test: name -->`, comments and blanks left out. */
function testedBlock(name: string): string[] {
  const at = runbook.indexOf(`<!-- ops-test: ${name} -->`);
  expect(at, `no block marked ${name}`).toBeGreaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(runbook.slice(at))![1]!;
  return block.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

type Step = { shell: string } | { js: 'stop-redis' | 'start-redis' | 'nothing' } | { assign: string };

/** What a runbook line does to a local Redis: the same command without Docker around it. */
function localStep(line: string, redis: RedisServer, backupDir: () => string): Step {
  const assignment = /^backup=(.*?)\s*(?:#.*)?$/.exec(line);
  if (assignment) return { assign: assignment[1]! };
  if (/^docker compose stop api worker\b/.test(line) || /^docker compose up -d\s*$/.test(line)) return { js: 'nothing' }; // no app here
  if (/^docker compose stop redis\s*$/.test(line)) return { js: 'stop-redis' };
  if (/^docker compose up -d redis\s*$/.test(line)) return { js: 'start-redis' };
  let shell = line
    .replaceAll('docker compose exec -T redis redis-cli', `redis-cli -p ${redis.port}`)
    .replaceAll('docker compose cp redis:/data/', `cp -r ${redis.dir}/`);
  const run = /^docker compose run --rm --no-deps -v ".*:\/backup:ro" redis sh -c '([^']*)'$/.exec(shell);
  if (run) shell = `sh -c '${run[1]!.replaceAll('/data/', `${redis.dir}/`).replaceAll('/backup', backupDir())}'`;
  if (shell.includes('docker')) throw new Error(`no local equivalent for: ${line}`);
  return { shell };
}

const needs = requirePrograms({ 'redis-server': 'redis-server', 'redis-cli': 'redis-tools' });

describe.skipIf(needs.missing)('Redis backup and restore, as the runbook says', () => {
  let redis: RedisServer;
  let work: { dir: string; cleanup(): void };

  beforeAll(async () => {
    work = tempDir('runbook');
    // The compose Redis's persistence: AOF on, no RDB snapshots.
    const composeArgs = loadCompose(exampleEnv()).services.redis!.command!;
    expect(composeArgs.slice(composeArgs.indexOf('--appendonly'), composeArgs.indexOf('--appendonly') + 2)).toEqual(['--appendonly', 'yes']);
    redis = await privateRedis(['--appendfsync', 'everysec']);
    await redis.start();
  });

  afterAll(async () => {
    await redis?.cleanup();
    work?.cleanup();
  });

  it('restores exactly what was there when the backup was taken', async () => {
    const client = () => new Redis(redis.url, { maxRetriesPerRequest: 1 });
    let c = client();
    // A base file and an increment in the AOF folder: some keys, a rewrite, more keys.
    for (let i = 0; i < 500; i++) await c.set(`job:${i}`, `payload-${i}`);
    await c.bgrewriteaof();
    for (let i = 0; i < 50 && (await c.info('persistence')).includes('aof_rewrite_in_progress:1'); i++) await new Promise((r) => setTimeout(r, 100));
    for (let i = 500; i < 600; i++) await c.set(`job:${i}`, `payload-${i}`);
    await c.quit();

    let backup = '';
    const run = async (lines: string[]) => {
      for (const line of lines) {
        const step = localStep(line, redis, () => path.join(work.dir, backup));
        if ('assign' in step) {
          if (!backup) backup = spawnSync('bash', ['-c', `echo ${step.assign}`], { encoding: 'utf8' }).stdout.trim();
        } else if ('js' in step) {
          if (step.js === 'stop-redis') await redis.stop('SIGTERM');
          if (step.js === 'start-redis') await redis.start();
        } else {
          const result = spawnSync('bash', ['-c', step.shell], { cwd: work.dir, encoding: 'utf8', env: { ...process.env, backup }, timeout: 30_000 });
          expect(result.status, `${line}\n${step.shell}\n${result.stderr}`).toBe(0);
        }
      }
    };

    await run(testedBlock('redis-backup'));
    expect(backup).toMatch(/^redis-backup-\d{8}-\d{6}$/);
    expect(readdirSync(path.join(work.dir, backup)).some((f) => f.endsWith('.manifest'))).toBe(true);

    c = client();
    await c.set('written-after-the-backup', '1');
    await c.del('job:0');
    await c.quit();

    await run(testedBlock('redis-restore'));

    c = client();
    try {
      expect(await c.dbsize()).toBe(600);
      expect(await c.get('job:0')).toBe('payload-0');
      expect(await c.get('job:599')).toBe('payload-599');
      expect(await c.exists('written-after-the-backup')).toBe(0);
      expect(await c.config('GET', 'auto-aof-rewrite-percentage')).toEqual(['auto-aof-rewrite-percentage', '100']);
    } finally {
      await c.quit();
    }
  });
});

describe('the runbook', () => {
  const services = Object.keys(loadCompose(exampleEnv()).services);

  it('names only services the compose file has in its docker compose commands', () => {
    const commands = [...runbook.matchAll(/docker compose ([^`\n|&;#]+)/g)].map((m) => m[1]!.trim());
    expect(commands.length).toBeGreaterThan(20);
    const valueFlags = new Set(['--tail', '--index', '-v', '--scale']);
    for (const command of commands) {
      const [sub, ...rest] = command.split(/\s+/);
      const named: string[] = [];
      for (let i = 0; i < rest.length; i++) {
        const token = rest[i]!;
        if (valueFlags.has(token)) {
          if (token === '--scale') named.push(rest[i + 1]!.split('=')[0]!);
          i++;
        } else if (token.startsWith('-') || token.startsWith('<') || token.startsWith('"')) continue;
        else {
          named.push(token.split(':')[0]!);
          if (sub === 'exec' || sub === 'run' || sub === 'cp') break; // what follows is the command
        }
      }
      if (['exec', 'run', 'cp', 'logs', 'stop', 'up', 'restart', 'ps', 'build'].includes(sub!)) {
        for (const name of named) expect(services, `docker compose ${command}`).toContain(name);
      }
    }
  });

  it('points at files that exist', () => {
    for (const [, file] of runbook.matchAll(/`((?:monitoring|test|src|docs)\/[\w./-]+|nginx\.conf|Dockerfile|docker-compose\.prod\.yml|\.env\.example)`/g)) {
      expect(existsSync(path.join(import.meta.dirname, '../..', file!)), file).toBe(true);
    }
  });
});
