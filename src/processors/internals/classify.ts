import type { FsPayload, VexEvent } from '../../events/types.js';
import { DDSketch } from '@datadog/sketches-js';
import type { Dimension } from '../options.js';

type KeyMapping = DDSketch['mapping'];

/** Op categories (bit flags) the windows and mass detectors count. */
export const READ = 1;
export const MODIFY = 2;
export const RENAME = 4;
export const UNLINK = 8;

const CATEGORY: Record<string, number> = {
  read: READ,
  write: MODIFY, create: MODIFY, truncate: MODIFY, ftruncate: MODIFY, mknod: MODIFY, setxattr: MODIFY,
  rename: MODIFY | RENAME,
  unlink: MODIFY | UNLINK, rmdir: MODIFY | UNLINK,
};

/** The category flags of an fs op (0 for ops that neither read nor modify data). */
export function categoryOf(ev: VexEvent): number {
  return ev.kind === 'fs' ? CATEGORY[ev.op] ?? 0 : 0;
}

/** True when an event reports a failure (fs errno or negative result, vector errorCode). */
export function isError(ev: VexEvent): boolean {
  if (ev.kind === 'fs') { const p = ev.payload as FsPayload; return p.errno !== 0 || p.result < 0; }
  if (ev.kind === 'vector') return (ev.payload as { errorCode: string | null }).errorCode !== null;
  return false;
}

/** Latency in µs of fs and vector events, -1 for others. */
export function latencyOf(ev: VexEvent): number {
  return ev.kind === 'fs' || ev.kind === 'vector' ? (ev.payload as { latencyUs: number }).latencyUs : -1;
}

/** Data bytes an fs read/write moved (0 for the rest). */
export function bytesOf(ev: VexEvent, category: number): number {
  if (ev.kind !== 'fs' || (category & (READ | MODIFY)) === 0) return 0;
  const p = ev.payload as FsPayload;
  return ev.op === 'read' || ev.op === 'write' ? (p.result > 0 ? p.result : p.size) : 0;
}

function extension(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(dot) : '';
}

/** First `depth` components of a path ("/a/b/c.txt" → "/a/b"); "/" for a top-level file. */
export function prefixOf(path: string, depth: number): string {
  let i = 0;
  let seen = 0;
  let lastSlash = 0;
  while (i < path.length) {
    if (path.charCodeAt(i) === 47 /* / */ && i > 0) { seen++; lastSlash = i; if (seen === depth) return path.slice(0, i); }
    i++;
  }
  return lastSlash > 0 ? path.slice(0, lastSlash) : '/';
}

/** Index of each dimension in EventFacts.groups. */
export const DIM_INDEX: Readonly<Record<Dimension, number>> = { all: 0, op: 1, prefix: 2, process: 3 };

/** A latency with no sketch key: zero (counted in the sketch's zero bucket) or absent. */
export const NO_KEY = -0x7fffffff;

/**
 * Everything the window, detector and pattern operators need to know about one event,
 * classified once. A scratch object reused for every event: read it before the next event.
 */
export class EventFacts {
  ts = 0;
  error = false;
  /** Latency in µs, -1 when the event has none. */
  latency = -1;
  /** The latency's key in the shared DDSketch index mapping (NO_KEY for 0 or none). */
  latencyKey = NO_KEY;
  category = 0;
  bytes = 0;
  extensionChange = false;
  /** The file an event touches: the fs path, or `kind:key` for other events. */
  file = '';
  /** The event's group per dimension (DIM_INDEX order); null where it has none. */
  readonly groups: (string | null)[] = ['*', null, null, null];
}

/** Bounds the caches so memory stays flat on streams of ever-new prefixes or pids. */
const MAX_CACHED = 65_536;

/**
 * Classifies events once for every operator that looks at them: analyse() hands one
 * Classifier to all its operators, and since connect() passes each event to every branch in
 * turn, the second and later branches get the facts of the first for free. Prefix strings and
 * pid names are interned (bounded caches), so group lookups hit small maps with cached hashes;
 * nothing is cached per path (a map of every path costs cache misses on every event).
 */
export class Classifier {
  readonly facts = new EventFacts();
  private last: VexEvent | null = null;
  private lastTs = NaN;
  private readonly prefixes = new Map<string, string>();
  private readonly pidNames = new Map<number, string>();
  /** Maps latencies to sketch keys; the panes' sketches use the same relative accuracy. */
  private readonly mapping: KeyMapping;

  constructor(readonly prefixDepth: number, relativeAccuracy: number) {
    this.mapping = new DDSketch({ relativeAccuracy }).mapping;
  }

  /** The facts of `ev` (the same scratch object every call). */
  classify(ev: VexEvent): EventFacts {
    const f = this.facts;
    if (ev === this.last && ev.ts === this.lastTs) return f;
    this.last = ev; this.lastTs = ev.ts;
    f.ts = ev.ts;
    f.error = isError(ev);
    const latency = latencyOf(ev);
    f.latency = latency;
    f.latencyKey = latency > this.mapping.minPossible ? this.mapping.key(latency) : NO_KEY;
    const cat = categoryOf(ev);
    f.category = cat;
    f.bytes = cat === 0 ? 0 : bytesOf(ev, cat);
    const g = f.groups;
    g[1] = ev.op;
    if (ev.kind === 'fs') {
      const p = ev.payload as FsPayload;
      f.file = p.path;
      f.extensionChange = (cat & RENAME) !== 0 && p.path2 !== null && extension(p.path) !== extension(p.path2);
      g[2] = this.intern(prefixOf(p.path, this.prefixDepth));
      const pid = p.pid;
      // fuse-native does not pass the caller's pid to JavaScript: every fs event of such a mount
      // is one 'unknown' process, so the per-process detectors (mass modification / read) still
      // watch the node's whole file activity instead of nothing.
      g[3] = pid < 0 ? 'unknown' : this.pidName(pid);
    } else {
      const file = `${ev.kind}:${ev.key}`;
      f.file = file;
      f.extensionChange = false;
      g[2] = this.intern(file);
      g[3] = null;
    }
    return f;
  }

  private intern(prefix: string): string {
    const s = this.prefixes.get(prefix);
    if (s !== undefined) return s;
    if (this.prefixes.size >= MAX_CACHED) this.prefixes.clear();
    this.prefixes.set(prefix, prefix);
    return prefix;
  }

  private pidName(pid: number): string {
    let s = this.pidNames.get(pid);
    if (s === undefined) {
      if (this.pidNames.size >= MAX_CACHED) this.pidNames.clear();
      s = String(pid);
      this.pidNames.set(pid, s);
    }
    return s;
  }
}
