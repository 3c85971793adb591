import { hostname } from 'node:os';
import { ErrorCodes, VexfsError } from '../../errors.js';
import type { EventLog } from '../../log/event-log.js';
import type { Emitter } from '../../events/emitter.js';
import type { SemanticHooks } from './semantic-hooks.js';

/** Options of runMount (`vexfs mount <backing> <mountpoint>`). */
export interface RunMountOptions {
  /** Directory whose contents the mount shows (must exist). Required. */
  backing: string;
  /** Empty directory to mount on (created if missing). Required. */
  mountpoint: string;
  /** Where the journal lives (openJournal dir). Required. */
  dataDir: string;
  /** Node name stamped on events; default os.hostname(). */
  node?: string;
  /** Journal fsync policy: 'lazy' (default, group fsync every 10 ms) or 'strict' (each reply waits for fsync). */
  fsync?: 'lazy' | 'strict';
  /** Emit events (default true); false only for the benchmark baseline. */
  events?: boolean;
  /** SHA-256 of written data in write events (default false). */
  contentHash?: boolean;
  /** Seconds the kernel caches attributes (default 1; 0 = every stat reaches the daemon). */
  attrTimeout?: number;
  /** Seconds the kernel caches name lookups (default 1; 0 = off). */
  entryTimeout?: number;
  /** Keep page cache across opens (default false: with hard links, another name of the same file could read stale pages). */
  kernelCache?: boolean;
  /** Files listed in `.vexfs/similar/<path>` (default 10, 1..1000). */
  similarK?: number;
  /** Largest xattr value in bytes (default 65536, 1..65536); larger → E2BIG. */
  xattrMaxValueBytes?: number;
  /** Builds the semantic hooks (the vector service) once the journal is open; default none. */
  hooks?: ((ctx: { log: EventLog; node: string; emitter: Emitter }) => SemanticHooks | Promise<SemanticHooks>) | null;
  /**
   * An event log and emitter owned by the caller (`vexfs up` runs mount, vector service and API in one
   * process, and one node must have one emitter: one seq and hash chain). runMount then neither opens
   * nor closes the log, and `openLog`/`fsync`/`node` are unused. Default: none (runMount owns the journal).
   */
  shared?: { log: EventLog; emitter: Emitter } | null;
  /** Opens the event log; default openJournal({dir: dataDir, fsync}) from src/log/journal. */
  openLog?: (dataDir: string, fsync: 'lazy' | 'strict') => Promise<EventLog>;
  /** Unmount on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Operational messages (default: one line on stderr). */
  log?: (msg: string) => void;
}

export type ResolvedRunMountOptions = Required<Omit<RunMountOptions, 'hooks' | 'openLog' | 'shared'>> & Pick<RunMountOptions, 'hooks' | 'openLog' | 'shared'>;

/** Defaults of every optional runMount option, in one place. */
export const RUN_MOUNT_DEFAULTS = Object.freeze({
  fsync: 'lazy' as const, events: true, contentHash: false, attrTimeout: 1, entryTimeout: 1, kernelCache: false,
  similarK: 10, xattrMaxValueBytes: 65536, handleSignals: true,
});

const KEYS = new Set(['backing', 'mountpoint', 'dataDir', 'node', 'fsync', 'events', 'contentHash', 'attrTimeout', 'entryTimeout',
  'kernelCache', 'similarK', 'xattrMaxValueBytes', 'hooks', 'openLog', 'shared', 'handleSignals', 'log']);

function bad(key: string, value: unknown, allowed: string): VexfsError {
  let shown: string;
  try { shown = typeof value === 'function' ? 'a function' : JSON.stringify(value) ?? String(value); } catch { shown = String(value); }
  return new VexfsError(ErrorCodes.CONFIG_INVALID, `mount option ${key} = ${shown} is invalid: expected ${allowed}`, { context: { key, value } });
}

/** Checks runMount options (unknown keys refused, each error names key, value and what is allowed) and fills defaults. */
export function resolveRunMountOptions(opts: RunMountOptions): Readonly<ResolvedRunMountOptions> {
  if (opts === null || typeof opts !== 'object') throw bad('options', opts, 'an object');
  for (const k of Object.keys(opts)) if (!KEYS.has(k)) throw bad(k, (opts as unknown as Record<string, unknown>)[k], `no such option (known: ${[...KEYS].join(', ')})`);
  for (const k of ['backing', 'mountpoint', 'dataDir'] as const) {
    if (typeof opts[k] !== 'string' || opts[k] === '') throw bad(k, opts[k], 'a non-empty path');
  }
  const r = { ...RUN_MOUNT_DEFAULTS, node: hostname(), log: (m: string) => process.stderr.write(`vexfs mount: ${m}\n`), ...stripUndefined(opts) };
  if (typeof r.node !== 'string' || r.node === '') throw bad('node', r.node, 'a non-empty string');
  if (r.fsync !== 'lazy' && r.fsync !== 'strict') throw bad('fsync', r.fsync, "'lazy' or 'strict'");
  for (const k of ['events', 'contentHash', 'kernelCache', 'handleSignals'] as const) if (typeof r[k] !== 'boolean') throw bad(k, r[k], 'true or false');
  for (const k of ['attrTimeout', 'entryTimeout'] as const) {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k]) || r[k] < 0 || r[k] > 3600) throw bad(k, r[k], 'seconds, 0..3600');
  }
  if (!Number.isInteger(r.similarK) || r.similarK < 1 || r.similarK > 1000) throw bad('similarK', r.similarK, 'an integer 1..1000');
  if (!Number.isInteger(r.xattrMaxValueBytes) || r.xattrMaxValueBytes < 1 || r.xattrMaxValueBytes > 65536) {
    throw bad('xattrMaxValueBytes', r.xattrMaxValueBytes, 'an integer 1..65536 (the kernel refuses larger values with E2BIG itself)');
  }
  if (r.hooks != null && typeof r.hooks !== 'function') throw bad('hooks', r.hooks, 'a factory function or null');
  if (r.openLog != null && typeof r.openLog !== 'function') throw bad('openLog', r.openLog, 'a function');
  if (r.shared != null && (typeof r.shared.emitter?.emit !== 'function' || typeof r.shared.log?.append !== 'function')) throw bad('shared', 'an object', '{ log: EventLog, emitter: Emitter } or null');
  if (typeof r.log !== 'function') throw bad('log', r.log, 'a function');
  return Object.freeze(r as ResolvedRunMountOptions);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
