import { createRequire } from 'node:module';

/**
 * The native batch hash check (src/audit/native, built by node-gyp at `npm install`): one call
 * checks a whole batch of records, so verification pays for SHA-256 itself (~0.15 µs per ~180-byte
 * event, OpenSSL's SHA256_* that Node exports) instead of node:crypto's ~1.5 µs per-call overhead.
 * Null when the addon is not built (no compiler at install): the verifier then hashes with node:crypto.
 */
export type FirstBad = (records: readonly Uint8Array[]) => number;
/** The same over `count` records of one buffer located by RecordBatch offsets. */
export type FirstBadIn = (buf: Uint8Array, offs: Int32Array, count: number) => number;

let loaded: { firstBad: FirstBad; firstBadIn: FirstBadIn } | null | undefined;

function load(): { firstBad: FirstBad; firstBadIn: FirstBadIn } | null {
  if (loaded !== undefined) return loaded;
  try {
    const m = createRequire(import.meta.url)('@vexfs/sha256-batch') as { firstBad: FirstBad | null; firstBadIn: FirstBadIn | null };
    loaded = typeof m.firstBad === 'function' && typeof m.firstBadIn === 'function' ? { firstBad: m.firstBad, firstBadIn: m.firstBadIn } : null;
  } catch {
    loaded = null;
  }
  return loaded;
}

/** The native `firstBad`, or null when the addon is not available. */
export function nativeFirstBad(): FirstBad | null { return load()?.firstBad ?? null; }
/** The native `firstBadIn`, or null when the addon is not available. */
export function nativeFirstBadIn(): FirstBadIn | null { return load()?.firstBadIn ?? null; }
