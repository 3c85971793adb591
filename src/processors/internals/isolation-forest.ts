/**
 * Isolation forest (Liu, Ting & Zhou, 2008) over small dense feature vectors.
 *
 * Written here rather than taken from npm: the packages there (isolation-forest 0.0.9,
 * ml-isolation-forest 0.1.0) are unmaintained, untyped and draw from Math.random, and a
 * detector must be reproducible under a fixed seed for its precision/recall tests. The
 * algorithm is short; test/unit/processors-isolation-forest.test.ts checks it separates
 * planted outliers and matches the expected path length c(n).
 */

export { mulberry32 } from '../../prng.js';
import { mulberry32 } from '../../prng.js';

/** Average path length of an unsuccessful BST search among n points: the score normaliser. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

type Node = { feature: number; split: number; left: Node; right: Node } | { size: number };

/** A trained forest; `score(x)` is in (0, 1), about 0.5 for ordinary points and near 1 for isolated ones. */
export class IsolationForest {
  private readonly trees: Node[] = [];
  private readonly norm: number;

  constructor(data: readonly Float64Array[], opts: { trees?: number; sampleSize?: number; seed?: number } = {}) {
    const rand = mulberry32(opts.seed ?? 1);
    const psi = Math.min(opts.sampleSize ?? 256, data.length);
    const depthLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
    this.norm = averagePathLength(psi);
    const idx = new Array<number>(psi);
    for (let t = 0; t < (opts.trees ?? 100); t++) {
      // Subsample without replacement (partial Fisher-Yates over indices).
      const all = Array.from(data.keys());
      for (let i = 0; i < psi; i++) {
        const j = i + Math.floor(rand() * (all.length - i));
        [all[i], all[j]] = [all[j]!, all[i]!];
        idx[i] = all[i]!;
      }
      this.trees.push(build(data, idx.slice(), 0, depthLimit, rand));
    }
  }

  /** Anomaly score s(x) = 2^(−E[h(x)] / c(ψ)). */
  score(x: Float64Array): number {
    if (this.norm === 0) return 0.5;
    let total = 0;
    for (const t of this.trees) total += pathLength(t, x, 0);
    return Math.pow(2, -(total / this.trees.length) / this.norm);
  }
}

function build(data: readonly Float64Array[], idx: number[], depth: number, limit: number, rand: () => number): Node {
  if (depth >= limit || idx.length <= 1) return { size: idx.length };
  const dims = data[idx[0]!]!.length;
  // Pick a feature that varies among these points (try each at most once, from a random start).
  const start = Math.floor(rand() * dims);
  for (let k = 0; k < dims; k++) {
    const f = (start + k) % dims;
    let lo = Infinity, hi = -Infinity;
    for (const i of idx) { const v = data[i]![f]!; if (v < lo) lo = v; if (v > hi) hi = v; }
    if (hi <= lo) continue;
    const split = lo + rand() * (hi - lo);
    const left: number[] = [], right: number[] = [];
    for (const i of idx) (data[i]![f]! < split ? left : right).push(i);
    return { feature: f, split, left: build(data, left, depth + 1, limit, rand), right: build(data, right, depth + 1, limit, rand) };
  }
  return { size: idx.length };
}

function pathLength(node: Node, x: Float64Array, depth: number): number {
  while ('feature' in node) { node = x[node.feature]! < node.split ? node.left : node.right; depth++; }
  return depth + averagePathLength(node.size);
}
