import { Kafka, logLevel, type Admin } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, VexfsError } from '../errors.js';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import type { LoggedEvent } from '../log/event-log.js';
import { readJournal } from '../log/journal/index.js';
import { listSegments } from '../log/journal/segment.js';
import { readContainer, readContainerRecords } from '../audit/container-file.js';
import { newHead, scanHead } from '../audit/event-bytes.js';
import type { EventBytes, RecordBatch } from '../audit/verify.js';
import { decodeBatches } from './decode-batches.js';

/**
 * Where replays, verification and exports read events: a journal directory (read without
 * opening it for writing, so it works beside a running node) or a Kafka topic range.
 */

/**
 * Decoded events of a journal directory from `fromSeq` (default 1), in seq order, through the
 * journal's own reader (it checks every block and seq continuity; damage throws
 * VEXFS_JOURNAL_CORRUPT naming file and offset). It measured faster for replay than
 * `journalEventsRaw` here.
 */
export function journalEvents(dir: string, opts: { fromSeq?: number; batchSize?: number; codec?: EventCodec } = {}): AsyncIterable<LoggedEvent[]> {
  return readJournal(dir, { from: opts.fromSeq ?? 1, batchSize: opts.batchSize ?? 4096, ...(opts.codec ? { codec: opts.codec } : {}) });
}

/** Decoded events read with the raw container reader (no per-block checks; damage throws VEXFS_AUDIT_FAILED). */
export async function* journalEventsRaw(dir: string, opts: { fromSeq?: number; batchSize?: number; codec?: EventCodec } = {}): AsyncGenerator<LoggedEvent[]> {
  const from = opts.fromSeq ?? 1;
  const segs = listSegments(dir);
  // skip whole segments before `from` (each file is named after its first seq)
  let first = 0;
  for (let i = 0; i < segs.length; i++) if (segs[i]!.firstSeq <= from) first = i;
  for (const s of segs.slice(first)) {
    for await (const batch of decodeBatches(readContainer(s.path, { batchSize: opts.batchSize ?? 4096, source: s.file }), opts.codec)) {
      if (batch.length && batch[0]!.event.seq < from) { const kept = batch.filter((e) => e.event.seq >= from); if (kept.length) yield kept; continue; }
      yield batch;
    }
  }
}

/**
 * The raw event bytes of every journal segment, oldest first, without decoding and without the
 * journal reader's own consistency checks: the verifier must see a damaged journal as it is and
 * name the damage, not stop at the reader's first complaint.
 */
export async function* journalBytes(dir: string, opts: { batchSize?: number } = {}): AsyncGenerator<EventBytes[]> {
  const segs = listSegments(dir);
  if (segs.length === 0) throw new VexfsError(ErrorCodes.NOT_FOUND, `no journal segments in ${dir}`, { context: { dir } });
  for (const s of segs) {
    yield* readContainer(s.path, { batchSize: opts.batchSize ?? 4096, source: s.file });
  }
}

/**
 * The same records as `journalBytes`, as RecordBatches (one read chunk + record offsets, no object
 * per event): what `audit verify` and `replay` read a journal with. `fromSeq` skips whole segments
 * before it (replay filters the rest); `tolerateTail` ends the read quietly at a partial block at
 * the end of the newest segment (a node still appending), as the journal reader does.
 */
export async function* journalRecords(dir: string, opts: { batchSize?: number; fromSeq?: number; tolerateTail?: boolean } = {}): AsyncGenerator<RecordBatch> {
  const segs = listSegments(dir);
  if (segs.length === 0) throw new VexfsError(ErrorCodes.NOT_FOUND, `no journal segments in ${dir}`, { context: { dir } });
  let first = 0;
  if (opts.fromSeq !== undefined) for (let i = 0; i < segs.length; i++) if (segs[i]!.firstSeq <= opts.fromSeq) first = i;
  for (let i = first; i < segs.length; i++) {
    const s = segs[i]!;
    for await (const b of readContainerRecords(s.path, { batchSize: opts.batchSize ?? 4096, source: s.file })) {
      if (opts.tolerateTail && i === segs.length - 1 && b.error?.error?.reason === 'truncated') delete b.error;
      yield b;
    }
  }
}

/** Options of a Kafka topic range read. */
export interface KafkaRangeOptions {
  brokers: string[];
  /** Topics to read; default the four event topics vexfs.{fs,vector,semantic,system}.v1 (missing ones are skipped). */
  topics?: string[];
  /** Start at this offset in every partition (default: the earliest retained). */
  fromOffset?: number;
  /** Or start at the first message at or after this time (ms since the epoch). */
  fromTimeMs?: number;
  /** Refuse ranges above this many messages (they are held in memory to merge partitions by seq); default 5,000,000. */
  maxMessages?: number;
  /** Give up if the range is not read within this time; default 120,000 ms. */
  timeoutMs?: number;
  codec?: EventCodec;
  clientId?: string;
}

export const DEFAULT_TOPICS = ['vexfs.fs.v1', 'vexfs.vector.v1', 'vexfs.semantic.v1', 'vexfs.system.v1'];

interface RangeMessage { node: string; seq: number; body: Buffer; location: string }

/**
 * Reads a Kafka range (from the start position to the high watermarks seen at the start) and
 * returns its event bodies merged into per-node seq order: a node's events are spread over
 * topics (per kind) and partitions (per key), so only the merge shows its chain. Values in
 * single-object or Confluent framing are accepted.
 */
export async function readKafkaRangeBytes(opts: KafkaRangeOptions): Promise<{ batches: () => AsyncGenerator<EventBytes[]>; messages: number; topics: string[] }> {
  const codec = opts.codec ?? createEventCodec();
  const max = opts.maxMessages ?? 5_000_000;
  const kafka = new Kafka({ clientId: opts.clientId ?? `vexfs-replay-${randomBytes(3).toString('hex')}`, brokers: opts.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  let plan: { topic: string; partition: number; start: number; end: number }[];
  let topics: string[];
  try {
    const existing = new Set(await admin.listTopics());
    topics = (opts.topics ?? DEFAULT_TOPICS).filter((t) => existing.has(t));
    if (opts.topics) for (const t of opts.topics) if (!existing.has(t)) throw new VexfsError(ErrorCodes.NOT_FOUND, `Kafka topic ${t} does not exist`, { context: { topic: t } });
    plan = [];
    for (const topic of topics) plan.push(...(await partitionPlan(admin, topic, opts)));
  } finally {
    await admin.disconnect();
  }
  const total = plan.reduce((n, p) => n + Math.max(0, p.end - p.start), 0);
  if (total > max) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `the Kafka range holds ${total} messages, above maxMessages ${max}; narrow it with fromOffset/fromTimeMs or export it in parts`, { context: { total, max } });
  const messages: RangeMessage[] = [];
  const todo = plan.filter((p) => p.end > p.start);
  if (todo.length > 0) {
    const consumer = kafka.consumer({ groupId: `vexfs-replay-${randomBytes(6).toString('hex')}`, maxBytes: 64 << 20, maxBytesPerPartition: 16 << 20 });
    await consumer.connect();
    const left = new Map(todo.map((p) => [`${p.topic}:${p.partition}`, p]));
    const h = newHead();
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.subscribe({ topics: [...new Set(todo.map((p) => p.topic))], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `Kafka range not read within ${opts.timeoutMs ?? 120_000} ms (${messages.length} of ${total} messages)`, { retriable: true })), opts.timeoutMs ?? 120_000);
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: true,
          eachBatch: async ({ batch }) => {
            const key = `${batch.topic}:${batch.partition}`;
            const p = left.get(key);
            if (!p) return;
            for (const m of batch.messages) {
              const off = Number(m.offset);
              if (off < p.start || off >= p.end || !m.value) continue;
              const body = unframe(codec, m.value);
              const location = `${batch.topic}:${batch.partition}:${off}`;
              if (!body || !scanHead(body, h)) { messages.push({ node: '', seq: Number.MAX_SAFE_INTEGER, body: m.value, location }); continue; }
              messages.push({ node: body.toString('utf8', h.nodeStart, h.nodeEnd), seq: h.seq, body, location });
            }
            const last = Number(batch.lastOffset());
            if (last >= p.end - 1) { left.delete(key); if (left.size === 0) resolve(); }
          },
        }).catch(reject);
        for (const p of todo) consumer.seek({ topic: p.topic, partition: p.partition, offset: String(p.start) });
      });
    } finally {
      clearTimeout(timer);
      await consumer.disconnect();
    }
  }
  messages.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : a.seq - b.seq));
  return {
    messages: messages.length,
    topics,
    async *batches() {
      for (let i = 0; i < messages.length; i += 4096) yield messages.slice(i, i + 4096).map((m) => ({ bytes: m.body, location: m.location }));
    },
  };
}

/** The same range, decoded (for replay). */
export async function readKafkaRangeEvents(opts: KafkaRangeOptions): Promise<{ batches: () => AsyncGenerator<LoggedEvent[]>; messages: number }> {
  const codec = opts.codec ?? createEventCodec();
  const r = await readKafkaRangeBytes({ ...opts, codec });
  return {
    messages: r.messages,
    async *batches() {
      for await (const b of r.batches()) {
        yield b.map((e) => {
          try { return { event: codec.decode(e.bytes).event, bytes: e.bytes }; } catch (err) {
            throw new VexfsError(ErrorCodes.AVRO_DECODE, `message ${e.location} is not a VexFS event: ${(err as Error).message}`, { context: { location: e.location }, cause: err });
          }
        });
      }
    },
  };
}

async function partitionPlan(admin: Admin, topic: string, opts: KafkaRangeOptions): Promise<{ topic: string; partition: number; start: number; end: number }[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const byTime = opts.fromTimeMs !== undefined ? await admin.fetchTopicOffsetsByTimestamp(topic, opts.fromTimeMs) : null;
  return offsets.map((o) => {
    const low = Number(o.low);
    const end = Number(o.high);
    let start = low;
    if (opts.fromOffset !== undefined) start = Math.max(low, opts.fromOffset);
    if (byTime) {
      const t = byTime.find((x) => x.partition === o.partition);
      const off = t ? Number(t.offset) : end;
      start = Math.max(start, off < 0 ? end : off);
    }
    return { topic, partition: o.partition, start, end };
  });
}

function unframe(codec: EventCodec, v: Buffer): Buffer | null {
  if (v.length > 10 && v[0] === 0xc3 && v[1] === 0x01) return codec.fingerprint.equals(v.subarray(2, 10)) ? v.subarray(10) : null;
  if (v.length > 5 && v[0] === 0) return v.subarray(5);
  return null;
}
