/**
 * monitoring/prometheus.yml and the alert rules, checked by the real promtool (Debian package
 * prometheus): the config and rules are valid, and every alert's unit tests (monitoring/tests/) pass,
 * with a case where it fires and one where it must not.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TIER_TARGETS } from '../../src/tiers/thresholds.js';
import { requirePrograms } from '../helpers/programs.js';
import { alertRules, program, repoFile, ROOT } from './support.js';

const needs = requirePrograms({ promtool: 'prometheus' });

const promtool = (...args: string[]) => {
  const run = spawnSync(program('promtool', 'prometheus'), args, { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};
const filesIn = (dir: string, suffix: string) =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f));

const alerts = alertRules().filter((r) => r.alert);

interface UnitTests {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; eval_time: string; exp_alerts: unknown[] }[] }[];
}

describe.skipIf(needs.missing)('promtool', () => {
  it('accepts monitoring/prometheus.yml and finds the rule files it names', () => {
    const { status, output } = promtool('check', 'config', 'monitoring/prometheus.yml');
    expect(output).toContain('SUCCESS');
    expect(output).toMatch(/SUCCESS: [1-9]\d* rule files? found/);
    expect(status, output).toBe(0);
  });

  it('accepts every rule file', () => {
    const files = filesIn('monitoring/rules', '.yml');
    expect(files.length).toBeGreaterThan(0);
    const { status, output } = promtool('check', 'rules', ...files);
    expect(status, output).toBe(0);
  });

  it('passes the unit tests of every alert', () => {
    const files = filesIn('monitoring/tests', '.test.yml');
    expect(files.length).toBeGreaterThan(0);
    const { status, output } = promtool('test', 'rules', ...files);
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });
});

describe('the alert rules', () => {
  const unitTests = filesIn('monitoring/tests', '.test.yml').flatMap((f) => (parse(repoFile(f)) as UnitTests).tests);
  const cases = unitTests.flatMap((t) => t.alert_rule_test ?? []);

  it.each(alerts.map((a) => a.alert!))('%s has a unit test where it fires and one where it must not', (name) => {
    const mine = cases.filter((c) => c.alertname === name);
    expect(mine.some((c) => c.exp_alerts.length > 0), `${name} never expected to fire`).toBe(true);
    expect(mine.some((c) => c.exp_alerts.length === 0), `${name} never expected to stay quiet`).toBe(true);
  });

  it('cover what the issue asks for, with its thresholds and severities', () => {
    const byName = new Map(alerts.map((a) => [a.alert!, a]));
    const expected: [name: string, severity: string, threshold: RegExp][] = [
      ['SvgaiResponsesOver30s', 'critical', /> 30\s*$/],
      ['SvgaiErrorRateCritical', 'critical', /> 0\.05\s*$/],
      ['SvgaiMemoryCritical', 'critical', /> 0\.9\s*$/],
      ['SvgaiTargetDown', 'critical', /^up == 0$/],
      ['SvgaiSlowResponses', 'warning', /> 5\s*$/],
      ['SvgaiErrorRateHigh', 'warning', /> 0\.01\s*$/],
      ['SvgaiMemoryHigh', 'warning', /> 0\.7\s*$/],
      ['SvgaiQueueBacklog', 'warning', /> 50\s*$/],
      ['SvgaiTierLatencyOverTarget', 'warning', /histogram_quantile\(0\.95,/],
      ['SvgaiSsimBelowTarget', 'warning', /> 0\.1\s*$/],
    ];
    for (const [name, severity, threshold] of expected) {
      const rule = byName.get(name);
      expect(rule, name).toBeDefined();
      expect(rule!.labels?.severity, name).toBe(severity);
      expect(rule!.expr.trim(), name).toMatch(threshold);
    }
    for (const a of alerts) expect(['critical', 'warning'], a.alert).toContain(a.labels?.severity);
  });

  it("use each tier's targets from src/tiers/thresholds.ts", () => {
    const latency = alerts.find((a) => a.alert === 'SvgaiTierLatencyOverTarget')!.expr;
    const ssim = alerts.find((a) => a.alert === 'SvgaiSsimBelowTarget')!.expr;
    for (const tier of [1, 2, 3] as const) {
      const seconds = new RegExp(`tier="${tier}"\\}\\[15m\\]\\)\\)\\) > ([\\d.]+)`).exec(latency)?.[1];
      expect(Number(seconds), `tier ${tier} time target`).toBe(TIER_TARGETS[tier].seconds);
      const le = new RegExp(`svgai_ssim_bucket\\{tier="${tier}",le="([\\d.]+)"\\}`).exec(ssim)?.[1];
      expect(Number(le), `tier ${tier} SSIM target`).toBe(TIER_TARGETS[tier].ssim);
      // The bucket must exist: an le the app does not export would match nothing, silently.
      expect(String(TIER_TARGETS[tier].ssim)).toBe(le);
    }
  });

  it('each link to a section of the runbook that exists', () => {
    const runbook = repoFile('docs/operations.md');
    const anchors = new Set([...runbook.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
    for (const a of alerts) {
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      const link = a.annotations?.runbook ?? '';
      expect(link, a.alert).toMatch(/^docs\/operations\.md#/);
      expect(anchors.has(link.split('#')[1]!), `${a.alert}: no heading for ${link}`).toBe(true);
    }
  });
});
