import { createHash } from 'node:crypto';
import { ErrorCodes, VexfsError } from '../errors.js';
import type { FsPayload } from '../events/types.js';
import type { LoggedEvent } from '../log/event-log.js';
import { createFileCatalog, type CatalogStat, type ContentSegment, type EntryType, type FileCatalog } from '../replay/file-catalog.js';

/**
 * Audit queries answered from events alone (no access to the filesystem): the history of a
 * path across renames, and ls / stat / cat as they were at a moment.
 */

/** A source that can be read more than once (history reads it twice): e.g. () => journalEvents(dir). */
export type EventSource = () => AsyncIterable<ReadonlyArray<LoggedEvent>>;

/** One operation in a path's history. */
export interface HistoryRecord {
  seq: number;
  node: string;
  /** µs since the epoch, and the same as ISO-8601 */
  ts: number;
  time: string;
  op: string;
  path: string;
  path2: string | null;
  /** who: from the FUSE request context (-1 when the producer did not know) */
  uid: number;
  gid: number;
  pid: number;
  /** 'ok' or the errno name/number of the failure */
  result: number;
  errno: number;
  offset: number;
  size: number;
  contentHash: string | null;
}

/** Options of `history`. */
export interface HistoryOptions {
  /** Only operations that change state (no reads, getattr, open...); default false. */
  mutatingOnly?: boolean;
  /** Ignore events after this time (µs). */
  until?: number;
}

const MUTATING = new Set(['create', 'mknod', 'mkdir', 'symlink', 'link', 'write', 'truncate', 'ftruncate', 'unlink', 'rmdir', 'rename', 'chmod', 'chown', 'utimens', 'setxattr', 'removexattr']);

/** Converts '2026-11-25T10:00:00Z', a Date, or µs since the epoch (number or digits) into µs. */
export function toMicros(t: string | number | Date): number {
  if (t instanceof Date) return t.getTime() * 1000;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `time ${JSON.stringify(t)} is not an ISO-8601 date or µs since the epoch`, { context: { value: t } });
  return ms * 1000;
}

function record(ev: LoggedEvent['event'], p: FsPayload): HistoryRecord {
  return {
    seq: ev.seq, node: ev.node, ts: ev.ts, time: new Date(Math.floor(ev.ts / 1000)).toISOString(), op: ev.op, path: p.path, path2: p.path2,
    uid: p.uid, gid: p.gid, pid: p.pid, result: p.result, errno: p.errno, offset: p.offset, size: p.size, contentHash: p.contentHash ? p.contentHash.toString('hex') : null,
  };
}

/**
 * Every operation on `path` and on the files that carried that name, under their earlier and later
 * names (renames, including of a parent directory), in log order. Reads the source twice: once to
 * learn which files ever had the name, once to collect their operations.
 */
export async function history(source: EventSource, path: string, opts: HistoryOptions = {}): Promise<HistoryRecord[]> {
  const target = normalize(path);
  const until = opts.until ?? Number.MAX_SAFE_INTEGER;
  const ids = new Set<number>();
  let cat = createFileCatalog();
  const touches = (p: FsPayload) => p.path === target || p.path2 === target || (p.path2 !== null && target.startsWith(p.path2 + '/'));
  for await (const batch of source()) {
    for (const { event: ev } of batch) {
      if (ev.kind !== 'fs' || ev.ts > until) continue;
      const p = ev.payload as FsPayload;
      const hit = touches(p);
      if (hit) { const e = cat.get(target); if (e) ids.add(e.id); }
      cat.apply(ev);
      if (hit) { const e = cat.get(target); if (e) ids.add(e.id); }
    }
  }
  const out: HistoryRecord[] = [];
  cat = createFileCatalog();
  for await (const batch of source()) {
    for (const { event: ev } of batch) {
      if (ev.kind !== 'fs' || ev.ts > until) continue;
      const p = ev.payload as FsPayload;
      let mine = p.path === target || p.path2 === target;
      if (!mine) { const e = cat.get(p.path); mine = e !== null && ids.has(e.id); }
      if (!mine && p.path2 !== null) { const e = cat.get(p.path2); mine = e !== null && ids.has(e.id); }
      // renaming a parent directory renames the file too (rare: a scan is fine)
      if (!mine && ev.op === 'rename' && p.errno === 0 && cat.get(p.path)?.type === 'dir') {
        const prefix = p.path + '/';
        mine = cat.paths().some((q) => q.startsWith(prefix) && ids.has(cat.get(q)!.id));
      }
      cat.apply(ev);
      if (!mine) { const e = cat.get(p.path); mine = e !== null && ids.has(e.id); }
      if (!mine && p.path2 !== null) { const e = cat.get(p.path2); mine = e !== null && ids.has(e.id); }
      if (mine && (!opts.mutatingOnly || MUTATING.has(ev.op))) out.push(record(ev, p));
    }
  }
  return out;
}

/** The catalog as it was at time `at` (µs): every fs event with ts <= at applied. */
export async function catalogAt(source: EventSource, at: number, opts: { trackContent?: boolean } = {}): Promise<FileCatalog> {
  const cat = createFileCatalog(opts);
  for await (const batch of source()) for (const { event } of batch) if (event.ts <= at) cat.apply(event);
  return cat;
}

/** One line of `ls --at`. */
export interface LsEntry { name: string; type: EntryType; size: number; mode: number | null; mtime: number; ino: number }

/** The directory `dir` as it was at `at` (µs). NOT_FOUND when the events show no such directory then. */
export async function lsAt(source: EventSource, dir: string, at: number): Promise<LsEntry[]> {
  const d = normalize(dir);
  const cat = await catalogAt(source, at);
  const names = cat.list(d);
  const self = cat.get(d);
  if (d !== '/' && names.length === 0 && (!self || self.type !== 'dir')) {
    throw new VexfsError(ErrorCodes.NOT_FOUND, `no directory ${d} at ${new Date(Math.floor(at / 1000)).toISOString()} according to the events`, { context: { path: d, at } });
  }
  return names.map((name) => {
    const e = cat.get(d === '/' ? `/${name}` : `${d}/${name}`)!;
    return { name, type: e.type, size: e.type === 'dir' ? 0 : e.size, mode: e.mode, mtime: e.mtime, ino: e.ino };
  });
}

/** `stat --at`: the entry at `path` at time `at`; for a removed path, its last state and when it was removed. */
export async function statAt(source: EventSource, path: string, at: number): Promise<CatalogStat> {
  const p = normalize(path);
  const cat = await catalogAt(source, at);
  const e = cat.get(p);
  if (e) { const { segments: _s, ...rest } = e; return { ...rest, path: p, exists: true }; }
  const t = cat.tombstone(p);
  if (t) { const { segments: _s, ...rest } = t.entry; return { ...rest, path: p, exists: false, deletedSeq: t.seq, deletedTs: t.ts }; }
  throw new VexfsError(ErrorCodes.NOT_FOUND, `no file ${p} at ${new Date(Math.floor(at / 1000)).toISOString()} according to the events`, { context: { path: p, at } });
}

/** What `cat --at` can prove about a file's content at a moment. */
export interface ContentProof {
  path: string;
  at: number;
  size: number;
  /** writes whose bytes were still in the file at `at`, each with the SHA-256 of its data */
  segments: ContentSegment[];
  /** bytes of the file covered by those segments */
  provenBytes: number;
  /** bytes written without a hash (content hashing off) or partly overwritten later */
  unprovenWrites: number;
  /** when candidate content was given: true if its size and every segment's hash match */
  matches: boolean | null;
  /** segments whose hash the candidate does not match */
  mismatches: ContentSegment[];
}

/**
 * `cat --at`: which bytes the file had at `at`, as far as write events with content hashes prove.
 * Given the candidate `content` (a backup, or the file now), checks it against every segment.
 */
export async function catAt(source: EventSource, path: string, at: number, content?: Buffer): Promise<ContentProof> {
  const p = normalize(path);
  const cat = await catalogAt(source, at, { trackContent: true });
  const e = cat.get(p);
  if (!e || e.type !== 'file') throw new VexfsError(ErrorCodes.NOT_FOUND, `no regular file ${p} at ${new Date(Math.floor(at / 1000)).toISOString()} according to the events`, { context: { path: p, at } });
  let provenBytes = 0;
  // segments never overlap (later writes cut earlier ones), so their lengths add up
  for (const s of e.segments) provenBytes += s.length;
  const mismatches: ContentSegment[] = [];
  let matches: boolean | null = null;
  if (content) {
    for (const s of e.segments) {
      const got = createHash('sha256').update(content.subarray(s.offset, s.offset + s.length)).digest('hex');
      if (s.offset + s.length > content.length || got !== s.sha256) mismatches.push(s);
    }
    matches = content.length === e.size && mismatches.length === 0;
  }
  return { path: p, at, size: e.size, segments: [...e.segments].sort((a, b) => a.offset - b.offset), provenBytes, unprovenWrites: e.unprovenWrites, matches, mismatches };
}

function normalize(path: string): string {
  if (!path.startsWith('/')) path = '/' + path;
  const n = path.replace(/\/+/g, '/');
  return n.length > 1 ? n.replace(/\/$/, '') : n;
}
