import { ErrorCodes, VexfsError } from '../../errors.js';
import type { BufferPool } from './buffer-pool.js';

/** What callers may pass as a vector: a Float32Array, or any array of numbers. */
export type VectorInput = Float32Array | ArrayLike<number>;

/** Most dimensions a vector may have. */
export const MAX_DIM = 65536;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}

/**
 * Copies `input` into a pooled Float32Array (release it with `pool.release`) and checks it:
 * non-empty, `dim` components when `dim` is given, every component finite as a float32.
 * Throws INVALID_VECTOR or DIMENSION_MISMATCH naming the problem; nothing is kept on error.
 */
export function toPooledFloat32(input: unknown, dim: number | null, pool: BufferPool, what = 'vector'): Float32Array {
  if (input === null || typeof input !== 'object' || typeof (input as ArrayLike<number>).length !== 'number' || typeof input === 'string') {
    throw new VexfsError(ErrorCodes.INVALID_VECTOR, `${what} must be an array of numbers or a Float32Array (got ${describe(input)})`);
  }
  const src = input as ArrayLike<unknown>;
  const n = src.length;
  if (n === 0) throw new VexfsError(ErrorCodes.INVALID_VECTOR, `${what} is empty: a vector needs at least one component`);
  if (dim !== null && n !== dim) {
    throw new VexfsError(ErrorCodes.DIMENSION_MISMATCH, `${what} has ${n} dimensions, the collection expects ${dim}`, { context: { got: n, expected: dim } });
  }
  if (n > MAX_DIM) throw new VexfsError(ErrorCodes.INVALID_VECTOR, `${what} has ${n} dimensions; at most ${MAX_DIM} are allowed`);
  const out = pool.acquireFloat32(n);
  if (input instanceof Float32Array) {
    // Fast path (the common case): one bulk copy, then the finiteness check.
    out.set(input);
    for (let i = 0; i < n; i++) {
      const x = out[i]!;
      if (x - x !== 0) {
        pool.release(out);
        throw new VexfsError(ErrorCodes.INVALID_VECTOR, `${what}[${i}] is ${Number.isNaN(x) ? 'NaN' : String(x)}: every component must be a finite number`, { context: { index: i } });
      }
    }
    return out;
  }
  try {
    for (let i = 0; i < n; i++) {
      const x = src[i];
      if (typeof x !== 'number') throw new VexfsError(ErrorCodes.INVALID_VECTOR, `${what}[${i}] is ${describe(x)}, not a number`, { context: { index: i } });
      out[i] = x;
      if (!Number.isFinite(out[i]!)) {
        throw new VexfsError(ErrorCodes.INVALID_VECTOR, `${what}[${i}] is ${Number.isNaN(x) ? 'NaN' : Number.isFinite(x) ? `${x} (beyond float32 range)` : String(x)}: every component must be a finite number`, { context: { index: i } });
      }
    }
  } catch (err) {
    pool.release(out);
    throw err;
  }
  return out;
}

/** True when the xattr value is JSON text: it starts with '[' and ends with ']' (ASCII whitespace aside). */
function looksLikeJson(bytes: Uint8Array): boolean {
  let a = 0; let b = bytes.length - 1;
  while (a <= b && (bytes[a] === 0x20 || bytes[a] === 0x0a || bytes[a] === 0x0d || bytes[a] === 0x09)) a++;
  while (b >= a && (bytes[b] === 0x20 || bytes[b] === 0x0a || bytes[b] === 0x0d || bytes[b] === 0x09 || bytes[b] === 0)) b--;
  return a < b && bytes[a] === 0x5b && bytes[b] === 0x5d;
}

/**
 * Decodes the value of the xattr user.vexfs.embedding into a pooled Float32Array (release it):
 * JSON text of an array of numbers when it starts with '[' and ends with ']', float32
 * little-endian bytes otherwise. Throws INVALID_VECTOR for a length that is not a multiple of 4,
 * bad JSON, or a non-numeric, non-finite or empty vector.
 */
export function decodeEmbedding(bytes: Uint8Array, dim: number | null, pool: BufferPool): Float32Array {
  if (bytes.length === 0) throw new VexfsError(ErrorCodes.INVALID_VECTOR, 'embedding xattr is empty: give float32 little-endian bytes or a JSON array of numbers');
  if (looksLikeJson(bytes)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8').replace(/\0+$/, ''));
    } catch (err) {
      throw new VexfsError(ErrorCodes.INVALID_VECTOR, `embedding xattr is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new VexfsError(ErrorCodes.INVALID_VECTOR, 'embedding xattr JSON must be an array of numbers');
    return toPooledFloat32(parsed, dim, pool, 'embedding');
  }
  if (bytes.length % 4 !== 0) {
    throw new VexfsError(ErrorCodes.INVALID_VECTOR, `embedding xattr is ${bytes.length} bytes: float32 little-endian bytes must be a multiple of 4 (or give a JSON array of numbers)`, { context: { bytes: bytes.length } });
  }
  const n = bytes.length / 4;
  if (dim !== null && n !== dim) {
    throw new VexfsError(ErrorCodes.DIMENSION_MISMATCH, `embedding has ${n} dimensions, the collection expects ${dim}`, { context: { got: n, expected: dim } });
  }
  const out = pool.acquireFloat32(n);
  // Copy through bytes: the source may sit at an offset that is not a multiple of 4.
  new Uint8Array(out.buffer, out.byteOffset, bytes.length).set(bytes);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i]!)) {
      pool.release(out);
      throw new VexfsError(ErrorCodes.INVALID_VECTOR, `embedding[${i}] is ${String(out[i])}: every component must be a finite number`, { context: { index: i } });
    }
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
if (!LITTLE_ENDIAN) throw new Error('VexFS vector storage assumes a little-endian CPU');

/** The float32 little-endian bytes of `v`, as a Buffer view sharing its memory (no copy). */
export function float32Bytes(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A Float32Array copy of float32 little-endian bytes (any alignment). */
export function float32FromBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >>> 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  return out;
}
