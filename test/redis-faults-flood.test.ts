/**
 * Queue flood at 10x capacity (docs reliability.md, "Faults"): the API as a child process with
 * QUEUE_MAX_PENDING=4, 40 distinct images at once (sync and async mixed), against the shared Redis
 * with its own key prefix, and `svg-ai worker` child processes. `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallLogo } from './helpers/service.js';
import {
  drained,
  dropPrefix,
  getJob,
  jobIdOf,
  keysUnder,
  memoryOf,
  postImage,
  SHARED_REDIS_URL,
  startApiProcess,
  startWorkerProcess,
  stopProcess,
  uniquePrefix,
  waitFor,
  type Answer,
  type ApiProcess,
  type WorkerProcess,
} from './helpers/redis.js';

const MAX_PENDING = 4;
const prefix = uniquePrefix('faults-flood');
const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix };
let api: ApiProcess;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  api = await startApiProcess({ ...env, QUEUE_MAX_PENDING: String(MAX_PENDING) });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => stopProcess(w, 'SIGKILL')));
  if (api) await stopProcess(api, 'SIGKILL');
  await dropPrefix(SHARED_REDIS_URL, prefix);
});

/** 40 distinct small logos: every one is its own job. */
async function images(round: number): Promise<Buffer[]> {
  return Promise.all(Array.from({ length: 40 }, (_, i) => smallLogo(64 + (i % 8) * 8, `#${(round * 40 + i).toString(16).padStart(2, '0')}6${(i % 10).toString()}a0`)));
}

/** Sends all at once, even ones sync and odd ones async. */
function flood(batch: Buffer[]): Promise<Answer>[] {
  return batch.map((image, i) => postImage(api.base, image, i % 2 === 0 ? {} : { async: '1' }, 90_000));
}

function expectRefusedFast(answer: Answer): void {
  expect(answer.status, answer.body).toBe(429);
  expect(answer.code).toBe('QUEUE_FULL');
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(answer.ms).toBeLessThan(5000);
}

describe('queue flood at 10x capacity (QUEUE_MAX_PENDING=4)', () => {
  it('admits exactly what fits, refuses the rest at once with 429 + Retry-After and stores nothing for them, then completes every accepted job', async () => {
    // Warm the API up (one conversion) before taking its memory baseline.
    workers.push(await startWorkerProcess(env));
    expect((await postImage(api.base, await smallLogo(80, '#101010'))).status).toBe(200);
    const before = await memoryOf(api.child.pid!);
    await stopProcess(workers.pop()!);
    let accepted = 1;

    // Round 1, no worker running: nothing can finish meanwhile, so exactly MAX_PENDING are admitted.
    const round1 = await images(1);
    const pending = flood(round1);
    const settled = new Map<number, Answer>();
    pending.forEach((p, i) => void p.then((answer) => settled.set(i, answer)));
    // Everything answers at once except the admitted sync callers, who wait for their job.
    const waitingSync = new Set<number>();
    await waitFor(
      'every refusal and 202',
      async () => {
        for (const [i, image] of round1.entries()) {
          if (i % 2 === 0 && !settled.has(i) && !waitingSync.has(i) && (await getJob(api.base, jobIdOf(image)))) waitingSync.add(i);
        }
        return round1.every((_, i) => settled.has(i) || waitingSync.has(i));
      },
      15_000,
      100,
    );
    const quick = [...settled.values()];
    const refused = quick.filter((a) => a.status === 429);
    for (const answer of refused) expectRefusedFast(answer);
    const admittedAsync = quick.filter((a) => a.status === 202);
    expect(quick.length - refused.length - admittedAsync.length, quick.map((a) => a.status).join(',')).toBe(0);
    // Admission control holds under concurrency: exactly MAX_PENDING admitted, not every request
    // that looked at the count before the others had added their job.
    expect(admittedAsync.length + waitingSync.size, quick.map((a) => a.status).join(',')).toBe(MAX_PENDING);
    // Nothing stored for the refused ones: no job, no input.
    const refusedIds = round1.map((image, i) => ({ i, id: jobIdOf(image) })).filter(({ i }) => settled.get(i)?.status === 429);
    for (const { id } of refusedIds) expect((await fetch(`${api.base}/api/jobs/${id}`)).status).toBe(404);
    expect((await keysUnder(SHARED_REDIS_URL, prefix, 'input:*')).length).toBe(accepted + MAX_PENDING);

    // A worker comes: every admitted job completes; the waiting sync callers get their SVG.
    workers.push(await startWorkerProcess(env));
    const answers1 = await Promise.all(pending);
    for (const [i, answer] of answers1.entries()) {
      if (answer.status === 429) continue;
      accepted++;
      if (i % 2 === 0) {
        expect(answer.status, answer.body.slice(0, 200)).toBe(200);
        expect(answer.body).toMatch(/^<svg/);
      } else {
        expect(answer.status).toBe(202);
        await waitFor('async job completed', async () => (await getJob(api.base, jobIdOf(round1[i]!)))?.state === 'completed', 60_000, 100);
      }
    }

    // Round 2, one worker running: answers are 200, 202 or 429, never anything else, and every
    // admitted job completes.
    const round2 = await images(2);
    const answers2 = await Promise.all(flood(round2));
    for (const [i, answer] of answers2.entries()) {
      if (answer.status === 429) {
        expectRefusedFast(answer);
        continue;
      }
      accepted++;
      expect(answer.status, answer.body.slice(0, 200)).toBe(i % 2 === 0 ? 200 : 202);
      if (i % 2 === 1) await waitFor('async job completed', async () => (await getJob(api.base, jobIdOf(round2[i]!)))?.state === 'completed', 60_000, 100);
    }
    expect(answers2.some((a) => a.status === 429)).toBe(true);

    // submitted = completed + failed, nothing waiting; one stored input per accepted job.
    expect(await drained(SHARED_REDIS_URL, prefix)).toMatchObject({ completed: accepted, failed: 0 });
    expect((await keysUnder(SHARED_REDIS_URL, prefix, 'input:*')).length).toBe(accepted);

    // The API's memory stays flat-ish through 80 requests (a generous bound: it catches bodies or
    // jobs kept for refused requests, not allocator noise).
    const after = await memoryOf(api.child.pid!);
    expect(after.rssMb - before.rssMb, `RSS ${before.rssMb.toFixed(0)} -> ${after.rssMb.toFixed(0)} MB`).toBeLessThan(100);
    expect(api.child.exitCode, api.output()).toBeNull();
  });
});
