/** SVG-AI through its HTTP API: a fresh in-process server (cold memory cache), one request at a time. */
import { pino } from 'pino';
import type { Config } from '../config/config.js';
import { startServer, type RunningServer } from '../server.js';

export interface ServiceRun {
  ssim: number;
  tier: 1 | 2 | 3;
  engine: string;
  bytes: number;
  targetMet: boolean;
  /** The SVG returned. */
  svg: string;
  /** Client-side wall time of the request, body read included. */
  ms: number;
}

export interface BenchService {
  convert(png: Buffer): Promise<ServiceRun>;
  shutdown(): Promise<void>;
}

export async function startBenchService(config: Config): Promise<BenchService> {
  const running: RunningServer = await startServer(
    { ...config, PORT: 0, HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: 0 },
    pino({ level: 'silent' }),
  );
  const url = `http://127.0.0.1:${running.port}/api/convert`;
  await untilReady(`http://127.0.0.1:${running.port}/ready`);
  return {
    async convert(png) {
      const started = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'image/png', Accept: 'application/json' },
        body: png,
      });
      const body = (await res.json()) as Record<string, unknown>;
      const ms = performance.now() - started;
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${String(body.detail ?? body.title ?? 'no detail')}`);
      return {
        ssim: body.ssim as number,
        tier: body.tier as 1 | 2 | 3,
        engine: body.engine as string,
        bytes: body.bytes as number,
        targetMet: body.targetMet as boolean,
        svg: body.svg as string,
        ms,
      };
    },
    shutdown: () => running.shutdown(),
  };
}

/** Ready polls apart, and how long a start may take (threads warm up in a few seconds). */
const READY_POLL_MS = 100;
const READY_TIMEOUT_MS = 120_000;

/**
 * Measures start once /ready answers, as a load balancer sends traffic: a request sent while the
 * second trace thread was still warming up shared the two cores with it (the run's first logo
 * took 264 ms where it takes ~120).
 */
async function untilReady(readyUrl: string): Promise<void> {
  const giveUpAt = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(readyUrl);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet: try again.
    }
    if (Date.now() > giveUpAt) throw new Error(`The service was not ready within ${READY_TIMEOUT_MS / 1000} s (${readyUrl}).`);
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}
