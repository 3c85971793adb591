import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { metrics } from '../../metrics/registry.js';

/** Distance metrics of a collection: squared L2, cosine distance (1 − cos) and inner-product distance (1 − a·b). */
export type Metric = 'l2' | 'cosine' | 'ip';
export const METRICS: readonly Metric[] = ['l2', 'cosine', 'ip'];

/** The instruction set the distance kernels run on. */
export type Isa = 'avx512' | 'avx2' | 'neon' | 'sve' | 'scalar';

/** Which kernels to use: `auto` = simsimd when its native module loads, else the JS loop. */
export type KernelChoice = 'auto' | 'native' | 'js';

type Pair = (a: Float32Array, b: Float32Array) => number;

/** Distance kernels with the same contract whichever implementation runs. Distances match hnswlib's. */
export interface DistanceKernels {
  /** 'simsimd' (native, runtime-dispatched SIMD) or 'js' (scalar loop). */
  readonly impl: 'simsimd' | 'js';
  /**
   * Where the kernels come from: 'addon' = our N-API addon over simsimd's C kernels (the batch
   * call is one native call), 'simsimd-binding' = simsimd's own JS binding (pairwise calls only,
   * the batch is a JS loop over them), 'js' = the scalar loop.
   */
  readonly source: 'addon' | 'simsimd-binding' | 'js';
  /** Best ISA of this CPU that simsimd dispatches to ('scalar' for the JS kernels). */
  readonly isa: Isa;
  /** Distance between two vectors of equal length under `metric`. */
  distance(metric: Metric, a: Float32Array, b: Float32Array): number;
  /**
   * One query against many stored vectors: `out[i]` = distance(query, row `rows[i]` of `matrix`)
   * for i < count, or of row i when `rows` is null. `matrix` holds rows of `query.length` floats
   * back to back. Row views are cached per matrix, so repeated calls allocate nothing.
   */
  batch(metric: Metric, query: Float32Array, matrix: Float32Array, rows: Int32Array | null, count: number, out: Float32Array): void;
}

/** Scalar reference kernels (and the fallback): plain loops with float64 accumulation. */
export const scalarKernels = {
  l2sq(a: Float32Array, b: Float32Array): number {
    let s = 0;
    for (let i = 0; i < a.length; i++) { const d = a[i]! - b[i]!; s += d * d; }
    return s;
  },
  dot(a: Float32Array, b: Float32Array): number {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  },
  cosine(a: Float32Array, b: Float32Array): number {
    let ab = 0; let aa = 0; let bb = 0;
    for (let i = 0; i < a.length; i++) { const x = a[i]!; const y = b[i]!; ab += x * y; aa += x * x; bb += y * y; }
    if (aa === 0 && bb === 0) return 0;
    if (aa === 0 || bb === 0) return 1;
    return 1 - ab / Math.sqrt(aa * bb);
  },
};

interface NativeSimsimd { sqeuclidean: Pair; cosine: Pair; inner: Pair }

/** Our addon (src/producers/vector/native, built by node-gyp at npm install over simsimd's C sources). */
interface VexfsSimdAddon {
  batch(metric: number, query: Float32Array, matrix: Float32Array, rows: Int32Array | null, count: number, out: Float32Array): void;
  distance(metric: number, a: Float32Array, b: Float32Array): number;
  capabilities(): { isa: Isa; cpu: Isa; kernelCaps: number };
}

let addonCache: VexfsSimdAddon | null | undefined;

/** Loads the batch-kernel addon (@vexfs/simd-kernels); null when it was not built. */
export function loadKernelAddon(): VexfsSimdAddon | null {
  if (addonCache !== undefined) return addonCache;
  try {
    const mod = createRequire(import.meta.url)('./native/index.cjs') as VexfsSimdAddon;
    addonCache = typeof mod.batch === 'function' ? mod : null;
  } catch {
    addonCache = null;
  }
  return addonCache;
}

let nativeCache: NativeSimsimd | null | undefined;

/** Loads simsimd's native module directly (its wrapper silently swaps in a JS fallback, which we must know about). */
export function loadSimsimdNative(): NativeSimsimd | null {
  if (nativeCache !== undefined) return nativeCache;
  try {
    const req = createRequire(import.meta.url);
    const main = req.resolve('simsimd');
    const root = path.resolve(path.dirname(main), '../../..');
    const build = createRequire(main)('node-gyp-build') as (dir: string) => NativeSimsimd;
    const mod = build(root);
    nativeCache = typeof mod.sqeuclidean === 'function' ? mod : null;
  } catch {
    nativeCache = null;
  }
  return nativeCache;
}

/** The best SIMD level simsimd's runtime dispatch selects on this CPU, read from the kernel's CPU flags. */
export function detectIsa(cpuinfo?: string): Isa {
  let text = cpuinfo;
  if (text === undefined) {
    try { text = readFileSync('/proc/cpuinfo', 'utf8'); } catch { text = ''; }
  }
  const line = /^(flags|Features)\s*:(.*)$/m.exec(text)?.[2] ?? '';
  const flags = new Set(line.trim().split(/\s+/));
  if (flags.has('avx512f') && flags.has('avx512bw')) return 'avx512';
  if (flags.has('avx2') && flags.has('fma')) return 'avx2';
  if (flags.has('sve')) return 'sve';
  if (flags.has('asimd')) return 'neon';
  return 'scalar';
}

const rowCache = new WeakMap<Float32Array, Float32Array[]>();

/** Row views of `matrix` (rows of `dim` floats), built once per matrix and dimension. */
function rowViews(matrix: Float32Array, dim: number): Float32Array[] {
  let views = rowCache.get(matrix);
  if (views === undefined || views[0]?.length !== dim) {
    const n = Math.floor(matrix.length / dim);
    views = new Array<Float32Array>(n);
    for (let i = 0; i < n; i++) views[i] = matrix.subarray(i * dim, (i + 1) * dim);
    rowCache.set(matrix, views);
  }
  return views;
}

function makeKernels(impl: 'simsimd' | 'js', source: 'simsimd-binding' | 'js', isa: Isa, l2sq: Pair, cos: Pair, dot: Pair): DistanceKernels {
  const ip: Pair = (a, b) => 1 - dot(a, b);
  const pick = (m: Metric): Pair => (m === 'l2' ? l2sq : m === 'cosine' ? cos : ip);
  return {
    impl,
    source,
    isa,
    distance(metric, a, b) { return pick(metric)(a, b); },
    batch(metric, query, matrix, rows, count, out) {
      const f = pick(metric);
      const views = rowViews(matrix, query.length);
      if (rows === null) for (let i = 0; i < count; i++) out[i] = f(query, views[i]!);
      else for (let i = 0; i < count; i++) out[i] = f(query, views[rows[i]!]!);
    },
  };
}

const METRIC_CODE: Record<Metric, number> = { l2: 0, cosine: 1, ip: 2 };

/**
 * Kernels of the addon: simsimd's C kernels picked once by simsimd's own CPUID dispatch
 * (AVX-512 / AVX2+FMA / NEON / SVE / serial); the batch is one N-API call looping in C.
 */
function addonKernels(addon: VexfsSimdAddon): DistanceKernels {
  const isa = addon.capabilities().isa;
  return {
    impl: 'simsimd',
    source: 'addon',
    isa,
    distance(metric, a, b) { return addon.distance(METRIC_CODE[metric], a, b); },
    batch(metric, query, matrix, rows, count, out) {
      if (count > 0) addon.batch(METRIC_CODE[metric], query, matrix, rows, count, out);
    },
  };
}

/** The scalar JS kernels (the fallback, and the baseline the benchmark compares against). */
export const jsKernels: DistanceKernels = makeKernels('js', 'js', 'scalar', scalarKernels.l2sq, scalarKernels.cosine, scalarKernels.dot);

/**
 * Chooses the kernels at runtime: our addon over simsimd's C kernels (simsimd dispatches to
 * AVX-512, AVX2+FMA, NEON, SVE or serial code by CPUID; one native call per batch) when it was
 * built, else simsimd's own binding (pairwise calls), else the scalar JS loop.
 * Sets vexfs_simd_acceleration_enabled{isa}.
 */
export function selectKernels(choice: KernelChoice = 'auto'): DistanceKernels {
  const addon = choice === 'js' ? null : loadKernelAddon();
  const native = choice === 'js' || addon !== null ? null : loadSimsimdNative();
  if (choice === 'native' && addon === null && native === null) {
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, 'kernels: "native" was requested but neither the kernel addon (@vexfs/simd-kernels) nor simsimd\'s native module loads here; use "auto" or "js"', { context: { key: 'kernels' } });
  }
  const k = addon !== null
    ? addonKernels(addon)
    : native === null
      ? jsKernels
      : makeKernels('simsimd', 'simsimd-binding', detectIsa(), native.sqeuclidean, native.cosine, native.inner);
  metrics.simdEnabled.reset();
  metrics.simdEnabled.set({ isa: k.isa }, k.impl === 'simsimd' && k.isa !== 'scalar' ? 1 : 0);
  return k;
}
