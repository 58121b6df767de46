/**
 * Conversion options as callers send them (query string or form fields, all strings), parsed into a
 * typed object. Every message has one shape: "Expected <what> for <name> but received <value>".
 * Options choose how to trace; none of them can raise a service limit.
 */
import { AppError } from '../errors/app-error.js';

export type TierChoice = 'auto' | 1 | 2 | 3;
export type EngineChoice = 'auto' | 'potrace' | 'imagetracer' | 'vtracer';

export interface ConvertOptions {
  tier: TierChoice;
  engine: EngineChoice;
  /** Target SSIM; undefined = the tier's target. */
  quality?: number;
  /** Search budget for the tier strategy, capped by the tier's hard deadline. */
  timeBudgetMs?: number;
  maxColors?: number;
}

export const DEFAULT_OPTIONS: ConvertOptions = { tier: 'auto', engine: 'auto' };

type Raw = Record<string, unknown>;

const describe = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

const fail = (expected: string, name: string, value: unknown): never => {
  throw new AppError('INVALID_OPTIONS', `Expected ${expected} for ${name} but received ${describe(value)}.`);
};

function single(raw: Raw, name: string): string | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) fail('a single value', name, value.join(','));
  if (typeof value !== 'string') fail('a plain value', name, JSON.stringify(value));
  return value as string;
}

function integer(raw: Raw, name: string, min: number, max: number): number | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) fail(`integer between ${min} and ${max}`, name, text);
  return n;
}

function decimal(raw: Raw, name: string, min: number, max: number): number | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) fail(`number between ${min} and ${max}`, name, text);
  return n;
}

function oneOf<T extends string>(raw: Raw, name: string, allowed: readonly T[]): T | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) fail(`one of ${allowed.join('|')}`, name, text);
  return text as T;
}

const KNOWN = new Set(['tier', 'engine', 'quality', 'time_budget_ms', 'max_colors', 'async']);

/** Parses caller options; unknown keys are refused so a typo never silently does nothing. */
export function parseOptions(raw: Raw): ConvertOptions {
  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) {
      throw new AppError(
        'INVALID_OPTIONS',
        `Expected one of ${[...KNOWN].join(', ')} as option name but received ${describe(key)}.`,
      );
    }
  }
  const tier = oneOf(raw, 'tier', ['auto', '1', '2', '3'] as const);
  const options: ConvertOptions = {
    tier: tier === undefined || tier === 'auto' ? 'auto' : (Number(tier) as 1 | 2 | 3),
    engine: oneOf(raw, 'engine', ['auto', 'potrace', 'imagetracer', 'vtracer'] as const) ?? 'auto',
  };
  const quality = decimal(raw, 'quality', 0.5, 0.999);
  if (quality !== undefined) options.quality = quality;
  const budget = integer(raw, 'time_budget_ms', 50, 600000);
  if (budget !== undefined) options.timeBudgetMs = budget;
  const maxColors = integer(raw, 'max_colors', 2, 64);
  if (maxColors !== undefined) options.maxColors = maxColors;
  return options;
}

/** Stable text form of the options, for cache keys and job ids. */
export function canonicalOptions(options: ConvertOptions): string {
  return [
    `t=${options.tier}`,
    `e=${options.engine}`,
    `q=${options.quality ?? ''}`,
    `b=${options.timeBudgetMs ?? ''}`,
    `c=${options.maxColors ?? ''}`,
  ].join(';');
}
