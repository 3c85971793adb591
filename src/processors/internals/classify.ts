import type { FsPayload, VexEvent } from '../../events/types.js';
import type { Dimension } from '../options.js';

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

/** True for a rename that changes the file extension (a ransomware tell: a.docx → a.docx.locked). */
export function changesExtension(ev: VexEvent): boolean {
  if (ev.kind !== 'fs' || ev.op !== 'rename') return false;
  const p = ev.payload as FsPayload;
  return p.path2 !== null && extension(p.path) !== extension(p.path2);
}

/** Path of the file an event touches: the fs path, or the event key (collection) for others. */
export function pathOf(ev: VexEvent): string {
  return ev.kind === 'fs' ? (ev.payload as FsPayload).path : ev.key;
}

/** The process of an event (fs pid; -1 where unknown). */
export function processOf(ev: VexEvent): number {
  return ev.kind === 'fs' ? (ev.payload as FsPayload).pid : -1;
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

/** Maps events to their group in each dimension, with bounded caches so strings are not rebuilt per event. */
export class GroupKeys {
  private readonly prefixCache = new Map<string, string>();
  private readonly pidNames = new Map<number, string>();
  constructor(private readonly prefixDepth: number) {}

  /** The group of `ev` in `dim`, or null when the event has none (e.g. no process for vector events). */
  groupOf(ev: VexEvent, dim: Dimension): string | null {
    switch (dim) {
      case 'all': return '*';
      case 'op': return ev.op;
      case 'prefix': {
        const path = pathOf(ev);
        let p = this.prefixCache.get(path);
        if (p === undefined) {
          if (this.prefixCache.size >= 100_000) this.prefixCache.clear();
          p = ev.kind === 'fs' ? prefixOf(path, this.prefixDepth) : `${ev.kind}:${path}`;
          this.prefixCache.set(path, p);
        }
        return p;
      }
      case 'process': {
        const pid = processOf(ev);
        if (ev.kind !== 'fs') return null;
        // fuse-native does not pass the caller's pid to JavaScript: every fs event of such a mount
        // is one 'unknown' process, so the per-process detectors (mass modification / read) still
        // watch the node's whole file activity instead of nothing.
        if (pid < 0) return 'unknown';
        let s = this.pidNames.get(pid);
        if (s === undefined) {
          if (this.pidNames.size >= 100_000) this.pidNames.clear();
          s = String(pid);
          this.pidNames.set(pid, s);
        }
        return s;
      }
    }
  }
}
