import { createHash, hash as oneShotHash } from 'node:crypto';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import type { SystemPayload } from '../events/types.js';
import { newHead, scanHead } from './event-bytes.js';
import { verifyCheckpointSignature } from './signing-key.js';
import { createHashPool, type HashPool } from './hash-pool.js';
import { availableParallelism } from 'node:os';
import { nativeFirstBad, nativeFirstBadIn } from './batch-hash.js';
import { RECORD_STRIDE } from './container-file.js';
import { ErrorCodes, VexfsError } from '../errors.js';

/** Why a log failed verification. */
export type AuditReason =
  /** a seq is missing (the events after it are not the missing one) */
  | 'gap'
  /** the stored hash is not SHA-256 of the event's bytes: the event was edited */
  | 'hash_mismatch'
  /** prevHash is not the previous event's hash: an event before it was replaced, or the chain was spliced */
  | 'chain_broken'
  /** events appear out of seq order (the missing seq follows shortly) */
  | 'reordered'
  /** the same event (same seq and hash) appears twice */
  | 'duplicate'
  /** a checkpoint's Ed25519 signature does not verify */
  | 'bad_signature'
  /** a checkpoint names a hash that is not the hash of the event at its seq */
  | 'checkpoint_mismatch'
  /** a checkpoint is signed by a key the auditor does not trust */
  | 'untrusted_key'
  /** the log ends early: a partial record, or fewer events than an anchor/manifest says */
  | 'truncated'
  /** bytes that are not a VexFS event */
  | 'malformed'
  /** the first event of a node is not seq 1 with a zero prevHash (or not the expected start) */
  | 'bad_start'
  /** an exported file's SHA-256 or counts differ from its manifest */
  | 'manifest_mismatch';

/** The first bad position found. */
export interface AuditFinding {
  reason: AuditReason;
  /** 0-based index of the event in the stream */
  position: number;
  node: string;
  seq: number;
  message: string;
  /** where the source says the event is (file offset, kafka topic/partition/offset), when it knows */
  location?: string;
}

/** Per-node summary of a verified stream. */
export interface NodeSummary {
  firstSeq: number;
  lastSeq: number;
  firstPrevHash: string;
  lastHash: string;
  events: number;
  checkpoints: number;
  /** seq covered by the newest valid checkpoint (0 = none) */
  lastCheckpointSeq: number;
  /** events after the newest checkpoint: protected by the chain but by no signature */
  unsignedTail: number;
  /** raw public keys (hex) that signed this node's checkpoints */
  keys: string[];
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  bytes: number;
  nodes: Record<string, NodeSummary>;
  checkpoints: number;
  finding: AuditFinding | null;
  elapsedMs: number;
  eventsPerSecond: number;
  /** with VerifyOptions.warmup: the counts right after the warm-up events */
  warm?: WarmCounts;
}

/** One event's bytes, as any log adapter yields them (LoggedEvent fits). */
export interface EventBytes {
  bytes: Buffer;
  /** optional source location, reported in findings (or `source` + `offset`, joined only when reported) */
  location?: string;
  source?: string;
  offset?: number;
  /** set by a file reader that found a partial or broken block where this event should be */
  error?: { reason: 'truncated' | 'malformed'; message: string };
}

/**
 * A batch of records without a Buffer or an object per record (readContainerRecords): views
 * into one read chunk, located by `offs` (RECORD_STRIDE Int32s per record: block start, record
 * start, record end, record index in a multi-record block or -1).
 */
export interface RecordBatch {
  buf: Buffer;
  offs: Int32Array;
  count: number;
  source: string;
  /** file offset of buf[0] */
  bufAt: number;
  /** a damaged or partial block after the `count` records */
  error?: EventBytes;
}

function isRecordBatch(x: unknown): x is RecordBatch {
  return (x as RecordBatch).offs instanceof Int32Array;
}

/** Record `i` of a RecordBatch as an EventBytes (for findings and the worker pool). */
export function recordItem(r: RecordBatch, i: number): EventBytes {
  const k = i * RECORD_STRIDE;
  const offset = r.bufAt + r.offs[k]!;
  const rec = r.offs[k + 3]!;
  return { bytes: r.buf.subarray(r.offs[k + 1]!, r.offs[k + 2]!), source: r.source, offset, ...(rec >= 0 ? { location: `${r.source} offset ${offset} record ${rec}` } : {}) };
}

function recordItems(r: RecordBatch): EventBytes[] {
  const out: EventBytes[] = [];
  for (let i = 0; i < r.count; i++) out.push(recordItem(r, i));
  if (r.error) out.push(r.error);
  return out;
}

const NO_ITEMS: ReadonlyArray<EventBytes> = [];
const NO_OFFS = new Int32Array(0);

/** Where a node's chain is expected to start when the stream does not begin at seq 1. */
export interface ChainStart {
  seq: number;
  /** hex prevHash of the event at `seq` */
  prevHash: string;
}

/** A checkpoint or a last-known position the log must reach (from last-checkpoint.json or a manifest). */
export interface Anchor {
  node: string;
  /** the log must contain this node up to at least this seq */
  seq: number;
  /** hex hash the event at `seq` must have, when known */
  hash?: string;
}

/** Options of `verify`. */
export interface VerifyOptions {
  /** Raw Ed25519 public keys the auditor trusts. Default: trust the first key seen per node and refuse any other. */
  trustedKeys?: Buffer[];
  /** 'genesis' (default): each node must start at seq 1 with a zero prevHash; 'any': trust the first event seen;
   *  or per-node expected starts (an export's manifest). */
  start?: 'genesis' | 'any' | Record<string, ChainStart>;
  /** Positions the log must reach; a shorter log is reported as truncated. Default none. */
  anchors?: Anchor[];
  /** Events to look ahead to tell a reorder from a gap; default 1024. */
  reorderWindow?: number;
  /** Called about every `progressEvery` events and at the end. */
  onProgress?: (p: { events: number; bytes: number }) => void;
  /** Default 100000. */
  progressEvery?: number;
  /** Worker threads recomputing hashes beside the main loop once a stream passes `workersAfter` events; default 0 (inline: on a busy 2-core machine the workers measured slower, see docs/benchmarks/replay.md). */
  workers?: number;
  /** Events verified inline before the workers start (their start-up costs ~50 ms); default 16384. */
  workersAfter?: number;
  /** How the main loop recomputes hashes: 'native' (one call per batch into the src/audit/native addon),
   *  'node' (node:crypto per event), or 'auto' (default: native when the addon is built). */
  hashing?: 'auto' | 'native' | 'node';
  codec?: EventCodec;
  /** Internal (verifyJournal's second thread): the first `warmup` events are the tail of the range
   *  before this one, re-verified to seed the chain; the report's `warm` holds the counts after them. */
  warmup?: number;
}

/** Counts after the warm-up events (VerifyOptions.warmup). */
export interface WarmCounts { events: number; bytes: number; checkpoints: number; nodes: Record<string, { events: number; checkpoints: number }> }

// A few recent hashes per node, to check a checkpoint that does not cover the event right before it.
const RING = 64;

interface NodeState {
  name: string;
  nameBytes: Buffer;
  summary: NodeSummary;
  expected: number;
  lastHashBuf: Buffer;
  lastHashAt: number;
  ringSeq: Float64Array;
  ringBuf: Buffer[];
  ringAt: Int32Array;
  key: string | null;
}

interface Pending {
  finding: AuditFinding;
  nodeState: NodeState;
  missing: number;
  remaining: number;
}

/**
 * Verifies a stream of encoded events: per-node seq gap-free from the start, every hash recomputed,
 * every prevHash linked to the previous hash, every checkpoint's signature valid and its hash equal
 * to the hash of the event it names. Stops at the FIRST bad position and reports why.
 */
export async function verify(source: AsyncIterable<ReadonlyArray<EventBytes> | RecordBatch> | Iterable<ReadonlyArray<EventBytes> | RecordBatch>, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const t0 = performance.now();
  const codec = opts.codec ?? createEventCodec();
  const trusted = opts.trustedKeys ? new Set(opts.trustedKeys.map((k) => k.toString('hex'))) : null;
  const start = opts.start ?? 'genesis';
  const window = opts.reorderWindow ?? 1024;
  const progressEvery = opts.progressEvery ?? 100000;
  const nodes = new Map<string, NodeState>();
  const h = newHead();
  let events = 0;
  let bytes = 0;
  let checkpoints = 0;
  let nextProgress = progressEvery;
  let finding: AuditFinding | null = null;
  let pending: Pending | null = null;
  let cur: NodeState | null = null;
  const warmup = opts.warmup ?? -1;
  let warm: WarmCounts | undefined;
  const snapshot = () => {
    const ns: WarmCounts['nodes'] = {};
    for (const st of nodes.values()) ns[st.name] = { events: st.summary.events, checkpoints: st.summary.checkpoints };
    warm = { events, bytes, checkpoints, nodes: ns };
  };

  const workers = Math.max(0, Math.min(opts.workers ?? 0, availableParallelism()));
  const hashing = opts.hashing ?? 'auto';
  const firstBad = hashing === 'node' ? null : nativeFirstBad();
  const firstBadIn = hashing === 'node' ? null : nativeFirstBadIn();
  if (hashing === 'native' && !firstBad) throw new VexfsError(ErrorCodes.CONFIG_INVALID, 'verify option hashing = native, but the native hash addon (src/audit/native) is not built: run npm install with a C compiler, or use hashing auto/node', { context: { key: 'hashing' } });
  // the native check runs once per batch: index of the first record whose stored hash is wrong (-1: none)
  let badAt = -1;
  let pool: HashPool | null = null;
  let poolStarting: Promise<HashPool> | null = null;
  // batches handed to the pool, oldest first, with the stream position of their first event
  const inFlight: { start: number; items: ReadonlyArray<EventBytes>; bad: Promise<number> }[] = [];
  let hashFinding: { position: number; item: EventBytes } | null = null;
  const settleOldest = async (): Promise<boolean> => {
    const f = inFlight.shift()!;
    const bad = await f.bad;
    // an item the reader marked damaged is reported by the main loop as truncated/malformed, not as an edit
    if (bad >= 0 && !hashFinding && !f.items[bad]!.error) hashFinding = { position: f.start + bad, item: f.items[bad]! };
    return bad >= 0;
  };
  let batchStart = 0;
  let batchPooled = false;
  let batchRef: ReadonlyArray<EventBytes> = [];
  let batchIdx = 0;
  let batchSubmitted = true;
  const submit = (items: ReadonlyArray<EventBytes>) => {
    inFlight.push({ start: batchStart, items, bad: pool!.check(items.map((x) => x.bytes)) });
  };

  const fail = (reason: AuditReason, node: string, seq: number, message: string, item?: EventBytes): void => {
    const location = item ? locationOf(item) : undefined;
    finding = { reason, position: events, node, seq, message, ...(location ? { location } : {}) };
  };

  outer: for await (const raw of source as AsyncIterable<ReadonlyArray<EventBytes> | RecordBatch>) {
    if (workers > 0 && !pool && events >= (opts.workersAfter ?? 16384)) {
      poolStarting ??= createHashPool(workers);
      pool = await poolStarting;
    }
    let recs = isRecordBatch(raw) ? raw : null;
    const n = recs ? recs.count + (recs.error ? 1 : 0) : (raw as ReadonlyArray<EventBytes>).length;
    batchStart = events; batchPooled = pool !== null && n >= 256; batchSubmitted = !batchPooled;
    let batch: ReadonlyArray<EventBytes> = NO_ITEMS;
    if (recs && batchPooled) { batch = recordItems(recs); recs = null; } else if (!recs) batch = raw as ReadonlyArray<EventBytes>;
    batchRef = batch;
    const offs = recs ? recs.offs : NO_OFFS;
    const at = (j: number): EventBytes => (recs ? (j === recs.count ? recs.error! : recordItem(recs, j)) : batch[j]!);
    const nativeBatch = !batchPooled && firstBad !== null;
    if (nativeBatch) {
      if (recs) badAt = firstBadIn!(recs.buf, recs.offs, recs.count);
      else {
        const records = new Array<Uint8Array>(batch.length);
        for (let i = 0; i < batch.length; i++) records[i] = batch[i]!.bytes;
        badAt = firstBad(records);
      }
    }
    for (let i = 0; i < n; i++) {
      batchIdx = i;
      let b: Buffer, rs: number, re: number, err: EventBytes['error'];
      if (recs) {
        if (i === recs.count) { b = recs.error!.bytes; rs = 0; re = b.length; err = recs.error!.error; } else { b = recs.buf; const k = i * RECORD_STRIDE; rs = offs[k + 1]!; re = offs[k + 2]!; err = undefined; }
      } else {
        const item = batch[i]!;
        b = item.bytes; rs = 0; re = b.length; err = item.error;
      }
      if (pending) {
        // only looking for the missing seq now, to name the first finding gap or reorder
        if (scanHead(b, h, rs, re) && sameNode(b, h, pending.nodeState) && h.seq === pending.missing) {
          pending.finding.reason = 'reordered';
          pending.finding.message = `seq ${pending.finding.seq} appears before seq ${pending.missing}, which follows ${events - pending.finding.position} event(s) later`;
          break outer;
        }
        events++;
        if (--pending.remaining <= 0) break outer;
        continue;
      }
      if (events === warmup && !warm) snapshot();
      if (err) {
        fail(err.reason, cur?.name ?? '', cur ? cur.expected : 0, err.message, at(i));
        break outer;
      }
      if (!scanHead(b, h, rs, re)) {
        const len = re - rs;
        const partial = len < 70;
        fail(partial ? 'truncated' : 'malformed', cur?.name ?? '', cur ? cur.expected : 0, partial ? `partial record of ${len} bytes` : `record of ${len} bytes is not a VexFS event envelope`, at(i));
        break outer;
      }
      if (!cur || !sameNode(b, h, cur)) cur = nodeOf(nodes, b, h);
      const st = cur;
      const bodyEnd = re - 32;
      if (nativeBatch ? i === badAt : !batchPooled && !equal32(sha256(b.subarray(rs, bodyEnd)), b, bodyEnd)) {
        fail('hash_mismatch', st.name, h.seq, `stored hash of seq ${h.seq} is not the SHA-256 of its bytes: the event was edited`, at(i));
        break outer;
      }
      const s = st.summary;
      if (s.events === 0 && st.expected === 0) {
        const exp = start === 'genesis' ? { seq: 1, prevHash: null as string | null } : start === 'any' ? null : start[st.name] ? { seq: start[st.name]!.seq, prevHash: start[st.name]!.prevHash } : { seq: 1, prevHash: null };
        if (exp && (h.seq !== exp.seq || !(exp.prevHash === null ? isZero(b, h.prevHashAt) : b.toString('hex', h.prevHashAt, h.prevHashAt + 32) === exp.prevHash))) {
          if (h.seq > exp.seq) {
            fail('gap', st.name, h.seq, `node ${st.name} starts at seq ${h.seq}; expected seq ${exp.seq}`, at(i));
            pending = { finding: finding!, nodeState: st, missing: exp.seq, remaining: window };
            finding = null;
            events++;
            continue;
          }
          fail('bad_start', st.name, h.seq, `node ${st.name} starts at seq ${h.seq} with prevHash ${b.toString('hex', h.prevHashAt, h.prevHashAt + 32).slice(0, 16)}…; expected seq ${exp.seq} with ${exp.prevHash ? 'prevHash ' + exp.prevHash.slice(0, 16) + '…' : 'a zero prevHash'}`, at(i));
          break outer;
        }
        s.firstSeq = h.seq;
        s.firstPrevHash = b.toString('hex', h.prevHashAt, h.prevHashAt + 32);
      } else if (h.seq !== st.expected) {
        if (h.seq > st.expected) {
          fail('gap', st.name, h.seq, `seq ${st.expected} of node ${st.name} is missing (next is ${h.seq})`, at(i));
          pending = { finding: finding!, nodeState: st, missing: st.expected, remaining: window };
          finding = null;
          events++;
          continue;
        }
        const r = ringFind(st, h.seq);
        if (r >= 0 && eq32(st.ringBuf[r]!, st.ringAt[r]!, b, bodyEnd)) {
          fail('duplicate', st.name, h.seq, `seq ${h.seq} of node ${st.name} appears again (expected seq ${st.expected})`, at(i));
        } else {
          fail('reordered', st.name, h.seq, `seq ${h.seq} of node ${st.name} appears after seq ${st.expected - 1}`, at(i));
        }
        break outer;
      } else if (!eq32(st.lastHashBuf, st.lastHashAt, b, h.prevHashAt)) {
        fail('chain_broken', st.name, h.seq, `prevHash of seq ${h.seq} is not the hash of seq ${h.seq - 1}: seq ${h.seq - 1} was replaced or the chain was spliced`, at(i));
        break outer;
      }
      if (h.kind === 3 && isCheckpointOp(b, h.opStart, h.opEnd)) {
        const bad = checkCheckpoint(codec, b.subarray(rs, re), st, h.seq, trusted, warmup >= 0 && events >= warmup);
        if (bad) { fail(bad[0], st.name, h.seq, bad[1], at(i)); break outer; }
        checkpoints++;
      }
      st.expected = h.seq + 1;
      s.lastSeq = h.seq;
      s.events++;
      st.lastHashBuf = b;
      st.lastHashAt = bodyEnd;
      const slot = h.seq % RING;
      st.ringSeq[slot] = h.seq; st.ringBuf[slot] = b; st.ringAt[slot] = bodyEnd;
      events++;
      bytes += re - rs;
      if (opts.onProgress && events >= nextProgress) { nextProgress += progressEvery; opts.onProgress({ events, bytes }); }
    }
    if (batchPooled) {
      submit(batch);
      batchSubmitted = true;
      // bounded: at most 4 batches hashing; an edit found in the oldest ends the scan there
      if (inFlight.length > 4 && (await settleOldest())) break outer;
    }
  }
  if (batchPooled && !batchSubmitted) { submit(batchRef.slice(0, batchIdx + 1)); batchSubmitted = true; }
  while (inFlight.length) await settleOldest();
  await pool?.close();
  if (pending) finding = pending.finding;
  if (hashFinding) {
    const { position, item } = hashFinding as { position: number; item: EventBytes };
    const f = finding as AuditFinding | null;
    // the main loop checks a record's envelope before its hash: at the same position a malformed record wins
    if (!f || position < f.position || (position === f.position && f.reason !== 'truncated' && f.reason !== 'malformed')) {
      const hh = newHead();
      scanHead(item.bytes, hh);
      const seq = hh.seq;
      const loc = locationOf(item);
      finding = { reason: 'hash_mismatch', position, node: item.bytes.toString('utf8', hh.nodeStart, hh.nodeEnd), seq, message: `stored hash of seq ${seq} is not the SHA-256 of its bytes: the event was edited`, ...(loc ? { location: loc } : {}) };
      events = position;
    }
  }
  if (!finding && opts.anchors) {
    for (const a of opts.anchors) {
      const st = nodes.get(a.node);
      const last = st?.summary.lastSeq ?? 0;
      if (last < a.seq) { finding = { reason: 'truncated', position: events, node: a.node, seq: last + 1, message: `node ${a.node} ends at seq ${last}, but an anchor records seq ${a.seq}: the tail was cut` }; break; }
      if (a.hash && st) {
        const r = ringFind(st, a.seq);
        if (r >= 0 && st.ringBuf[r]!.toString('hex', st.ringAt[r]!, st.ringAt[r]! + 32) !== a.hash) {
          finding = { reason: 'checkpoint_mismatch', position: events, node: a.node, seq: a.seq, message: `hash of seq ${a.seq} differs from the anchor's` }; break;
        }
      }
    }
  }
  const summaries: Record<string, NodeSummary> = {};
  for (const st of nodes.values()) {
    st.summary.lastHash = st.summary.events ? st.lastHashBuf.toString('hex', st.lastHashAt, st.lastHashAt + 32) : '';
    st.summary.unsignedTail = st.summary.lastCheckpointSeq ? st.summary.lastSeq - st.summary.lastCheckpointSeq - 1 : st.summary.events;
    if (st.summary.unsignedTail < 0) st.summary.unsignedTail = 0;
    summaries[st.name] = st.summary;
  }
  opts.onProgress?.({ events, bytes });
  if (events === warmup && !warm) snapshot();
  const elapsedMs = performance.now() - t0;
  return { ok: finding === null, events, bytes, nodes: summaries, checkpoints, finding, elapsedMs, eventsPerSecond: elapsedMs > 0 ? events / (elapsedMs / 1000) : 0, ...(warm ? { warm } : {}) };
}

function checkCheckpoint(codec: EventCodec, b: Buffer, st: NodeState, seq: number, trusted: Set<string> | null, afterWarmup = false): [AuditReason, string] | null {
  let p: SystemPayload;
  try { p = codec.decode(b).event.payload as SystemPayload; } catch (err) { return ['malformed', `checkpoint seq ${seq} does not decode: ${(err as Error).message}`]; }
  if (p.type !== 'checkpoint') return null;
  if (!p.checkpointHash || !p.signature || !p.publicKey) return ['bad_signature', `checkpoint seq ${seq} lacks its hash, signature or public key`];
  const keyHex = p.publicKey.toString('hex');
  if (trusted ? !trusted.has(keyHex) : st.key !== null && st.key !== keyHex) {
    return ['untrusted_key', `checkpoint seq ${seq} is signed by key ${keyHex.slice(0, 16)}…, which is not ${trusted ? 'a trusted key' : 'the key of the earlier checkpoints'}`];
  }
  if (!verifyCheckpointSignature(p.publicKey, st.name, p.checkpointSeq, p.checkpointHash, p.signature)) {
    return ['bad_signature', `signature of checkpoint seq ${seq} (covering seq ${p.checkpointSeq}) does not verify`];
  }
  const r = ringFind(st, p.checkpointSeq);
  // A checkpoint covering an event before the stream's start (an export of a range) is checked by signature only.
  // After a warm-up (verifyJournal's second thread) the ring holds what the whole-log pass would hold: no leniency.
  if (p.checkpointSeq >= seq || (r < 0 && (afterWarmup || p.checkpointSeq >= st.summary.firstSeq))) {
    return ['checkpoint_mismatch', `checkpoint seq ${seq} covers seq ${p.checkpointSeq}, which is not one of the ${RING} events before it`];
  }
  if (r >= 0 && st.ringBuf[r]!.compare(p.checkpointHash, 0, 32, st.ringAt[r]!, st.ringAt[r]! + 32) !== 0) {
    return ['checkpoint_mismatch', `checkpoint seq ${seq} signs hash ${p.checkpointHash.toString('hex').slice(0, 16)}… for seq ${p.checkpointSeq}, but that event's hash differs`];
  }
  st.key = keyHex;
  if (!st.summary.keys.includes(keyHex)) st.summary.keys.push(keyHex);
  st.summary.checkpoints++;
  st.summary.lastCheckpointSeq = p.checkpointSeq;
  return null;
}

const CHECKPOINT = Buffer.from('checkpoint');

function isCheckpointOp(b: Buffer, s: number, e: number): boolean {
  return e - s === CHECKPOINT.length && b.compare(CHECKPOINT, 0, CHECKPOINT.length, s, e) === 0;
}

/** Where an item came from, as text. */
export function locationOf(item: EventBytes): string | undefined {
  if (item.location) return item.location;
  if (item.offset === undefined) return item.source;
  return `${item.source ? item.source + ' ' : ''}offset ${item.offset}`;
}

// Byte loops instead of Buffer#compare: for a few bytes the native call costs more than the work.
function sameNode(b: Buffer, h: { nodeStart: number; nodeEnd: number }, st: NodeState): boolean {
  const n = st.nameBytes;
  if (h.nodeEnd - h.nodeStart !== n.length) return false;
  for (let i = 0; i < n.length; i++) if (b[h.nodeStart + i] !== n[i]) return false;
  return true;
}

function eq32(a: Buffer, ai: number, b: Buffer, bi: number): boolean {
  for (let i = 0; i < 32; i++) if (a[ai + i] !== b[bi + i]) return false;
  return true;
}

function nodeOf(nodes: Map<string, NodeState>, b: Buffer, h: { nodeStart: number; nodeEnd: number }): NodeState {
  const name = b.toString('utf8', h.nodeStart, h.nodeEnd);
  let st = nodes.get(name);
  if (!st) {
    st = {
      name, nameBytes: Buffer.from(name, 'utf8'), expected: 0, lastHashBuf: Buffer.alloc(32), lastHashAt: 0,
      ringSeq: new Float64Array(RING).fill(-1), ringBuf: new Array<Buffer>(RING), ringAt: new Int32Array(RING), key: null,
      summary: { firstSeq: 0, lastSeq: 0, firstPrevHash: '', lastHash: '', events: 0, checkpoints: 0, lastCheckpointSeq: 0, unsignedTail: 0, keys: [] },
    };
    nodes.set(name, st);
  }
  return st;
}

function ringFind(st: NodeState, seq: number): number {
  const slot = seq % RING;
  return st.ringSeq[slot] === seq ? slot : -1;
}

function equal32(a: Uint8Array, b: Buffer, at: number): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

function isZero(b: Buffer, at: number): boolean {
  for (let i = 0; i < 32; i++) if (b[at + i] !== 0) return false;
  return true;
}

// crypto.hash (one-shot, Node >= 20.12) skips the Hash object. hash-wasm (WASM SHA-256) measured slower in the verify loop here.
const sha256: (b: Buffer) => Buffer = typeof oneShotHash === 'function'
  ? (b) => oneShotHash('sha256', b, 'buffer') as unknown as Buffer
  : (b) => createHash('sha256').update(b).digest();
