/**
 * The batch CLI's client for a running service: POST /api/convert per image, waiting out 429/503
 * as the service's Retry-After says, retrying transient failures with exponential backoff, and
 * giving up at once on a refusal that would only repeat (bad image, bad options).
 */
import type { ConversionResult } from '../pipeline/convert.js';

export class ItemFailure extends Error {
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'ItemFailure';
  }
}

export interface RemoteOptions {
  baseUrl: string;
  /** Conversion options as query parameters (tier, engine, quality, max_colors...). */
  query: URLSearchParams;
  retries: number;
  apiKey?: string | undefined;
  /** Longest single wait the client accepts from Retry-After. */
  maxWaitMs?: number;
  /** Called before each wait, for progress output. */
  onWait?: (ms: number, why: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The service's JSON answer: the result, and whether it came from the service's cache. */
export type RemoteResult = ConversionResult & { cache?: 'hit' | 'miss' };

export async function convertRemote(bytes: Uint8Array, opts: RemoteOptions): Promise<RemoteResult> {
  const sleep = opts.sleep ?? defaultSleep;
  const maxWait = opts.maxWaitMs ?? 120_000;
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/api/convert${opts.query.size > 0 ? `?${opts.query}` : ''}`;
  let failures = 0;
  // Waiting out rate limits is expected in a big batch; it has its own, larger allowance.
  let waits = 0;
  for (;;) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/octet-stream',
          Accept: 'application/json',
          ...(opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {}),
        },
        body: bytes,
      });
    } catch (err) {
      if (++failures > opts.retries) throw new ItemFailure('UNREACHABLE', `The service did not answer: ${(err as Error).message}`);
      const ms = 500 * 2 ** (failures - 1);
      opts.onWait?.(ms, 'service unreachable');
      await sleep(ms);
      continue;
    }
    if (response.ok) return (await response.json()) as RemoteResult;
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    const code = problem.code ?? `HTTP_${response.status}`;
    if (response.status === 429 || response.status === 503) {
      if (++waits > opts.retries + 50) throw new ItemFailure(code, problem.detail ?? 'The service stayed busy.');
      const retryAfter = Number(response.headers.get('retry-after'));
      const ms = Math.min(maxWait, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000 * 2 ** Math.min(waits, 6));
      opts.onWait?.(ms, code);
      await sleep(ms);
      continue;
    }
    if (response.status >= 500) {
      if (++failures > opts.retries) throw new ItemFailure(code, problem.detail ?? `HTTP ${response.status}`);
      const ms = 500 * 2 ** (failures - 1);
      opts.onWait?.(ms, code);
      await sleep(ms);
      continue;
    }
    throw new ItemFailure(code, problem.detail ?? `HTTP ${response.status}`);
  }
}
