import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBufferPool, DEFAULT_TIERS, POOL_ALIGNMENT } from '../../src/producers/vector/buffer-pool.js';
import { registry } from '../../src/metrics/registry.js';
import { VexfsError } from '../../src/errors.js';

test('default tiers are seed 000: 1 KiB x 128, 4 KiB x 64, 16 KiB x 32', () => {
  assert.deepEqual(DEFAULT_TIERS.map((t) => [t.size, t.count]), [[1024, 128], [4096, 64], [16384, 32]]);
  assert.equal(POOL_ALIGNMENT, 64);
});

test('acquire picks the smallest tier that fits; blocks are 64-byte aligned in a page-aligned wasm slab', () => {
  const pool = createBufferPool({ metrics: false });
  const a = pool.acquire(100);
  const b = pool.acquire(1025);
  const c = pool.acquireFloat32(1536); // 6 KiB -> 16 KiB tier
  assert.equal(a.length, 100);
  assert.equal(b.length, 1025);
  assert.equal(c.length, 1536);
  for (const x of [a, b, c]) {
    assert.ok(pool.owns(x), 'pooled');
    assert.equal(x.byteOffset % POOL_ALIGNMENT, 0);
  }
  // The slab is WebAssembly memory (allocated by V8 in whole pages, so its base is page-aligned).
  assert.equal(a.buffer.byteLength % 65536, 0);
  const s = pool.stats();
  assert.deepEqual(s.tiers.map((t) => t.count - t.free), [1, 1, 1]);
  pool.release(a); pool.release(b); pool.release(c);
  assert.deepEqual(pool.stats().tiers.map((t) => t.count - t.free), [0, 0, 0]);
  assert.equal(pool.stats().hitRate, 1);
});

test('an empty tier is counted as exhausted and served by a plain allocation; oversize too; release of those is a no-op', async () => {
  const pool = createBufferPool({ tiers: [{ name: 'ut-1k', size: 1024, count: 2 }] });
  const held = [pool.acquire(10), pool.acquire(10)];
  const spill = pool.acquire(10);
  assert.equal(pool.owns(spill), false);
  const big = pool.acquire(5000);
  assert.equal(pool.owns(big), false);
  pool.release(spill); pool.release(big);
  const s = pool.stats();
  assert.equal(s.tiers[0]!.exhausted, 1);
  assert.equal(s.oversize, 1);
  assert.equal(s.acquires, 4);
  assert.equal(s.hits, 2);
  assert.equal(s.hitRate, 0.5);
  const text = await registry.getSingleMetricAsString('vexfs_pool_exhausted_total');
  assert.match(text, /vexfs_pool_exhausted_total\{tier="ut-1k"\} 1/);
  assert.match(await registry.getSingleMetricAsString('vexfs_pool_hit_ratio'), /tier="ut-1k"\} 0\.6666/);
  assert.match(await registry.getSingleMetricAsString('vexfs_memory_pool_hit_rate'), /vexfs_memory_pool_hit_rate 0\.5/);
  for (const h of held) pool.release(h);
  assert.equal(pool.stats().tiers[0]!.free, 2);
});

test('releasing a block twice throws; blocks are reused (LIFO) after release', () => {
  const pool = createBufferPool({ metrics: false });
  const a = pool.acquire(64);
  pool.release(a);
  assert.throws(() => pool.release(a), /released twice/);
  const b = pool.acquire(64);
  assert.equal(b.byteOffset, a.byteOffset);
  pool.release(b);
});

test('bad tier definitions are refused with the key and value', () => {
  assert.throws(() => createBufferPool({ tiers: [{ name: 'x', size: 100, count: 1 }] }), (e: unknown) => e instanceof VexfsError && /size 100 must be a positive multiple of 64/.test(e.message));
  assert.throws(() => createBufferPool({ tiers: [{ name: 'x', size: 64, count: 0 }] }), /count 0/);
});

test('steady single-threaded use never misses (hit rate 1 over 10,000 acquire/release pairs)', () => {
  const pool = createBufferPool({ metrics: false });
  for (let i = 0; i < 10_000; i++) { const f = pool.acquireFloat32(1 + (i % 4000)); f[0] = i; pool.release(f); }
  assert.equal(pool.stats().hitRate, 1);
});
