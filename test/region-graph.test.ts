/**
 * The region graph against the Map of neighbour lengths per region it replaced: the same
 * borders, degrees and, what segment.ts relies on for identical merges, the same neighbour order.
 */
import { describe, expect, it } from 'vitest';
import { RegionGraph } from '../src/gradients/region-graph.js';

/** The former structure, kept as the model: one Map per region, in insertion order. */
class MapModel {
  readonly adj: Map<number, number>[];
  constructor(n: number) {
    this.adj = Array.from({ length: n }, () => new Map());
  }
  add(a: number, b: number, len: number): void {
    this.adj[a]!.set(b, (this.adj[a]!.get(b) ?? 0) + len);
    this.adj[b]!.set(a, (this.adj[b]!.get(a) ?? 0) + len);
  }
  join(keep: number, gone: number): void {
    const ka = this.adj[keep]!;
    ka.delete(gone);
    for (const [o, len] of this.adj[gone]!) {
      if (o === keep) continue;
      ka.set(o, (ka.get(o) ?? 0) + len);
      const ao = this.adj[o]!;
      ao.delete(gone);
      ao.set(keep, (ao.get(keep) ?? 0) + len);
    }
    this.adj[gone]!.clear();
  }
}

/** A small deterministic generator (mulberry32): the same sequence on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const listOf = (g: RegionGraph, a: number) => {
  const out: [number, number][] = [];
  g.forEach(a, (b, len) => out.push([b, len]));
  return out;
};

describe('RegionGraph', () => {
  it('borders add up, both ways; regions that do not touch share none', () => {
    const g = new RegionGraph(4, 2);
    g.add(0, 1, 1);
    g.add(1, 0, 2);
    g.add(2, 1, 5);
    expect([g.border(0, 1), g.border(1, 0), g.border(1, 2), g.border(0, 2), g.border(3, 0)]).toEqual([3, 3, 5, 0, 0]);
    expect([g.degree(0), g.degree(1), g.degree(2), g.degree(3)]).toEqual([1, 2, 1, 0]);
    expect(listOf(g, 1)).toEqual([[0, 3], [2, 5]]);
  });

  it('a join moves the neighbours over, adds shared borders up and drops the border between the two', () => {
    const g = new RegionGraph(5);
    g.add(0, 1, 4); // keep - gone
    g.add(0, 2, 1);
    g.add(1, 2, 2); // shared neighbour
    g.add(1, 3, 3); // neighbour of gone only
    g.join(0, 1);
    expect(listOf(g, 0)).toEqual([[2, 3], [3, 3]]);
    expect(listOf(g, 1)).toEqual([]);
    expect(listOf(g, 2)).toEqual([[0, 3]]);
    expect(listOf(g, 3)).toEqual([[0, 3]]);
    expect(g.border(0, 1)).toBe(0);
  });

  it('matches the Map model over thousands of random adds and joins, copies included', () => {
    const rand = random(7);
    const n = 400;
    // Few expected edges: the arrays and the hash have to grow and rehash on the way.
    let g = new RegionGraph(n, 8);
    const m = new MapModel(n);
    const alive = Array.from({ length: n }, (_, i) => i);
    const same = () => {
      for (let a = 0; a < n; a++) {
        expect(listOf(g, a)).toEqual([...m.adj[a]!]);
        expect(g.degree(a)).toBe(m.adj[a]!.size);
        for (const [b, len] of m.adj[a]!) expect(g.border(a, b)).toBe(len);
      }
    };
    let joins = 0;
    for (let step = 1; step <= 8000; step++) {
      const a = alive[Math.floor(rand() * alive.length)]!;
      const b = alive[Math.floor(rand() * alive.length)]!;
      if (a === b) continue;
      // One join in 25: most regions are merged away by the end, the rest with many neighbours.
      if (rand() < 0.04) {
        g.join(a, b);
        m.join(a, b);
        alive.splice(alive.indexOf(b), 1);
        joins++;
      } else {
        const len = 1 + Math.floor(rand() * 5);
        g.add(a, b, len);
        m.add(a, b, len);
      }
      if (step % 1000 === 0) {
        same();
        g = g.clone(); // a copy carries on exactly as the original would
      }
    }
    expect(joins).toBeGreaterThan(200);
    expect(alive.length).toBeGreaterThan(50);
  });

  it('a copy changes independently of the original', () => {
    const g = new RegionGraph(3);
    g.add(0, 1, 1);
    const copy = g.clone();
    copy.add(0, 1, 5);
    copy.add(1, 2, 1);
    expect([g.border(0, 1), g.degree(1)]).toEqual([1, 1]);
    expect([copy.border(0, 1), copy.degree(1)]).toEqual([6, 2]);
  });
});
