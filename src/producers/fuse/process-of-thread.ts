import { readFileSync } from 'node:fs';

/**
 * FUSE reports the id of the calling *thread* (the kernel's pid of a task), so a multi-threaded
 * application — node's libuv pool, a JVM, a Go program — shows up as many "processes", and the
 * per-process detectors (mass modification, mass read) would see its work split between them.
 * This maps a thread id to its process id (the `Tgid:` line of /proc/<tid>/status), cached for
 * `ttlMs` so the /proc read happens about once per thread per second, not per request; a thread id
 * reused by another process is picked up after at most `ttlMs`. When /proc has no entry (the thread
 * has exited) or the id is 0 (a request the kernel makes on its own, e.g. release), the id is kept.
 */
export function createProcessOfThread(opts: { ttlMs?: number; maxEntries?: number; now?: () => number; status?: (tid: number) => string } = {}): (tid: number) => number {
  const ttlMs = opts.ttlMs ?? 1000;
  const maxEntries = opts.maxEntries ?? 4096;
  const now = opts.now ?? (() => performance.now());
  const status = opts.status ?? ((tid: number) => readFileSync(`/proc/${tid}/status`, 'latin1'));
  const cache = new Map<number, { pid: number; at: number }>();
  return (tid) => {
    if (tid <= 0) return tid;
    const t = now();
    const hit = cache.get(tid);
    if (hit !== undefined && t - hit.at < ttlMs) return hit.pid;
    let pid = tid;
    try {
      const m = /^Tgid:\s*(\d+)/m.exec(status(tid));
      if (m) pid = Number(m[1]);
    } catch { /* exited: keep the thread id */ }
    if (cache.size >= maxEntries) cache.clear();
    cache.set(tid, { pid, at: t });
    return pid;
  };
}
