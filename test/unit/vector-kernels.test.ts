import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectIsa, jsKernels, loadKernelAddon, scalarKernels, selectKernels, type DistanceKernels } from '../../src/producers/vector/kernels.js';
import { registry } from '../../src/metrics/registry.js';
import { mulberry32 } from '../../src/prng.js';

/** Seeded PRNG (mulberry32) so failures reproduce. */
const rng = mulberry32;
function randVec(r: () => number, d: number, scale = 1): Float32Array {
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) v[i] = (r() * 2 - 1) * scale;
  return v;
}
const norm = (v: Float32Array) => Math.sqrt(scalarKernels.dot(v, v));

function checkAgainstScalar(k: DistanceKernels, seed: number): void {
  const r = rng(seed);
  for (let t = 0; t < 600; t++) {
    // Random dims, odd ones included (1, 3, 7, 129, 1537...) to hit every SIMD tail path.
    const d = t < 40 ? t + 1 : 1 + Math.floor(r() * 2048);
    const scale = 10 ** Math.floor(r() * 6 - 3);
    const a = randVec(r, d, scale);
    const b = randVec(r, d, scale);
    const l2 = scalarKernels.l2sq(a, b);
    const gotL2 = k.distance('l2', a, b);
    assert.ok(Math.abs(gotL2 - l2) <= 1e-5 * l2, `l2 d=${d}: ${gotL2} vs ${l2}`);
    // ip distance is 1 - a·b: compare the dot product, relative to |a||b| (its natural scale).
    const scaleAB = norm(a) * norm(b);
    const dot = scalarKernels.dot(a, b);
    const gotDot = 1 - k.distance('ip', a, b);
    assert.ok(Math.abs(gotDot - dot) <= 1e-5 * Math.max(scaleAB, 1), `ip d=${d}: ${gotDot} vs ${dot}`);
    const cos = scalarKernels.cosine(a, b);
    const gotCos = k.distance('cosine', a, b);
    assert.ok(Math.abs(gotCos - cos) <= 1e-5 * Math.max(cos, 1e-3) + 1e-6, `cosine d=${d}: ${gotCos} vs ${cos}`);
  }
}

test('selected kernels equal the scalar reference within 1e-5 relative over random dims (odd ones included)', () => {
  const k = selectKernels('auto');
  checkAgainstScalar(k, 1);
});

test('the JS fallback kernels equal the scalar reference too', () => {
  checkAgainstScalar(jsKernels, 2);
  assert.equal(selectKernels('js').impl, 'js');
});

test('batch call: one query against many rows of a contiguous matrix equals pairwise distances', () => {
  const r = rng(3);
  for (const k of [selectKernels('auto'), jsKernels]) {
    for (const d of [1, 5, 128, 383]) {
      const n = 257;
      const m = new Float32Array(n * d);
      for (let i = 0; i < m.length; i++) m[i] = r() - 0.5;
      const q = randVec(r, d);
      for (const metric of ['l2', 'cosine', 'ip'] as const) {
        const out = new Float32Array(n);
        k.batch(metric, q, m, null, n, out);
        for (let i = 0; i < n; i++) assert.equal(out[i], Math.fround(k.distance(metric, q, m.subarray(i * d, (i + 1) * d))));
        const rows = Int32Array.from([n - 1, 0, 17]);
        k.batch(metric, q, m, rows, 3, out);
        assert.equal(out[0], Math.fround(k.distance(metric, q, m.subarray((n - 1) * d, n * d))));
        assert.equal(out[2], Math.fround(k.distance(metric, q, m.subarray(17 * d, 18 * d))));
      }
    }
  }
});

test('runtime ISA detection reads CPU flags (AVX-512 > AVX2+FMA > scalar) and is reported in the metric', async () => {
  assert.equal(detectIsa('flags\t\t: fpu sse2 avx2 fma avx512f avx512bw\n'), 'avx512');
  assert.equal(detectIsa('flags\t\t: fpu sse2 avx2 fma\n'), 'avx2');
  assert.equal(detectIsa('flags\t\t: fpu sse2 avx2\n'), 'scalar');
  assert.equal(detectIsa('Features\t: fp asimd evtstrm\n'), 'neon');
  assert.equal(detectIsa(''), 'scalar');
  const k = selectKernels('auto');
  const text = await registry.getSingleMetricAsString('vexfs_simd_acceleration_enabled');
  const want = k.impl === 'simsimd' && k.isa !== 'scalar' ? 1 : 0;
  assert.match(text, new RegExp(`vexfs_simd_acceleration_enabled\\{isa="${k.isa}"\\} ${want}`));
});

test('the batch kernel is the native addon (built by npm install), with simsimd\'s runtime ISA', () => {
  const addon = loadKernelAddon();
  assert.ok(addon !== null, 'the kernel addon @vexfs/simd-kernels did not load: run npm install (node-gyp builds it)');
  const k = selectKernels('auto');
  assert.equal(k.source, 'addon');
  assert.equal(k.impl, 'simsimd');
  const caps = addon.capabilities();
  assert.ok(['avx512', 'avx2', 'neon', 'sve', 'scalar'].includes(caps.isa), caps.isa);
  assert.equal(k.isa, caps.isa);
});

test('the service reports which kernels run (impl, source, isa)', async () => {
  const { createVectorService } = await import('../../src/producers/vector/vector-service.js');
  const { createEmitter } = await import('../../src/events/emitter.js');
  const { createMemoryLog } = await import('../../src/log/memory-log.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vexfs-kern-'));
  try {
    const svc = await createVectorService({ emitter: createEmitter({ node: 'k', log: createMemoryLog() }), dataDir, snapshotEvery: 0 });
    assert.deepEqual(svc.stats().kernels, { impl: 'simsimd', source: 'addon', isa: selectKernels('auto').isa });
    await svc.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('batch kernel equals the scalar reference within 1e-5 relative over random dims, odd ones included, with row subsets', () => {
  const r = rng(11);
  const k = selectKernels('auto');
  for (let t = 0; t < 120; t++) {
    const d = t < 20 ? t + 1 : 1 + Math.floor(r() * 1600);
    const n = 1 + Math.floor(r() * 60);
    const scale = 10 ** Math.floor(r() * 4 - 2);
    const m = new Float32Array(n * d);
    for (let i = 0; i < m.length; i++) m[i] = (r() * 2 - 1) * scale;
    const q = randVec(r, d, scale);
    const rows = Int32Array.from({ length: n }, () => Math.floor(r() * n));
    const out = new Float32Array(n);
    for (const metric of ['l2', 'cosine', 'ip'] as const) {
      for (const sel of [null, rows]) {
        k.batch(metric, q, m, sel, n, out);
        for (let i = 0; i < n; i++) {
          const row = sel === null ? i : sel[i]!;
          const b = m.subarray(row * d, (row + 1) * d);
          if (metric === 'l2') {
            const want = scalarKernels.l2sq(q, b);
            assert.ok(Math.abs(out[i]! - want) <= 1e-5 * want + 1e-30, `l2 d=${d}: ${out[i]} vs ${want}`);
          } else if (metric === 'cosine') {
            const want = scalarKernels.cosine(q, b);
            assert.ok(Math.abs(out[i]! - want) <= 1e-5 * Math.max(want, 1e-3) + 1e-6, `cosine d=${d}: ${out[i]} vs ${want}`);
          } else {
            const dot = scalarKernels.dot(q, b);
            assert.ok(Math.abs((1 - out[i]!) - dot) <= 1e-5 * Math.max(norm(q) * norm(b), 1), `ip d=${d}: ${1 - out[i]!} vs ${dot}`);
          }
        }
      }
    }
  }
});

test('the addon refuses out-of-bounds calls instead of reading past the matrix', () => {
  const addon = loadKernelAddon();
  assert.ok(addon !== null);
  const q = new Float32Array(4);
  const m = new Float32Array(8);
  const out = new Float32Array(4);
  assert.throws(() => addon.batch(0, q, m, Int32Array.from([2]), 1, out), /row index is outside matrix/);
  assert.throws(() => addon.batch(0, q, m, null, 3, out), /count exceeds the rows/);
  assert.throws(() => addon.batch(0, q, m, null, 5, out), /out is shorter than count/);
  assert.throws(() => addon.batch(0, q, m, Int32Array.from([0]), 2, out), /rows is shorter than count/);
  assert.throws(() => addon.batch(7, q, m, null, 1, out), /metric must be/);
  assert.throws(() => addon.batch(0, new Float64Array(4) as unknown as Float32Array, m, null, 1, out), /query must be/);
  assert.throws(() => addon.distance(0, q, new Float32Array(3)), /differ in length/);
});
