import { ErrorCodes, VexfsError } from '../../errors.js';
import type { Emitter } from '../../events/emitter.js';
import type { EventLog } from '../../log/event-log.js';
import type { BufferPool } from './buffer-pool.js';
import type { CollectionSpec } from './collection.js';
import { METRICS, type KernelChoice, type Metric } from './kernels.js';
import { MAX_DIM } from './vector-input.js';

/** Options of createVectorService. */
export interface VectorServiceOptions {
  /** Emits one `vector` event per operation (required). */
  emitter: Emitter;
  /** Data directory; snapshots go to `<dataDir>/vector/` (required). */
  dataDir: string;
  /** The event log the emitter appends to: vector events after the snapshot are replayed from it at start. Default: none (snapshot only). */
  log?: EventLog;
  /** Collection for file embeddings without user.vexfs.collection; created on first use. Default 'files'. */
  defaultCollection?: string;
  /** Dimension of the default collection. Default 384. */
  defaultDim?: number;
  /** Metric of the default collection. Default 'cosine'. */
  defaultMetric?: Metric;
  /** HNSW M of collections created without one. Default 24 (with efConstruction 48: about twice the insert rate of M 16 / efConstruction 100 at 100k × 384, recall 0.95 at ef ≈ 28–32 instead of ≈ 18; see docs/vector.md). */
  defaultM?: number;
  /** HNSW efConstruction of collections created without one. Default 48 (see defaultM and docs/vector.md, "Choosing M, efConstruction, ef"). */
  defaultEfConstruction?: number;
  /** Search ef of collections created without one. Default 64. */
  defaultEf?: number;
  /** Collections (or prefix-filter matches) of at most this many vectors are searched exactly by brute force. Default 512. */
  exactBelow?: number;
  /** A prefix filter matching at most this fraction of a collection is answered exactly over the matches. Default 0.1. */
  exactFilterFraction?: number;
  /** Write a snapshot after this many vector writes (0 = only on snapshot() and close()). Blocks while writing. Default 100000. */
  snapshotEvery?: number;
  /** Distance kernels: 'auto' (simsimd when it loads, else JS), 'native' (simsimd or fail), 'js'. Default 'auto'. */
  kernels?: KernelChoice;
  /** Buffer pool for vector conversion. Default: the process-wide pool (seed 000 tiers). */
  pool?: BufferPool;
  /** Largest k of a search. Default 10000. */
  maxK?: number;
  /** Vector bytes per upsert event; larger batches are split into several events (Kafka's default message limit is 1 MB). Default 524288. */
  maxEventBytes?: number;
}

/** Resolved options with every default applied. */
export type ResolvedVectorOptions = Required<Omit<VectorServiceOptions, 'log' | 'pool'>> & Pick<VectorServiceOptions, 'log' | 'pool'>;

export const VECTOR_DEFAULTS = Object.freeze({
  defaultCollection: 'files', defaultDim: 384, defaultMetric: 'cosine' as Metric, defaultM: 24, defaultEfConstruction: 48,
  defaultEf: 64, exactBelow: 512, exactFilterFraction: 0.1, snapshotEvery: 100_000, kernels: 'auto' as KernelChoice,
  maxK: 10_000, maxEventBytes: 524_288,
});

const KEYS = new Set(['emitter', 'dataDir', 'log', 'pool', ...Object.keys(VECTOR_DEFAULTS)]);

function bad(key: string, value: unknown, allowed: string): never {
  throw new VexfsError(ErrorCodes.CONFIG_INVALID, `vector option ${key}=${JSON.stringify(value) ?? String(value)} is invalid: ${allowed}`, { context: { key, value } });
}
function int(o: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(key, v, `an integer in ${min}..${max}`);
  return v;
}

/** Collection names: letters, digits, '.', '_' and '-', 1–128 characters, not '.' or '..'. */
export const COLLECTION_NAME = /^[A-Za-z0-9._-]{1,128}$/;
export function isCollectionName(name: unknown): name is string {
  return typeof name === 'string' && COLLECTION_NAME.test(name) && name !== '.' && name !== '..';
}

/** Validates the options once: unknown keys refused, errors name the key, the value and what is allowed. */
export function resolveVectorOptions(opts: VectorServiceOptions): Readonly<ResolvedVectorOptions> {
  if (opts === null || typeof opts !== 'object') bad('(options)', opts, 'an object');
  for (const key of Object.keys(opts)) if (!KEYS.has(key)) bad(key, (opts as unknown as Record<string, unknown>)[key], `unknown option; allowed: ${[...KEYS].join(', ')}`);
  const o = { ...VECTOR_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as Record<string, unknown>;
  if (!o.emitter || typeof (o.emitter as Emitter).emit !== 'function') bad('emitter', typeof o.emitter, 'an Emitter from createEmitter()');
  if (typeof o.dataDir !== 'string' || o.dataDir === '') bad('dataDir', o.dataDir, 'a non-empty directory path');
  if (o.log !== undefined && typeof (o.log as EventLog).read !== 'function') bad('log', typeof o.log, 'an EventLog');
  if (!isCollectionName(o.defaultCollection)) bad('defaultCollection', o.defaultCollection, 'a name of 1-128 letters, digits, ".", "_" or "-"');
  int(o, 'defaultDim', 1, MAX_DIM);
  if (!METRICS.includes(o.defaultMetric as Metric)) bad('defaultMetric', o.defaultMetric, 'one of l2, cosine, ip');
  int(o, 'defaultM', 2, 100);
  int(o, 'defaultEfConstruction', 1, 100_000);
  int(o, 'defaultEf', 1, 100_000);
  int(o, 'exactBelow', 0, 10_000_000);
  const f = o.exactFilterFraction;
  if (typeof f !== 'number' || !(f >= 0 && f <= 1)) bad('exactFilterFraction', f, 'a number in 0..1');
  int(o, 'snapshotEvery', 0, Number.MAX_SAFE_INTEGER);
  if (!['auto', 'native', 'js'].includes(o.kernels as string)) bad('kernels', o.kernels, 'one of auto, native, js');
  int(o, 'maxK', 1, 1_000_000);
  int(o, 'maxEventBytes', 4096, 64 * 1024 * 1024);
  return Object.freeze(o) as unknown as Readonly<ResolvedVectorOptions>;
}

/** What createCollection accepts. */
export interface CollectionInput {
  name: string;
  dim: number;
  /** Default: the service's defaultMetric. */
  metric?: Metric;
  /** Default: the service's defaultM. */
  M?: number;
  /** Default: the service's defaultEfConstruction. */
  efConstruction?: number;
  /** Default: the service's defaultEf. */
  ef?: number;
}

const SPEC_KEYS = new Set(['name', 'dim', 'metric', 'M', 'efConstruction', 'ef']);

function badArg(message: string, context: Record<string, unknown> = {}): never {
  throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, message, { context });
}

/** Validates a collection definition (INVALID_ARGUMENT naming the key, value and allowed range). */
export function resolveSpec(input: CollectionInput, o: Readonly<ResolvedVectorOptions>): CollectionSpec {
  if (input === null || typeof input !== 'object') badArg(`collection definition must be an object (got ${typeof input})`);
  for (const key of Object.keys(input)) if (!SPEC_KEYS.has(key)) badArg(`unknown collection option '${key}'; allowed: ${[...SPEC_KEYS].join(', ')}`, { key });
  if (!isCollectionName(input.name)) badArg(`collection name ${JSON.stringify(input.name)} is invalid: use 1-128 letters, digits, '.', '_' or '-'`, { key: 'name' });
  const spec: CollectionSpec = {
    name: input.name, dim: input.dim, metric: input.metric ?? o.defaultMetric, M: input.M ?? o.defaultM,
    efConstruction: input.efConstruction ?? o.defaultEfConstruction, ef: input.ef ?? o.defaultEf,
  };
  const check = (key: keyof CollectionSpec, min: number, max: number) => {
    const v = spec[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) badArg(`collection ${key}=${JSON.stringify(v) ?? String(v)} is invalid: an integer in ${min}..${max}`, { key, value: v });
  };
  check('dim', 1, MAX_DIM);
  if (!METRICS.includes(spec.metric)) badArg(`collection metric=${JSON.stringify(spec.metric)} is invalid: one of l2, cosine, ip`, { key: 'metric' });
  check('M', 2, 100);
  check('efConstruction', 1, 100_000);
  check('ef', 1, 100_000);
  return spec;
}
