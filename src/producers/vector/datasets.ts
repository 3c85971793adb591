import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A set of vectors stored back to back. */
export interface VectorSet { dim: number; count: number; data: Float32Array; row(i: number): Float32Array }

function vectorSet(dim: number, data: Float32Array): VectorSet {
  return { dim, count: data.length / dim, data, row: (i) => data.subarray(i * dim, (i + 1) * dim) };
}

/** Reads a texmex `.fvecs` file (per record: int32 LE dimension, then that many float32 LE). */
export function readFvecs(file: string, limit = Infinity): VectorSet {
  const buf = readFileSync(file);
  const dim = buf.readInt32LE(0);
  const rec = 4 * (dim + 1);
  const count = Math.min(limit, Math.floor(buf.length / rec));
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const off = i * rec;
    if (buf.readInt32LE(off) !== dim) throw new Error(`${file}: record ${i} has dimension ${buf.readInt32LE(off)}, expected ${dim}`);
    for (let j = 0; j < dim; j++) data[i * dim + j] = buf.readFloatLE(off + 4 + 4 * j);
  }
  return vectorSet(dim, data);
}

/** Reads a texmex `.ivecs` file: one int array per record. */
export function readIvecs(file: string): number[][] {
  const buf = readFileSync(file);
  const out: number[][] = [];
  for (let off = 0; off < buf.length;) {
    const d = buf.readInt32LE(off);
    const row = new Array<number>(d);
    for (let j = 0; j < d; j++) row[j] = buf.readInt32LE(off + 4 + 4 * j);
    out.push(row);
    off += 4 * (d + 1);
  }
  return out;
}

/** The siftsmall directory: $VEXFS_DATASETS/siftsmall, else ../shared/datasets/siftsmall beside the repository; null when absent. */
export function siftsmallDir(): string | null {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const base = process.env.VEXFS_DATASETS ?? path.resolve(repo, '../shared/datasets');
  const dir = path.join(base, 'siftsmall');
  return existsSync(path.join(dir, 'siftsmall_base.fvecs')) ? dir : null;
}

/** Seeded PRNG (mulberry32). */
export { mulberry32 as seededRandom } from '../../prng.js';
import { mulberry32 as seededRandom } from '../../prng.js';

/** A standard normal sample (Box–Muller). */
function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * A seeded synthetic clustered set: `clusters` centres drawn uniformly in [-1, 1]^dim and points
 * scattered around them; queries drawn the same way. With `latentDim`, the scatter lives in a
 * random `latentDim`-dimensional subspace (shared projection, standard deviation `spread`) plus
 * isotropic noise `noise` — the low intrinsic dimension of real embeddings; without it the scatter
 * is isotropic with standard deviation `spread` (intrinsic dimension = dim, the hardest case).
 */
export function clusteredSet(opts: { count: number; queries: number; dim: number; clusters: number; spread?: number; seed: number; latentDim?: number; noise?: number }): { base: VectorSet; queries: VectorSet } {
  const r = seededRandom(opts.seed);
  const { dim } = opts;
  const spread = opts.spread ?? 0.15;
  const latent = opts.latentDim ?? 0;
  const noise = opts.noise ?? 0.01;
  const centres = new Float32Array(opts.clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = r() * 2 - 1;
  const proj = new Float32Array(latent * dim);
  for (let i = 0; i < proj.length; i++) proj[i] = gauss(r) / Math.sqrt(latent || 1);
  const z = new Float32Array(latent);
  const draw = (n: number) => {
    const data = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(r() * opts.clusters);
      const row = data.subarray(i * dim, (i + 1) * dim);
      if (latent > 0) {
        for (let l = 0; l < latent; l++) z[l] = gauss(r) * spread;
        for (let j = 0; j < dim; j++) row[j] = centres[c * dim + j]! + (r() * 2 - 1) * noise;
        for (let l = 0; l < latent; l++) {
          const zl = z[l]!;
          const p = proj.subarray(l * dim, (l + 1) * dim);
          for (let j = 0; j < dim; j++) row[j]! += zl * p[j]!;
        }
      } else {
        for (let j = 0; j < dim; j++) row[j] = centres[c * dim + j]! + gauss(r) * spread;
      }
    }
    return vectorSet(dim, data);
  };
  return { base: draw(opts.count), queries: draw(opts.queries) };
}

/** Mean fraction of the true k nearest found in each result list. */
export function recallAtK(results: ReadonlyArray<ReadonlyArray<number | string>>, truth: ReadonlyArray<ReadonlyArray<number | string>>, k: number): number {
  let hit = 0;
  for (let i = 0; i < results.length; i++) {
    const want = new Set(truth[i]!.slice(0, k));
    for (const x of results[i]!.slice(0, k)) if (want.has(x)) hit++;
  }
  return hit / (results.length * k);
}
