import { createHash } from 'node:crypto';
import type { FsPayload, VexEvent } from '../events/types.js';

/**
 * The file catalog rebuilt from fs events alone: path → {type, ino, size, mode, mtime, names}.
 * Paths map to shared entities so hard links see each other's writes and a rename keeps the
 * file's history (its earlier names). Failed operations (errno ≠ 0) change nothing.
 */

export type EntryType = 'file' | 'dir' | 'symlink';

/** Where a file's bytes came from: one write whose data hash is known (contentHash option). */
export interface ContentSegment {
  offset: number;
  length: number;
  /** hex SHA-256 of the bytes written */
  sha256: string;
  seq: number;
  ts: number;
}

/** One file, directory or symlink as the events describe it. */
export interface CatalogEntry {
  /** identity of the file across renames and links: creation order in this replay (deterministic) */
  id: number;
  type: EntryType;
  /** inode on the backing store when an event carried it (0 = unknown) */
  ino: number;
  size: number;
  /** permission bits (mode & 0o7777), null when no event carried them */
  mode: number | null;
  /** µs since the epoch of the last event that changed the content or times */
  mtime: number;
  /** µs since the epoch of the event that created it (or first saw it) */
  ctime: number;
  /** earlier paths of this entity, oldest first (renames) */
  names: string[];
  /** symlink target */
  target: string | null;
  /** number of paths naming it (hard links) */
  nlink: number;
  /** seq of the event that created it, and of the last that changed it */
  createdSeq: number;
  lastSeq: number;
  /** true when the log never showed its creation (it existed before the log starts) */
  implicit: boolean;
  /** writes whose bytes are still in the file unchanged (only with `trackContent`) */
  segments: ContentSegment[];
  /** bytes written without a content hash, or overwritten partially, since creation */
  unprovenWrites: number;
}

/** A stat-like view of an entry at a path. */
export interface CatalogStat extends Omit<CatalogEntry, 'segments'> { path: string; exists: boolean; deletedSeq?: number; deletedTs?: number }

export interface FileCatalog {
  /** Applies one event (non-fs events are ignored). */
  apply(ev: VexEvent): void;
  /** The entry at `path` now, or null. */
  get(path: string): CatalogEntry | null;
  /** What was at `path` and was deleted last (for stat of a removed file). */
  tombstone(path: string): { entry: CatalogEntry; seq: number; ts: number } | null;
  /** Names directly inside `dir`, sorted. */
  list(dir: string): string[];
  /** Every existing path, sorted. */
  paths(): string[];
  /** SHA-256 of the existing entries (path, type, size, target, and optionally mode and mtime): equal states, equal hashes. */
  stateHash(opts?: { mode?: boolean; times?: boolean }): string;
  readonly size: number;
  /** Events applied, and the ts of the last fs event given to `apply` (a replay from raw records gives it only the mutating ones). */
  readonly applied: number;
  readonly lastTs: number;
}

/** Options of the catalog. */
export interface CatalogOptions {
  /** Keep per-write content hashes (for cat --at); default false (memory grows with writes). */
  trackContent?: boolean;
}

/** The fs ops that change the catalog; every other op leaves it as it is. */
export const MUTATING_OPS: readonly string[] = ['create', 'mknod', 'mkdir', 'symlink', 'link', 'write', 'truncate', 'ftruncate', 'unlink', 'rmdir', 'rename', 'chmod', 'utimens'];
const MUTATING = new Set(MUTATING_OPS);

/** True for fs ops that change the catalog (the rest are reads). */
export function isMutatingOp(op: string): boolean { return MUTATING.has(op); }

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function createFileCatalog(opts: CatalogOptions = {}): FileCatalog {
  const track = opts.trackContent ?? false;
  const byPath = new Map<string, CatalogEntry>();
  const tombs = new Map<string, { entry: CatalogEntry; seq: number; ts: number }>();
  // directory → child names, kept in step with byPath so ls is cheap
  const children = new Map<string, Set<string>>();
  let applied = 0;
  let lastTs = 0;
  let nextId = 1;

  const link = (path: string, e: CatalogEntry) => {
    byPath.set(path, e);
    tombs.delete(path);
    const p = parentOf(path);
    let set = children.get(p);
    if (!set) { set = new Set(); children.set(p, set); }
    set.add(path.slice(p === '/' ? 1 : p.length + 1));
  };
  const unlinkPath = (path: string, seq: number, ts: number) => {
    const e = byPath.get(path);
    if (!e) return;
    byPath.delete(path);
    e.nlink--;
    tombs.set(path, { entry: e, seq, ts });
    children.get(parentOf(path))?.delete(path.slice(parentOf(path) === '/' ? 1 : parentOf(path).length + 1));
  };
  const newEntry = (type: EntryType, ev: VexEvent, p: FsPayload | null, implicit: boolean): CatalogEntry => ({
    id: nextId++, type, ino: p?.ino ?? 0, size: 0, mode: p === null || p.mode === null ? null : p.mode & 0o7777, mtime: ev.ts, ctime: ev.ts, names: [], target: null,
    nlink: 0, createdSeq: ev.seq, lastSeq: ev.seq, implicit, segments: [], unprovenWrites: 0,
  });
  // A path the log never created (it predates the log): assume a file, flagged implicit.
  const ensure = (path: string, ev: VexEvent, p: FsPayload): CatalogEntry => {
    let e = byPath.get(path);
    if (!e) { ensureParents(path, ev, p); e = newEntry('file', ev, p, true); e.nlink = 1; link(path, e); }
    return e;
  };
  const ensureParents = (path: string, ev: VexEvent, p: FsPayload) => {
    const par = parentOf(path);
    if (par === '/' || byPath.has(par)) return;
    ensureParents(par, ev, p);
    const d = newEntry('dir', ev, null, true);
    d.nlink = 1;
    link(par, d);
  };
  const cutSegments = (e: CatalogEntry, from: number, to: number) => {
    if (!track || e.segments.length === 0) return;
    const keep: ContentSegment[] = [];
    for (const s of e.segments) {
      if (s.offset + s.length <= from || s.offset >= to) keep.push(s);
      else e.unprovenWrites += s.length;
    }
    e.segments = keep;
  };

  function apply(ev: VexEvent): void {
    if (ev.kind !== 'fs') return;
    const p = ev.payload as FsPayload;
    lastTs = ev.ts;
    if (p.errno !== 0 || p.result < 0 || !MUTATING.has(ev.op)) return;
    applied++;
    const path = p.path;
    switch (ev.op) {
      case 'create':
      case 'mknod':
      case 'mkdir':
      case 'symlink': {
        const existing = byPath.get(path);
        if (existing && ev.op === 'create') { existing.lastSeq = ev.seq; break; }
        if (existing) unlinkPath(path, ev.seq, ev.ts);
        ensureParents(path, ev, p);
        const e = newEntry(ev.op === 'mkdir' ? 'dir' : ev.op === 'symlink' ? 'symlink' : 'file', ev, p, false);
        if (ev.op === 'symlink') { e.target = p.path2; e.size = Buffer.byteLength(p.path2 ?? ''); e.mode = 0o777; }
        e.nlink = 1;
        link(path, e);
        break;
      }
      case 'link': {
        if (!p.path2) break;
        const e = ensure(path, ev, p);
        ensureParents(p.path2, ev, p);
        e.nlink++;
        e.lastSeq = ev.seq;
        link(p.path2, e);
        break;
      }
      case 'write': {
        const e = ensure(path, ev, p);
        const n = p.result;
        e.size = Math.max(e.size, p.offset + n);
        e.mtime = ev.ts; e.lastSeq = ev.seq;
        if (p.ino) e.ino = p.ino;
        if (track && n > 0) {
          cutSegments(e, p.offset, p.offset + n);
          if (p.contentHash) e.segments.push({ offset: p.offset, length: n, sha256: p.contentHash.toString('hex'), seq: ev.seq, ts: ev.ts });
          else e.unprovenWrites += n;
        }
        break;
      }
      case 'truncate':
      case 'ftruncate': {
        const e = ensure(path, ev, p);
        if (track && p.size < e.size) cutSegments(e, p.size, Number.MAX_SAFE_INTEGER);
        e.size = p.size; e.mtime = ev.ts; e.lastSeq = ev.seq;
        break;
      }
      case 'unlink':
      case 'rmdir': {
        const e = byPath.get(path);
        if (e) { e.lastSeq = ev.seq; if (p.ino) e.ino = p.ino; }
        unlinkPath(path, ev.seq, ev.ts);
        break;
      }
      case 'rename': {
        const dest = p.path2;
        if (!dest || dest === path) break;
        const e = ensure(path, ev, p);
        if (byPath.has(dest)) unlinkPath(dest, ev.seq, ev.ts);
        ensureParents(dest, ev, p);
        unlinkPath(path, ev.seq, ev.ts);
        tombs.delete(path);
        e.nlink++;
        e.names.push(path); e.lastSeq = ev.seq;
        if (p.ino) e.ino = p.ino;
        link(dest, e);
        if (e.type === 'dir') {
          const prefix = path + '/';
          const moved = [...byPath.keys()].filter((k) => k.startsWith(prefix)).sort();
          for (const k of moved) {
            const c = byPath.get(k)!;
            unlinkPath(k, ev.seq, ev.ts);
            tombs.delete(k);
            c.nlink++;
            c.names.push(k);
            link(dest + k.slice(path.length), c);
          }
        }
        break;
      }
      case 'chmod': {
        const e = ensure(path, ev, p);
        if (p.mode !== null) e.mode = p.mode & 0o7777;
        e.lastSeq = ev.seq;
        break;
      }
      case 'utimens': {
        // the event does not carry the times set; the operation's time is the best the log knows
        const e = ensure(path, ev, p);
        e.mtime = ev.ts; e.lastSeq = ev.seq;
        break;
      }
    }
  }

  return {
    apply,
    get: (path) => (path === '/' ? byPath.get('/') ?? null : byPath.get(path) ?? null),
    tombstone: (path) => tombs.get(path) ?? null,
    list: (dir) => [...(children.get(dir === '/' ? '/' : dir.replace(/\/+$/, '')) ?? [])].sort(),
    paths: () => [...byPath.keys()].sort(),
    stateHash(o = {}) {
      const h = createHash('sha256');
      for (const path of [...byPath.keys()].sort()) {
        const e = byPath.get(path)!;
        h.update(`${path}\t${e.type}\t${e.type === 'dir' ? 0 : e.size}\t${e.target ?? ''}`);
        if (o.mode) h.update(`\t${e.mode ?? ''}`);
        if (o.times) h.update(`\t${e.mtime}`);
        h.update('\n');
      }
      return h.digest('hex');
    },
    get size() { return byPath.size; },
    get applied() { return applied; },
    get lastTs() { return lastTs; },
  };
}
