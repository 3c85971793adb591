/**
 * The audit entry points the CLI calls (`vexfs audit verify|history|ls|stat|cat|export`).
 * Each takes one options object naming its source: a journal directory, an exported file, or a
 * Kafka range. They return data; printing and exit codes are the CLI's (verify: exit non-zero
 * when `report.ok` is false).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, VexfsError } from '../errors.js';
import { decodeBatches } from '../replay/decode-batches.js';
import { journalBytes, journalEvents, readKafkaRangeBytes, readKafkaRangeEvents, type KafkaRangeOptions } from '../replay/sources.js';
import { LAST_CHECKPOINT_FILE, type CheckpointRecord } from './checkpointer.js';
import { readContainer } from './container-file.js';
import { verifyJournal } from './parallel-verify.js';
import { exportEvents, verifyExport, type ExportManifest } from './export.js';
import { catAt, history, lsAt, statAt, toMicros, type ContentProof, type EventSource, type HistoryRecord, type LsEntry } from './queries.js';
import { loadOrCreateSigningKey, PUBLIC_KEY_FILE, readPublicKey } from './signing-key.js';
import { verify, type Anchor, type VerifyOptions, type VerifyReport } from './verify.js';

export { attachCheckpointer, type CheckpointerOptions, type CheckpointingEmitter } from './checkpointer.js';
export { verify, type AuditReason, type AuditFinding, type VerifyReport, type VerifyOptions } from './verify.js';
export { exportEvents, verifyExport, type ExportManifest } from './export.js';
export { history, lsAt, statAt, catAt, toMicros } from './queries.js';

/** Where audit commands read events: exactly one of these. */
export interface AuditSource {
  /** A journal directory (read-only; works beside a running node). */
  journalDir?: string;
  /** An exported Avro container file (with its manifest beside it). */
  file?: string;
  /** A Kafka range (topics, start offset or time); merged per node by seq. */
  kafka?: KafkaRangeOptions;
}

function oneSource(o: AuditSource): void {
  const n = [o.journalDir, o.file, o.kafka].filter((x) => x !== undefined).length;
  if (n !== 1) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `give exactly one source: journalDir, file or kafka (got ${n})`);
}

/** A re-readable decoded source for the queries. */
export function eventSource(o: AuditSource): EventSource {
  oneSource(o);
  if (o.journalDir) { const d = o.journalDir; return () => journalEvents(d); }
  if (o.file) { const f = o.file; return () => decodeBatches(readContainer(f, { batchSize: 4096 })); }
  const k = o.kafka!;
  return () => (async function* () { const r = await readKafkaRangeEvents(k); yield* r.batches(); })();
}

/** Options of `runAuditVerify`. */
export interface AuditVerifyOptions extends AuditSource {
  /** Export manifest (file source); default `<file>.manifest.json`. */
  manifest?: string;
  /** Data directory holding the node's key: its public key is trusted and last-checkpoint.json is an anchor. */
  keyDir?: string;
  /** More trusted public keys: .pub PEM files or key directories. */
  publicKeys?: string[];
  /** 'genesis' (default for a journal or a Kafka range from the start) or 'any' (a range starting mid-log). */
  start?: 'genesis' | 'any';
  onProgress?: VerifyOptions['onProgress'];
  /** Hashing worker threads (default 0 = inline). */
  workers?: number;
  /** Threads verifying a journal's segments (default 2 when the machine has 2+ CPUs and the journal 512 MiB or more of segments; 1 = one pass). */
  threads?: number;
}

/** `vexfs audit verify`: the report names the first bad position and its reason; exit non-zero when !ok. */
export async function runAuditVerify(o: AuditVerifyOptions): Promise<VerifyReport> {
  oneSource(o);
  const trustedKeys: Buffer[] = [];
  const anchors: Anchor[] = [];
  if (o.keyDir) {
    if (existsSync(join(o.keyDir, PUBLIC_KEY_FILE))) trustedKeys.push(readPublicKey(o.keyDir));
    const anchorFile = join(o.keyDir, LAST_CHECKPOINT_FILE);
    if (existsSync(anchorFile)) {
      const a = JSON.parse(readFileSync(anchorFile, 'utf8')) as CheckpointRecord;
      // the log must reach the newest checkpoint, and the event it signs must have the signed hash
      anchors.push({ node: a.node, seq: a.eventSeq }, { node: a.node, seq: a.checkpointSeq, hash: a.checkpointHash });
    }
  }
  for (const p of o.publicKeys ?? []) trustedKeys.push(readPublicKey(p));
  const base: VerifyOptions = { ...(trustedKeys.length ? { trustedKeys } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.workers !== undefined ? { workers: o.workers } : {}) };
  if (o.file) return verifyExport(o.file, { ...base, ...(o.manifest ? { manifest: o.manifest } : {}) });
  // two threads on a journal of several segments (the same report as one pass; see parallel-verify.ts)
  if (o.journalDir) return verifyJournal(o.journalDir, { ...base, anchors, start: o.start ?? 'genesis', ...(o.threads !== undefined ? { threads: o.threads } : {}) });
  const k = o.kafka!;
  const range = await readKafkaRangeBytes(k);
  const midLog = k.fromOffset !== undefined || k.fromTimeMs !== undefined;
  return verify(range.batches(), { ...base, start: o.start ?? (midLog ? 'any' : 'genesis') });
}

/** `vexfs audit history <path>`: every operation on the path and its other names. */
export async function runAuditHistory(o: AuditSource & { path: string; mutatingOnly?: boolean; until?: string | number }): Promise<HistoryRecord[]> {
  return history(eventSource(o), o.path, { ...(o.mutatingOnly !== undefined ? { mutatingOnly: o.mutatingOnly } : {}), ...(o.until !== undefined ? { until: toMicros(o.until) } : {}) });
}

/** `vexfs audit ls --at <time> <dir>`. `at`: ISO-8601 or µs since the epoch; default now. */
export async function runAuditLs(o: AuditSource & { dir: string; at?: string | number }): Promise<LsEntry[]> {
  return lsAt(eventSource(o), o.dir, o.at === undefined ? Number.MAX_SAFE_INTEGER : toMicros(o.at));
}

/** `vexfs audit stat --at <time> <path>`. */
export async function runAuditStat(o: AuditSource & { path: string; at?: string | number }): ReturnType<typeof statAt> {
  return statAt(eventSource(o), o.path, o.at === undefined ? Number.MAX_SAFE_INTEGER : toMicros(o.at));
}

/** `vexfs audit cat --at <time> <path> [--content <file>]`: which bytes the events prove, checked against a candidate. */
export async function runAuditCat(o: AuditSource & { path: string; at?: string | number; contentFile?: string }): Promise<ContentProof> {
  const content = o.contentFile ? readFileSync(o.contentFile) : undefined;
  return catAt(eventSource(o), o.path, o.at === undefined ? Number.MAX_SAFE_INTEGER : toMicros(o.at), content);
}

/** `vexfs audit export --from --to --out <file>`: seq numbers or times (ISO / µs) bound the range. */
export async function runAuditExport(o: AuditSource & { out: string; manifest?: string; fromSeq?: number; toSeq?: number; from?: string | number; to?: string | number; nodes?: string[]; keyDir?: string; extendToCheckpoint?: boolean }): Promise<ExportManifest> {
  if (o.file) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, 'export reads a journal or a Kafka range, not an exported file');
  oneSource(o);
  const src = o.journalDir ? journalBytes(o.journalDir) : (await readKafkaRangeBytes(o.kafka!)).batches();
  return exportEvents(src, {
    file: o.out,
    ...(o.manifest ? { manifest: o.manifest } : {}),
    ...(o.fromSeq !== undefined ? { fromSeq: o.fromSeq } : {}), ...(o.toSeq !== undefined ? { toSeq: o.toSeq } : {}),
    ...(o.from !== undefined ? { fromTs: toMicros(o.from) } : {}), ...(o.to !== undefined ? { toTs: toMicros(o.to) } : {}),
    ...(o.nodes ? { nodes: o.nodes } : {}),
    ...(o.keyDir ? { key: loadOrCreateSigningKey(o.keyDir) } : {}),
    ...(o.extendToCheckpoint !== undefined ? { extendToCheckpoint: o.extendToCheckpoint } : {}),
  });
}
