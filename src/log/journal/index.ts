import { closeSync, fdatasync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, statSync, unlinkSync, writeSync, close as closeFd } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { createEventCodec, ZERO_HASH, type EventCodec } from '../../events/codec.js';
import { inlinedEventSchema } from '../../events/schema.js';
import type { VexEvent } from '../../events/types.js';
import { metrics } from '../../metrics/registry.js';
import type { EventLog, LoggedEvent, ReadOptions } from '../event-log.js';
import { buildHeader, longSize, SYNC_SIZE, writeLong } from './container.js';
import { resolveJournalOptions, type JournalOptions, type ResolvedJournalOptions } from './options.js';
import { readSegments, type ReaderSource } from './reader.js';
import { listSegments, scanSegment, segmentName, type SegmentFile } from './segment.js';
import { readShippedSeq, writeShippedSeq } from './shipped-position.js';

export { resolveJournalOptions, JOURNAL_DEFAULTS, type JournalOptions, type RetentionOptions, type LogSink } from './options.js';
export { repairJournal, verifyJournal, type RepairReport } from './repair.js';

/** One segment file as the journal sees it. */
export interface SegmentInfo {
  file: string;
  firstSeq: number;
  /** Seq of its last event. */
  lastSeq: number;
  bytes: number;
  /** False for the active segment (the one appended to). */
  sealed: boolean;
}

/** The local journal: the EventLog adapter that is the outbox of every event. */
export interface Journal extends EventLog {
  readonly dir: string;
  readonly options: ResolvedJournalOptions;
  /** Segment files, oldest first. */
  segments(): SegmentInfo[];
  /** Highest seq Kafka acknowledged (0 when nothing was shipped), as recorded in shipped.json. */
  readonly shippedSeq: number;
  /** Records `seq` as shipped (durably: temp file + rename + fsync), then applies retention. */
  recordShipped(seq: number): Promise<void>;
  /** Appends since open that are not yet known durable (fsync pending). */
  readonly pendingSync: number;
}

interface Active { file: SegmentFile; fd: number; sync: Buffer; size: number; count: number }
interface Waiter { target: number; resolve: () => void; reject: (err: Error) => void }

const INITIAL_BLOCK = 64 * 1024;
/** A group larger than this is written at once instead of growing the stage further. */
const MAX_STAGE = 4 * 1024 * 1024;

/** A larger stage holding the first `used` bytes of `old` and room for at least `need` bytes. */
function growStage(old: Buffer, used: number, need: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(need, old.length * 2, INITIAL_BLOCK));
  old.copy(next, 0, 0, used);
  return next;
}

/**
 * Opens (or creates) the journal in `opts.dir`. The last segment is scanned: a torn tail is
 * truncated and reported (log line with file and offset, vexfs_journal_torn_tail_total);
 * damage followed by valid data throws VEXFS_JOURNAL_CORRUPT naming file and offset.
 */
export async function openJournal(opts: JournalOptions, codec: EventCodec = createEventCodec()): Promise<Journal> {
  const o = resolveJournalOptions(opts);
  const { dir, log } = o;
  mkdirSync(dir, { recursive: true });
  const schemaJson = JSON.stringify(inlinedEventSchema(codec.schemas));
  const segs: SegmentInfo[] = [];
  const files = listSegments(dir);

  let lastSeq = 0;
  const lastHash = Buffer.from(ZERO_HASH);
  let active: Active | null = null;

  // Recover the tail: drop empty/torn trailing segments, truncate a torn last block.
  while (files.length > 0) {
    const f = files[files.length - 1]!;
    const scan = scanSegment(f.path, f.firstSeq);
    if (scan.problem?.kind === 'corrupt') {
      throw new VexfsError(ErrorCodes.JOURNAL_CORRUPT, `journal segment ${f.path} is damaged at byte ${scan.problem.offset} with valid data after it: ${scan.problem.reason}. Nothing was changed; see docs/event-log.md "Repairing a journal" (vexfs journal repair)`, { context: { file: f.path, offset: scan.problem.offset } });
    }
    if (scan.problem) {
      log.warn(`torn tail in ${f.path} at byte ${scan.problem.offset} (${scan.problem.reason}): ${scan.count === 0 ? 'removing the segment, it holds no complete event' : `truncating ${scan.size - scan.problem.offset} bytes after event seq ${scan.lastSeq}`}`, { file: f.path, offset: scan.problem.offset });
      metrics.journalTornTails.inc();
    }
    if (scan.count === 0) {
      unlinkSync(f.path);
      files.pop();
      continue;
    }
    if (scan.problem) {
      const fd = openSync(f.path, 'r+');
      try { ftruncateSync(fd, scan.goodEnd); fsyncSync(fd); } finally { closeSync(fd); }
    }
    const fd = openSync(f.path, 'a');
    active = { file: f, fd, sync: scan.sync, size: scan.goodEnd, count: scan.count };
    lastSeq = scan.lastSeq;
    scan.lastHash!.copy(lastHash);
    break;
  }
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const isActive = i === files.length - 1;
    segs.push({ file: f.file, firstSeq: f.firstSeq, lastSeq: isActive ? lastSeq : files[i + 1]!.firstSeq - 1, bytes: isActive ? active!.size : statSync(f.path).size, sealed: !isActive });
  }

  // Grouped writes (option groupWrites, lazy policy): deferrable appends are staged here and
  // written with one write(2) at the end of the event-loop turn; their callers wait on written().
  const grouping = o.groupWrites && o.fsync === 'lazy';
  let stage: Buffer = Buffer.allocUnsafe(grouping ? INITIAL_BLOCK : 0);
  let staged = 0; // bytes staged, not yet written
  let stagedCount = 0;
  let group: { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } | null = null;
  let groupQueued = false;

  let shippedSeq = readShippedSeq(dir);
  let closed = false;
  let block = Buffer.allocUnsafe(INITIAL_BLOCK);
  let appended = 0; // appends since open
  let durable = 0; // appends known fsynced
  let syncing = false;
  let dirDirty = false;
  const sealing: number[] = []; // fds of rolled segments, fsynced and closed by the next sync round
  const waiters: Waiter[] = [];
  const readWaiters = new Set<() => void>();

  function doSync(): void {
    if (syncing) return;
    if (staged > 0) {
      const err = writeGroup();
      if (err) { for (const w of waiters.splice(0)) w.reject(err); return; }
    }
    syncing = true;
    const target = appended;
    const fds = sealing.splice(0);
    const all = active ? [...fds, active.fd] : fds;
    const syncDir = dirDirty;
    dirDirty = false;
    let left = all.length + (syncDir ? 1 : 0);
    let failure: Error | null = null;
    const done = (err: Error | null) => {
      if (err && !failure) failure = err;
      if (--left > 0) return;
      for (const fd of fds) closeFd(fd, () => {});
      syncing = false;
      if (failure) {
        log.warn(`fsync of the journal failed: ${failure.message}`, { dir });
        for (const w of waiters.splice(0)) w.reject(failure);
        return;
      }
      durable = Math.max(durable, target);
      let keep = 0;
      for (const w of waiters) { if (w.target <= durable) w.resolve(); else waiters[keep++] = w; }
      waiters.length = keep;
      if (waiters.length > 0 || sealing.length > 0) doSync();
    };
    if (left === 0) { left = 1; done(null); return; }
    for (const fd of all) fdatasync(fd, (err) => done(err));
    if (syncDir) {
      const dfd = openSync(dir, 'r');
      fsync(dfd, (err) => { closeFd(dfd, () => {}); done(err); });
    }
  }

  const timer = o.fsync === 'lazy'
    ? setInterval(() => { if ((appended > durable || sealing.length > 0) && !syncing) doSync(); }, o.lazyIntervalMs)
    : null;
  timer?.unref();

  function writeAll(fd: number, buf: Buffer, len: number): void {
    let off = 0;
    while (off < len) off += writeSync(fd, buf, off, len - off);
  }

  function roll(firstSeq: number, blockLen: number): void {
    const file: SegmentFile = { file: segmentName(firstSeq), path: join(dir, segmentName(firstSeq)), firstSeq };
    const { header, sync } = buildHeader(schemaJson);
    // header and first block in one write: a crash leaves at most one torn segment with no event
    const total = header.length + blockLen;
    const buf = Buffer.allocUnsafe(total);
    header.copy(buf, 0);
    const fd = openSync(file.path, 'wx');
    if (active) {
      sealing.push(active.fd);
      const prev = segs[segs.length - 1]!;
      prev.sealed = true;
    }
    active = { file, fd, sync, size: header.length, count: 0 };
    segs.push({ file: file.file, firstSeq, lastSeq: firstSeq - 1, bytes: header.length, sealed: false });
    dirDirty = true;
    metrics.journalSegments.set(segs.length);
    return void fillBlockAndWrite(buf, header.length, total);
  }

  // the bytes of the event being appended, set by append() so roll/fill avoid closures
  let cur: Buffer = ZERO_HASH;
  /** Writes the Avro block of `cur` (count 1, length, bytes, sync marker) into `buf` at `at`. */
  function fillBlock(buf: Buffer, at: number): void {
    buf[at] = 2; // count 1, zigzag
    let p = writeLong(buf, at + 1, cur.length);
    // TypedArray#set: one builtin call, without Buffer#copy's argument handling (measurable at 200k/s)
    buf.set(cur, p);
    p += cur.length;
    buf.set(active!.sync, p);
  }
  function fillBlockAndWrite(buf: Buffer, at: number, total: number): void {
    const a = active!;
    fillBlock(buf, at);
    try {
      writeAll(a.fd, buf, total);
    } catch (err) {
      // keep the file whole: cut a partial write back to the last complete block
      try { ftruncateSync(a.fd, a.size); } catch { /* the next open truncates it as a torn tail */ }
      throw err;
    }
  }

  /** Writes the staged blocks with one write(2); on failure they stay staged (retried by the next append or sync round). */
  function writeStaged(): void {
    const a = active!;
    try {
      writeAll(a.fd, stage, staged);
    } catch (err) {
      try { ftruncateSync(a.fd, a.size); } catch { /* the next open truncates it as a torn tail */ }
      throw err;
    }
    a.size += staged;
    a.count += stagedCount;
    segs[segs.length - 1]!.bytes = a.size;
    staged = 0;
    stagedCount = 0;
    if (readWaiters.size > 0) wakeReaders();
  }

  /** Writes the current group and settles its waiters; returns the write error, if any (the events stay staged). */
  function writeGroup(): Error | null {
    const g = group;
    group = null;
    if (staged === 0) { g?.resolve(); return null; }
    try {
      writeStaged();
      g?.resolve();
      return null;
    } catch (err) {
      log.warn(`journal write of ${stagedCount} grouped events failed; they stay staged and are retried: ${(err as Error).message}`, { dir });
      g?.reject(err as Error);
      return err as Error;
    }
  }

  /** Writes whatever is staged before returning; throws the write error (the events stay staged). */
  function writeStagedNow(): void {
    if (staged === 0) return;
    const err = writeGroup();
    if (err) throw err;
  }

  function applyRetention(): void {
    const { maxBytes, maxAgeMs, shippedOnly } = o.retention;
    if (maxBytes === 0 && maxAgeMs === 0) return;
    let total = 0;
    for (const s of segs) total += s.bytes;
    const now = Date.now();
    while (segs.length > 1) {
      const s = segs[0]!;
      if (!s.sealed || (shippedOnly && s.lastSeq > shippedSeq)) break;
      const path = join(dir, s.file);
      const tooBig = maxBytes > 0 && total > maxBytes;
      let tooOld = false;
      if (maxAgeMs > 0) { try { tooOld = now - statSync(path).mtimeMs > maxAgeMs; } catch { tooOld = true; } }
      if (!tooBig && !tooOld) break;
      try { unlinkSync(path); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
      log.info(`retention deleted ${path} (seq ${s.firstSeq}..${s.lastSeq}, ${s.bytes} bytes, ${tooBig ? 'size' : 'age'} limit)`, { file: path });
      total -= s.bytes;
      segs.shift();
    }
    metrics.journalSegments.set(segs.length);
  }

  const source: ReaderSource = {
    segments: () => segs.map((s) => ({ file: s.file, path: join(dir, s.file), firstSeq: s.firstSeq })),
    readableEnd: (path) => (active && path === active.file.path ? active.size : segs.find((s) => join(dir, s.file) === path)?.bytes ?? null),
    wait: (signal) => new Promise<void>((resolve) => {
      const t = setTimeout(done, o.followPollMs);
      function done() { clearTimeout(t); readWaiters.delete(done); signal?.removeEventListener('abort', done); resolve(); }
      readWaiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    }),
    closed: () => closed,
  };

  function endOfTurn(): void {
    groupQueued = false;
    if (staged > 0) writeGroup();
  }

  function wakeReaders(): void {
    for (const w of [...readWaiters]) w();
  }

  applyRetention();
  metrics.journalSegments.set(segs.length);

  const journal: Journal = {
    name: 'journal',
    dir,
    options: o,
    strict: o.fsync === 'strict',
    get shippedSeq() { return shippedSeq; },
    get pendingSync() { return appended - durable; },
    tail() { return { seq: lastSeq, hash: Buffer.from(lastHash) }; },
    append(event: VexEvent, bytes: Buffer, defer = false) {
      if (closed) throw new VexfsError(ErrorCodes.JOURNAL_CLOSED, `append of seq ${event.seq} after the journal in ${dir} was closed`);
      if (event.seq !== lastSeq + 1) throw new VexfsError(ErrorCodes.EVENT_INVALID, `journal ${dir} expects seq ${lastSeq + 1} next, got ${event.seq} (seq must be gap-free per node)`, { context: { seq: event.seq, expected: lastSeq + 1 } });
      if (bytes.length < 33) throw new VexfsError(ErrorCodes.EVENT_INVALID, `encoded event of ${bytes.length} bytes is too short to hold a hash`);
      const blockLen = 1 + longSize(bytes.length) + bytes.length + SYNC_SIZE;
      cur = bytes;
      if (!active || (active.size + staged + blockLen > o.segmentBytes && active.count + stagedCount > 0)) {
        // a group never spans segments: what is staged goes to the segment it was framed for
        writeStagedNow();
        roll(event.seq, blockLen);
        active!.size += blockLen;
        active!.count++;
      } else if (grouping && (defer || staged > 0)) {
        // bounded: a group that keeps failing to write refuses further appends instead of growing
        if (staged + blockLen > MAX_STAGE) writeStagedNow();
        if (staged + blockLen > stage.length) stage = growStage(stage, staged, staged + blockLen);
        fillBlock(stage, staged);
        staged += blockLen;
        stagedCount++;
        if (!defer) {
          // an append that is not deferred returns written, after the group staged before it
          const err = writeGroup();
          if (err) { staged -= blockLen; stagedCount--; throw err; }
        } else if (!groupQueued) {
          groupQueued = true;
          setImmediate(endOfTurn);
        }
      } else {
        if (block.length < blockLen) block = Buffer.allocUnsafe(Math.max(blockLen, block.length * 2));
        fillBlockAndWrite(block, 0, blockLen);
        active.size += blockLen;
        active.count++;
      }
      cur = ZERO_HASH;
      const seg = segs[segs.length - 1]!;
      if (staged === 0) seg.bytes = active!.size;
      seg.lastSeq = event.seq;
      lastSeq = event.seq;
      // a plain loop: cheaper than Buffer#copy's argument handling for 32 bytes
      for (let i = 0, h = bytes.length - 32; i < 32; i++) lastHash[i] = bytes[h + i]!;
      appended++;
      if (staged === 0 && readWaiters.size > 0) wakeReaders();
      if (segs.length > 1 && seg.firstSeq === event.seq) applyRetention();
    },
    written() {
      if (staged === 0) return null;
      if (group === null) {
        let resolve!: () => void;
        let reject!: (err: Error) => void;
        const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
        promise.catch(() => {}); // a group nobody waits on must not become an unhandled rejection
        group = { promise, resolve, reject };
      }
      return group.promise;
    },
    flush() {
      if (appended <= durable && sealing.length === 0 && !dirDirty) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ target: appended, resolve, reject });
        doSync();
      });
    },
    read(ro?: ReadOptions): AsyncIterable<LoggedEvent[]> {
      return readSegments(source, codec, ro);
    },
    segments() { return segs.map((s) => ({ ...s })); },
    async recordShipped(seq: number) {
      if (!Number.isInteger(seq) || seq < shippedSeq || seq > lastSeq) {
        throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `shipped seq ${seq} must be an integer from ${shippedSeq} (shipped so far) to ${lastSeq} (last appended)`);
      }
      if (seq === shippedSeq) return;
      await writeShippedSeq(dir, seq);
      shippedSeq = Math.max(shippedSeq, seq);
      applyRetention();
    },
    async close() {
      if (closed) return;
      writeStagedNow();
      closed = true;
      if (timer) clearInterval(timer);
      wakeReaders();
      while (syncing) await new Promise((r) => setImmediate(r));
      if (appended > durable || sealing.length > 0 || dirDirty) {
        await new Promise<void>((resolve, reject) => { waiters.push({ target: appended, resolve, reject }); doSync(); });
      }
      while (syncing) await new Promise((r) => setImmediate(r));
      if (active) closeSync(active.fd);
      active = null;
    },
  };
  return journal;
}


/** Reads a journal directory without opening it for writing (another process may be appending). */
export function readJournal(dir: string, ro: ReadOptions & { codec?: EventCodec; pollMs?: number } = {}): AsyncIterable<LoggedEvent[]> {
  const codec = ro.codec ?? createEventCodec();
  const pollMs = ro.pollMs ?? 100;
  const source: ReaderSource = {
    segments: () => listSegments(dir),
    readableEnd: () => null,
    wait: (signal) => new Promise<void>((resolve) => {
      const t = setTimeout(done, pollMs);
      function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
      signal?.addEventListener('abort', done, { once: true });
    }),
    closed: () => false,
  };
  return readSegments(source, codec, ro);
}
