import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, VexfsError } from '../errors.js';
import { parseHeader } from '../log/journal/container.js';
import { listSegments, type SegmentFile } from '../log/journal/segment.js';
import { journalRecords } from '../replay/sources.js';
import { readContainerRecords } from './container-file.js';
import { newHead, scanHead } from './event-bytes.js';
import { verify, type NodeSummary, type VerifyOptions, type VerifyReport } from './verify.js';

/**
 * Below this much journal, one pass: the worker's start-up (tsx loading and compiling the verifier
 * in the new thread) measured ~0.4 s of CPU and 0.7–1 s of wall time on our busy 2-core VM — the
 * work of several hundred thousand events — and on a 500,000-event journal (two segments split
 * 67/33) two threads measured slower than one pass (docs/benchmarks/replay.md).
 */
export const PARALLEL_MIN_BYTES = 512 << 20;

/** Events of the earlier half re-verified by the second thread (the checkpoint ring's size). */
const WARMUP = 64;

/**
 * Verifies a journal directory on two threads when it has several segments: the main thread
 * the earlier segments, a worker the later ones after re-verifying the last 64 events before them
 * (chain, seq and checkpoint ring then continue as in one pass); the main thread joins the two
 * (same node, the worker's warm-up ends at the main thread's last seq and hash, same signing key).
 * Anything else — a finding on either side, several nodes, a seam that does not join, a worker
 * that fails — runs the whole log on one thread, so the report, first finding included, is
 * always the one-pass report. `threads: 1` (or one segment, one CPU, or a journal under
 * `parallelMinBytes`, default PARALLEL_MIN_BYTES) is the one-pass verify.
 */
export async function verifyJournal(dir: string, opts: VerifyOptions & { threads?: number; parallelMinBytes?: number } = {}): Promise<VerifyReport & { threads: number }> {
  const { threads: want, parallelMinBytes, ...vopts } = opts;
  const segs = listSegments(dir);
  if (segs.length === 0) throw new VexfsError(ErrorCodes.NOT_FOUND, `no journal segments in ${dir}`, { context: { dir } });
  const serial = async () => ({ ...(await verify(journalRecords(dir), vopts)), threads: 1 });
  const threads = want ?? Math.min(2, availableParallelism());
  if (threads < 2 || segs.length < 2 || vopts.workers) return serial();
  const t0 = performance.now();
  const split = splitAt(segs, parallelMinBytes ?? PARALLEL_MIN_BYTES);
  if (split < 0) return serial();
  const prefix = tailRecords(segs[split - 1]!, WARMUP);
  if (!prefix) return serial();
  const job = {
    prefix,
    files: segs.slice(split).map((s) => ({ path: s.path, file: s.file })),
    opts: { ...(vopts.trustedKeys ? { trustedKeys: vopts.trustedKeys.map((k) => new Uint8Array(k)) } : {}), ...(vopts.anchors ? { anchors: vopts.anchors } : {}), ...(vopts.hashing ? { hashing: vopts.hashing } : {}) },
  };
  const worker = startWorker(job);
  const later = new Promise<VerifyReport | null>((resolve) => {
    worker.once('message', (m: { report?: VerifyReport; error?: string }) => resolve(m.report ?? null));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  const { anchors: _anchors, onProgress, ...aopts } = vopts;
  let a: VerifyReport;
  let b: VerifyReport | null;
  try {
    a = await verify(segments(segs.slice(0, split)), { ...aopts, ...(onProgress ? { onProgress } : {}) });
    b = await later;
  } finally {
    await worker.terminate();
  }
  const joined = a.ok && b ? join(a, b, prefix) : null;
  if (!joined) return serial();
  const elapsedMs = performance.now() - t0;
  onProgress?.({ events: joined.events, bytes: joined.bytes });
  return { ...joined, elapsedMs, eventsPerSecond: elapsedMs > 0 ? joined.events / (elapsedMs / 1000) : 0, threads: 2 };
}

/**
 * The worker runs verify-worker.ts: directly when this code runs compiled, else through tsx's
 * loader, which a worker thread does not inherit from `node --import tsx`.
 */
function startWorker(job: unknown): Worker {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './verify-worker.ts' : './verify-worker.js', import.meta.url).href;
  if (!entry.endsWith('.ts')) return new Worker(new URL(entry), { workerData: job });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: job });
}

async function* segments(list: SegmentFile[]) {
  for (const s of list) yield* readContainerRecords(s.path, { batchSize: 4096, source: s.file });
}

/** The first segment of the later half: about half the bytes on each side; -1 below `minBytes` (a worker's start-up would cost more than it saves). */
function splitAt(segs: SegmentFile[], minBytes: number): number {
  const sizes = segs.map((s) => { const fd = openSync(s.path, 'r'); try { return fstatSync(fd).size; } finally { closeSync(fd); } });
  const total = sizes.reduce((x, y) => x + y, 0);
  if (total < minBytes) return -1;
  let acc = 0;
  for (let i = 0; i < segs.length - 1; i++) { acc += sizes[i]!; if (acc >= total / 2) return i + 1; }
  return segs.length - 1;
}

/**
 * The last `n` records of a segment, found from its end: the blocks between its sync markers in
 * the last 1 MiB. Null when they cannot be found that way (fewer records, odd blocks): the caller
 * then verifies in one pass.
 */
function tailRecords(seg: SegmentFile, n: number): { bytes: Uint8Array; source: string; offset: number }[] | null {
  const fd = openSync(seg.path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.allocUnsafe(Math.min(size, 1 << 16));
    readSync(fd, head, 0, head.length, 0);
    const h = parseHeader(head, head.length);
    if (!h.ok) return null;
    const from = Math.max(h.end, size - (1 << 20));
    const tail = Buffer.allocUnsafe(size - from);
    if (readSync(fd, tail, 0, tail.length, from) !== tail.length) return null;
    // block ends: every sync marker; a block starts right after the previous one (or at the header's end)
    const ends: number[] = [];
    for (let p = tail.indexOf(h.sync); p >= 0; p = tail.indexOf(h.sync, p + 16)) ends.push(p + 16);
    if (ends.length === 0 || ends[ends.length - 1] !== tail.length) return null;
    const out: { bytes: Uint8Array; source: string; offset: number }[] = [];
    const hd = newHead();
    for (let j = ends.length - 1; j >= 1 && out.length < n; j--) {
      const start = ends[j - 1]!;
      const end = ends[j]! - 16;
      // block: count 1 (0x02), size varint, record
      if (tail[start] !== 2) return null;
      let q = start + 1; let len = 0; let mul = 1;
      for (;;) { const c = tail[q++]!; len += (c & 0x7f) * mul; if (!(c & 0x80)) break; mul *= 128; if (q - start > 6) return null; }
      len /= 2;
      if (q + len !== end) return null;
      const rec = tail.subarray(q, end);
      if (!scanHead(rec, hd)) return null;
      out.push({ bytes: new Uint8Array(rec), source: seg.file, offset: from + start });
    }
    if (out.length < n) return null;
    return out.reverse();
  } finally {
    closeSync(fd);
  }
}

/** The two halves as one report, or null when they do not join. */
function join(a: VerifyReport, b: VerifyReport, prefix: { bytes: Uint8Array }[]): VerifyReport | null {
  if (!b.ok || !b.warm) return null;
  const an = Object.keys(a.nodes);
  const bn = Object.keys(b.nodes);
  if (an.length !== 1 || bn.length !== 1 || an[0] !== bn[0]) return null;
  const name = an[0]!;
  const sa = a.nodes[name]!;
  const sb = b.nodes[name]!;
  const w = b.warm.nodes[name];
  if (!w || w.events !== prefix.length) return null;
  // the warm-up is exactly the earlier half's tail: same last seq, same last hash
  const last = Buffer.from(prefix[prefix.length - 1]!.bytes);
  const hd = newHead();
  if (!scanHead(last, hd) || hd.seq !== sa.lastSeq || last.toString('hex', last.length - 32) !== sa.lastHash) return null;
  // one signing key across the seam (a one-pass verify refuses a change of key)
  if (sa.keys.length && sb.keys.some((k) => !sa.keys.includes(k))) return null;
  const events = sb.events - w.events;
  const cps = sb.checkpoints - w.checkpoints;
  const node: NodeSummary = {
    firstSeq: sa.firstSeq, firstPrevHash: sa.firstPrevHash, lastSeq: sb.lastSeq, lastHash: sb.lastHash,
    events: sa.events + events, checkpoints: sa.checkpoints + cps,
    lastCheckpointSeq: sb.lastCheckpointSeq || sa.lastCheckpointSeq,
    unsignedTail: 0, keys: [...new Set([...sa.keys, ...sb.keys])],
  };
  node.unsignedTail = node.lastCheckpointSeq ? Math.max(0, node.lastSeq - node.lastCheckpointSeq - 1) : node.events;
  return {
    ok: true, events: a.events + b.events - b.warm.events, bytes: a.bytes + b.bytes - b.warm.bytes,
    nodes: { [name]: node }, checkpoints: a.checkpoints + b.checkpoints - b.warm.checkpoints, finding: null, elapsedMs: 0, eventsPerSecond: 0,
  };
}
