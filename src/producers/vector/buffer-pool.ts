import { ErrorCodes, VexfsError } from '../../errors.js';
import { metrics } from '../../metrics/registry.js';

/** One tier of the pool: `count` buffers of `size` bytes. */
export interface PoolTier {
  /** Label used in metrics (e.g. "1k"). */
  name: string;
  /** Bytes per buffer; a multiple of the alignment. */
  size: number;
  /** Buffers in the tier. */
  count: number;
}

/** Seed 000's tiers: 1 KiB × 128, 4 KiB × 64, 16 KiB × 32. */
export const DEFAULT_TIERS: readonly PoolTier[] = [
  { name: '1k', size: 1024, count: 128 },
  { name: '4k', size: 4096, count: 64 },
  { name: '16k', size: 16384, count: 32 },
];

/** Every pooled buffer starts on a 64-byte boundary (a cache line; AVX-512 loads). */
export const POOL_ALIGNMENT = 64;
const WASM_PAGE = 65536;

/** Counters of one tier. */
export interface TierStats { name: string; size: number; count: number; free: number; hits: number; exhausted: number }

/** Counters of the whole pool. */
export interface PoolStats {
  tiers: TierStats[];
  /** Requests larger than the largest tier (served by a plain allocation). */
  oversize: number;
  acquires: number;
  hits: number;
  /** hits / acquires (1 before any request). */
  hitRate: number;
}

/**
 * Tiered buffer pool for the vector hot path (seed 000): fixed buffers carved from one slab,
 * handed out and taken back without allocating. A request goes to the smallest tier that fits;
 * when that tier is empty, or the request is larger than every tier, a plain Buffer is
 * allocated instead and counted (exhausted / oversize), and its release is a no-op.
 */
export interface BufferPool {
  /** A buffer of exactly `bytes` bytes (a view over a pooled block when one is free). */
  acquire(bytes: number): Buffer;
  /** A Float32Array of `length` floats over a pooled, 64-byte-aligned block when one is free. */
  acquireFloat32(length: number): Float32Array;
  /** Gives a buffer (or a Float32Array from acquireFloat32) back. Releasing twice throws. */
  release(buf: Uint8Array | Float32Array): void;
  /** Current counters. */
  stats(): PoolStats;
  /** True when `buf` lies in this pool's slab. */
  owns(buf: Uint8Array | Float32Array): boolean;
}

/**
 * Creates a pool. The slab is a WebAssembly.Memory: V8 reserves wasm memory with its page
 * allocator, so its base is page-aligned, and every block offset is a multiple of 64 — the
 * addresses themselves are 64-byte aligned, which a plain ArrayBuffer (malloc, 16-byte) does not give.
 * Updates vexfs_pool_hit_ratio{tier}, vexfs_pool_exhausted_total{tier} and vexfs_memory_pool_hit_rate
 * unless `metrics: false`.
 */
export function createBufferPool(opts: { tiers?: readonly PoolTier[]; metrics?: boolean } = {}): BufferPool {
  const tiers = opts.tiers ?? DEFAULT_TIERS;
  const report = opts.metrics ?? true;
  let total = 0;
  for (const t of tiers) {
    if (!Number.isInteger(t.size) || t.size <= 0 || t.size % POOL_ALIGNMENT !== 0) {
      throw new VexfsError(ErrorCodes.CONFIG_INVALID, `pool tier ${t.name}: size ${t.size} must be a positive multiple of ${POOL_ALIGNMENT}`, { context: { key: 'tiers.size', value: t.size } });
    }
    if (!Number.isInteger(t.count) || t.count <= 0 || t.count > 1 << 20) {
      throw new VexfsError(ErrorCodes.CONFIG_INVALID, `pool tier ${t.name}: count ${t.count} must be an integer in 1..1048576`, { context: { key: 'tiers.count', value: t.count } });
    }
    total += t.size * t.count;
  }
  const sorted = [...tiers].sort((a, b) => a.size - b.size);
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(total / WASM_PAGE)) });
  const slab = memory.buffer;

  interface Tier { def: PoolTier; base: number; free: Int32Array; top: number; inUse: Uint8Array; hits: number; exhausted: number; ratio: { set(v: number): void }; exhaust: { inc(): void } }
  let offset = 0;
  const state: Tier[] = sorted.map((def) => {
    const free = new Int32Array(def.count);
    for (let i = 0; i < def.count; i++) free[i] = def.count - 1 - i;
    const t: Tier = {
      def, base: offset, free, top: def.count, inUse: new Uint8Array(def.count), hits: 0, exhausted: 0,
      ratio: report ? metrics.poolHitRatio.labels(def.name) : { set() {} },
      exhaust: report ? metrics.poolExhausted.labels(def.name) : { inc() {} },
    };
    offset += def.size * def.count;
    return t;
  });
  let acquires = 0;
  let hits = 0;
  let oversize = 0;

  function tierFor(bytes: number): Tier | undefined {
    for (const t of state) if (bytes <= t.def.size) return t;
    return undefined;
  }
  function updateRates(t: Tier | undefined): void {
    if (!report) return;
    if (t) { const asked = t.hits + t.exhausted; t.ratio.set(asked === 0 ? 1 : t.hits / asked); }
    metrics.memoryPoolHitRate.set(hits / acquires);
  }
  /** Byte offset of a free block of a tier that fits, or -1 (counted as exhausted / oversize). */
  function take(bytes: number): number {
    acquires++;
    const t = tierFor(bytes);
    if (t === undefined) { oversize++; updateRates(undefined); return -1; }
    if (t.top === 0) { t.exhausted++; t.exhaust.inc(); updateRates(t); return -1; }
    const slot = t.free[--t.top]!;
    t.inUse[slot] = 1;
    t.hits++; hits++;
    updateRates(t);
    return t.base + slot * t.def.size;
  }

  return {
    acquire(bytes) {
      const at = take(bytes);
      return at < 0 ? Buffer.allocUnsafe(bytes) : Buffer.from(slab, at, bytes);
    },
    acquireFloat32(length) {
      const at = take(length * 4);
      return at < 0 ? new Float32Array(length) : new Float32Array(slab, at, length);
    },
    release(buf) {
      if (buf.buffer !== slab) return;
      const at = buf.byteOffset;
      for (const t of state) {
        if (at >= t.base && at < t.base + t.def.size * t.def.count) {
          const slot = (at - t.base) / t.def.size;
          if (!Number.isInteger(slot) || t.inUse[slot] !== 1) throw new Error(`buffer pool: block at offset ${at} released twice or never acquired`);
          t.inUse[slot] = 0;
          t.free[t.top++] = slot;
          return;
        }
      }
    },
    owns(buf) { return buf.buffer === slab; },
    stats() {
      return {
        tiers: state.map((t) => ({ name: t.def.name, size: t.def.size, count: t.def.count, free: t.top, hits: t.hits, exhausted: t.exhausted })),
        oversize, acquires, hits, hitRate: acquires === 0 ? 1 : hits / acquires,
      };
    },
  };
}

let shared: BufferPool | undefined;

/** The process-wide pool with seed 000's tiers (the one the metrics describe). */
export function sharedBufferPool(): BufferPool {
  shared ??= createBufferPool();
  return shared;
}
