/**
 * The batch CLI's client for a running service: POST /api/convert per image, waiting out 429/503
 * as the service's Retry-After says, retrying transient failures with exponential backoff, and
 * giving up at once on a refusal that would only repeat (bad image, bad options).
 */
import http from 'node:http';
import https from 'node:https';
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
  /** Longest one request may take, answer included; a request that takes longer is a transient failure. */
  timeoutMs?: number;
  /** Called before each wait, for progress output. */
  onWait?: (ms: number, why: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class RequestTimeout extends Error {}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/**
 * One POST and its whole answer, with node:http rather than fetch: Node 20's fetch leaves its
 * promise unsettled, now and then, when the server resets the connection (seen in about one
 * fresh process in ten), and with nothing else on the event loop the process then exits with code
 * 13 instead of retrying. A timer bounds the whole exchange, so a service that hangs cannot hold a
 * batch for ever either.
 */
function exchange(url: string, headers: Record<string, string>, body: Uint8Array, timeoutMs: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    // A service behind TLS (nginx with a certificate) is reached the same way.
    const client = new URL(url).protocol === 'https:' ? https : http;
    const request = client.request(url, { method: 'POST', headers: { ...headers, 'Content-Length': String(body.byteLength) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const retryAfter = response.headers['retry-after'];
        resolve({ status: response.statusCode ?? 0, retryAfter, text: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new RequestTimeout(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
    request.end(body);
  });
}

/** The problem document of a refusal, or nothing when the answer is not one (a proxy's HTML page). */
function problemOf(text: string): { code?: string; detail?: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as { code?: string; detail?: string }) : {};
  } catch {
    return {};
  }
}

/** The service's JSON answer: the result, and whether it came from the service's cache. */
export type RemoteResult = ConversionResult & { cache?: 'hit' | 'miss' };

/** Above the service's own REQUEST_TIMEOUT_MS default (60 s), so the service answers first. */
export const DEFAULT_TIMEOUT_MS = 120_000;

export async function convertRemote(bytes: Uint8Array, opts: RemoteOptions): Promise<RemoteResult> {
  const sleep = opts.sleep ?? defaultSleep;
  const maxWait = opts.maxWaitMs ?? 120_000;
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/api/convert${opts.query.size > 0 ? `?${opts.query}` : ''}`;
  let failures = 0;
  // Waiting out rate limits is expected in a big batch; it has its own, larger allowance.
  let waits = 0;
  for (;;) {
    let answer: Answer;
    try {
      answer = await exchange(
        url,
        { 'Content-Type': 'application/octet-stream', Accept: 'application/json', ...(opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {}) },
        bytes,
        opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      );
    } catch (err) {
      if (++failures > opts.retries) throw new ItemFailure('UNREACHABLE', `The service did not answer: ${(err as Error).message}`);
      const ms = 500 * 2 ** (failures - 1);
      opts.onWait?.(ms, err instanceof RequestTimeout ? 'request timed out' : 'service unreachable');
      await sleep(ms);
      continue;
    }
    const { status, text } = answer;
    if (status >= 200 && status < 300) return JSON.parse(text) as RemoteResult;
    const problem = problemOf(text);
    const code = problem.code ?? `HTTP_${status}`;
    if (status === 429 || status === 503) {
      if (++waits > opts.retries + 50) throw new ItemFailure(code, problem.detail ?? 'The service stayed busy.');
      const retryAfter = Number(answer.retryAfter);
      const ms = Math.min(maxWait, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000 * 2 ** Math.min(waits, 6));
      opts.onWait?.(ms, code);
      await sleep(ms);
      continue;
    }
    if (status >= 500) {
      if (++failures > opts.retries) throw new ItemFailure(code, problem.detail ?? `HTTP ${status}`);
      const ms = 500 * 2 ** (failures - 1);
      opts.onWait?.(ms, code);
      await sleep(ms);
      continue;
    }
    throw new ItemFailure(code, problem.detail ?? `HTTP ${status}`);
  }
}
