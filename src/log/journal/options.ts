import { ErrorCodes, VexfsError } from '../../errors.js';

/** Where operational messages of the log adapters go; default: one line on stderr. */
export interface LogSink {
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
}

/** Default LogSink: `vexfs <component> <level>: message {context}` on stderr. */
export function stderrLog(component: string): LogSink {
  const line = (level: string, msg: string, ctx?: Record<string, unknown>) =>
    process.stderr.write(`vexfs ${component} ${level}: ${msg}${ctx && Object.keys(ctx).length ? ' ' + JSON.stringify(ctx) : ''}\n`);
  return { info: (m, c) => line('info', m, c), warn: (m, c) => line('warn', m, c) };
}

/** Retention of sealed journal segments (the active segment is never deleted). */
export interface RetentionOptions {
  /** Delete the oldest sealed segments while the journal is larger than this many bytes; 0 = no size limit (default 0). */
  maxBytes?: number;
  /** Delete sealed segments whose newest event is older than this; 0 = no age limit (default 0). */
  maxAgeMs?: number;
  /**
   * Only delete segments whose every event is at or below the shipped position (default true).
   * Keep it true whenever a shipper moves the journal to Kafka; set false in embedded mode
   * (no broker), where nothing is ever shipped.
   */
  shippedOnly?: boolean;
}

/** Options of openJournal. */
export interface JournalOptions {
  /** Directory of the segment files and the shipped-position file (created if missing). Required. */
  dir: string;
  /** 'lazy' (default): a background fdatasync every lazyIntervalMs; 'strict': callers await flush(), which groups the fsyncs of concurrent appenders. */
  fsync?: 'lazy' | 'strict';
  /** Group-commit interval of the lazy policy in ms (default 10). */
  lazyIntervalMs?: number;
  /** Roll to a new segment once the active one would exceed this many bytes (default 64 MiB, minimum 64 KiB). */
  segmentBytes?: number;
  /** Retention of sealed segments (default: keep everything). */
  retention?: RetentionOptions;
  /** Poll interval of a following reader when it sees no in-process append (ms, default 50). */
  followPollMs?: number;
  /**
   * Group the writes of deferred appends (default true; lazy policy only): an append made with
   * `defer` is staged and written together with the others of the same event-loop turn in one
   * write(2), and the caller acknowledges after `written()` resolves. Appends without `defer`
   * still return written. Used by the FUSE mount, whose replies wait for `written()`.
   */
  groupWrites?: boolean;
  /** Where torn tails, rolls and retention deletions are reported (default stderr). */
  log?: LogSink;
}

export type ResolvedJournalOptions = Required<Omit<JournalOptions, 'retention'>> & { retention: Required<RetentionOptions> };

/** Defaults of every journal option but `dir`, in one place. */
export const JOURNAL_DEFAULTS = Object.freeze({
  fsync: 'lazy' as const,
  lazyIntervalMs: 10,
  segmentBytes: 64 * 1024 * 1024,
  retention: Object.freeze({ maxBytes: 0, maxAgeMs: 0, shippedOnly: true }),
  followPollMs: 50,
  groupWrites: true,
});

export function configError(component: string, key: string, value: unknown, allowed: string): VexfsError {
  return new VexfsError(ErrorCodes.CONFIG_INVALID, `${component} option ${key} = ${show(value)} is invalid: expected ${allowed}`, { context: { key, value } });
}

function show(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

/** Refuses keys not in `allowed`, naming the first unknown one. */
export function refuseUnknown(component: string, prefix: string, obj: object, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw configError(component, prefix + k, (obj as Record<string, unknown>)[k], `one of the known keys (${allowed.join(', ')}); unknown keys are refused`);
  }
}

/** Integer option check: undefined → default; otherwise an integer in [min, max]. */
export function intOption(component: string, key: string, v: unknown, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw configError(component, key, v, `an integer from ${min} to ${max}`);
  return v;
}

/** Validates journal options once, applies the defaults and freezes the result. */
export function resolveJournalOptions(opts: JournalOptions): ResolvedJournalOptions {
  const C = 'journal';
  if (opts === null || typeof opts !== 'object') throw configError(C, '(options)', opts, 'an object with at least dir');
  refuseUnknown(C, '', opts, ['dir', 'fsync', 'lazyIntervalMs', 'segmentBytes', 'retention', 'followPollMs', 'groupWrites', 'log']);
  if (opts.groupWrites !== undefined && typeof opts.groupWrites !== 'boolean') throw configError(C, 'groupWrites', opts.groupWrites, 'true or false');
  if (typeof opts.dir !== 'string' || opts.dir.length === 0) throw configError(C, 'dir', opts.dir, 'a non-empty directory path');
  const fsync = opts.fsync ?? JOURNAL_DEFAULTS.fsync;
  if (fsync !== 'lazy' && fsync !== 'strict') throw configError(C, 'fsync', opts.fsync, "'lazy' or 'strict'");
  const r = opts.retention ?? {};
  if (r === null || typeof r !== 'object') throw configError(C, 'retention', r, 'an object {maxBytes, maxAgeMs, shippedOnly}');
  refuseUnknown(C, 'retention.', r, ['maxBytes', 'maxAgeMs', 'shippedOnly']);
  if (r.shippedOnly !== undefined && typeof r.shippedOnly !== 'boolean') throw configError(C, 'retention.shippedOnly', r.shippedOnly, 'true or false');
  const log = opts.log ?? stderrLog('journal');
  if (typeof log.info !== 'function' || typeof log.warn !== 'function') throw configError(C, 'log', opts.log, 'an object with info() and warn()');
  return Object.freeze({
    dir: opts.dir,
    fsync,
    lazyIntervalMs: intOption(C, 'lazyIntervalMs', opts.lazyIntervalMs, JOURNAL_DEFAULTS.lazyIntervalMs, 1, 10_000),
    segmentBytes: intOption(C, 'segmentBytes', opts.segmentBytes, JOURNAL_DEFAULTS.segmentBytes, 64 * 1024, 2 ** 31 - 1),
    retention: Object.freeze({
      maxBytes: intOption(C, 'retention.maxBytes', r.maxBytes, 0, 0),
      maxAgeMs: intOption(C, 'retention.maxAgeMs', r.maxAgeMs, 0, 0),
      shippedOnly: r.shippedOnly ?? true,
    }),
    followPollMs: intOption(C, 'followPollMs', opts.followPollMs, JOURNAL_DEFAULTS.followPollMs, 1, 60_000),
    groupWrites: opts.groupWrites ?? JOURNAL_DEFAULTS.groupWrites,
    log,
  });
}
