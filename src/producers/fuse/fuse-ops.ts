import { createHash } from 'node:crypto';
import {
  closeSync, constants as C, fchmodSync, fstatSync, fdatasyncSync, fsyncSync, ftruncateSync, linkSync, lchownSync, lstatSync,
  lutimesSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, renameSync, rmdirSync,
  statfsSync, symlinkSync, unlinkSync, writeSync, accessSync, chmodSync, type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Emitter } from '../../events/emitter.js';
import { fsPayload } from '../../events/payloads.js';
import { metrics } from '../../metrics/registry.js';
import { E, errnoName, toErrno } from './errno.js';
import type { SemanticHooks } from './semantic-hooks.js';
import { createXattrStore } from './xattr-store.js';

/** Hidden sidecar directory at the backing root (xattrs); invisible and untouchable through the mount. */
export const META_DIR = '.vexfs-meta';
/** Root of the read-only virtual tree (`/.vexfs/similar/<path>`). */
export const VIRTUAL_DIR = '/.vexfs';
const SIMILAR_DIR = '/.vexfs/similar';
const META_PATH = `/${META_DIR}`;
/** Linux NAME_MAX and XATTR_NAME_MAX. */
const NAME_MAX = 255;
/** xattr names the semantic hooks own. */
export const XATTR_EMBEDDING = 'user.vexfs.embedding';
export const XATTR_COLLECTION = 'user.vexfs.collection';

/** What the handlers need; runMount builds it from validated options. */
export interface FuseOpsConfig {
  /** Backing directory (absolute, symlinks resolved). */
  root: string;
  /** Where events go; null turns events off (benchmark baseline). */
  emitter: Emitter | null;
  /** Embeddings and similar files; null stores user.vexfs.* as ordinary xattrs and lists no similar files. */
  hooks: SemanticHooks | null;
  /** SHA-256 of the written bytes in write events. */
  contentHash: boolean;
  /** How many files `.vexfs/similar/<path>` lists. */
  similarK: number;
  /** Largest xattr value accepted (bytes); above it setxattr fails with E2BIG. */
  xattrMaxValueBytes: number;
  /**
   * The FUSE context of the request being served, kept current by mount.ts (uid/gid/pid of the
   * calling process); default: all -1 (unknown: fuse-native without the context patch, or unit tests).
   */
  context?: RequestContext;
}

/** uid, gid and pid of the process that made the request being served; -1 when unknown. */
export interface RequestContext { uid: number; gid: number; pid: number }

/** A request context holder with every field unknown (-1). */
export function unknownContext(): RequestContext {
  return { uid: -1, gid: -1, pid: -1 };
}

type Cb = (...args: any[]) => void;
/** fuse-native's stat shape; times in ms. */
interface StatOut { mode: number; uid: number; gid: number; size: number; dev: number; nlink: number; ino: number; rdev: number; blksize: number; blocks: number; atime: number; mtime: number; ctime: number }

const O_NOFOLLOW = C.O_NOFOLLOW;
const O_APPEND = C.O_APPEND;
const S_IFDIR = C.S_IFDIR;
const S_IFLNK = C.S_IFLNK;
const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;

function statOut(st: Stats): StatOut {
  return {
    mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, dev: st.dev, nlink: st.nlink, ino: st.ino, rdev: st.rdev,
    blksize: st.blksize, blocks: st.blocks, atime: st.atimeMs, mtime: st.mtimeMs, ctime: st.ctimeMs,
  };
}

/**
 * The fuse-native operation table of a passthrough filesystem over `cfg.root`.
 * Every handler is synchronous, emits exactly one `fs` event (success or failure) before
 * replying, and answers with the errno the backing filesystem gave. With a strict journal
 * the reply waits for the event to be durable.
 */
export function createFuseOps(cfg: FuseOpsConfig): Record<string, Cb> {
  const { root, emitter, hooks } = cfg;
  const ctx = cfg.context ?? unknownContext();
  const xattrs = createXattrStore(join(root, META_DIR));
  const started = Date.now();
  const opCounters = new Map<string, Map<number, { inc(): void }>>();
  const opHistograms = new Map<string, { observe(v: number): void }>();

  function counter(op: string, result: number): { inc(): void } {
    const key = result >= 0 ? 0 : result;
    let byResult = opCounters.get(op);
    if (!byResult) opCounters.set(op, (byResult = new Map()));
    let c = byResult.get(key);
    if (!c) byResult.set(key, (c = metrics.fuseOps.labels(op, errnoName(key))));
    return c;
  }

  function histogram(op: string): { observe(v: number): void } {
    let h = opHistograms.get(op);
    if (!h) opHistograms.set(op, (h = metrics.fuseOpDuration.labels(op)));
    return h;
  }

  /** Emits the event of one request and returns what to wait for before replying (strict journal) or null. */
  function record(op: string, path: string, result: number, t0: number, ino: number, fd: number, offset: number,
    size: number, path2: string | null, mode: number | null, name: string | null, hash: Buffer | null): Promise<void> | null {
    const secs = (performance.now() - t0) / 1000;
    counter(op, result).inc();
    histogram(op).observe(secs);
    if (emitter === null) return null;
    // deferred: the journal writes the events of one event-loop turn together; reply() waits for that write
    emitter.emit({
      kind: 'fs', op, key: path,
      payload: fsPayload({
        path, path2, ino, fd, offset, size, result, errno: result < 0 ? -result : 0,
        latencyUs: Math.round(secs * 1e6), mode, name, contentHash: hash, uid: ctx.uid, gid: ctx.gid, pid: ctx.pid,
      }),
    }, true);
    return emitter.durable();
  }

  /** Records then replies cb(result, value); a journal failure turns the reply into EIO (the app must not believe an unlogged op). */
  function reply(cb: Cb, op: string, path: string, result: number, t0: number, value?: unknown, ino = 0, fd = -1,
    offset = 0, size = 0, path2: string | null = null, mode: number | null = null, name: string | null = null,
    hash: Buffer | null = null): void {
    let wait: Promise<void> | null;
    try {
      wait = record(op, path, result, t0, ino, fd, offset, size, path2, mode, name, hash);
    } catch (err) {
      process.emitWarning(`vexfs: event for ${op} ${path} not recorded: ${(err as Error).message}`);
      cb(E.EIO);
      return;
    }
    if (wait === null) cb(result, value);
    else wait.then(() => cb(result, value), () => cb(E.EIO));
  }

  /** Backing path of a mount path, or a negative errno (escape attempt, reserved name, name too long). */
  function resolve(p: string, creating = false): string | number {
    if (p.length === 1) return root;
    const last = p.lastIndexOf('/');
    if (p.length - last - 1 > 85 && Buffer.byteLength(p.slice(last + 1)) > NAME_MAX) return E.ENAMETOOLONG;
    if (p.charCodeAt(1) === 46 /* '.' */) {
      if (p === META_PATH || p.startsWith(`${META_PATH}/`)) return creating ? E.EPERM : E.ENOENT;
      if (p === VIRTUAL_DIR || p.startsWith(`${VIRTUAL_DIR}/`)) return E.EROFS;
    }
    if (p.includes('/.')) {
      for (const part of p.split('/')) if (part === '..' || part === '.') return E.EINVAL;
    }
    if (last > 0) {
      // The kernel resolves symlinks itself and sends symlink-free paths, so a symlink in the
      // parent chain means the backing tree changed behind a cached lookup (or an attack): the
      // daemon must never follow it. Checked on every request (no cache: the backing tree can
      // change behind our back) with one lstat per directory below the root (the root itself was
      // resolved with realpath at mount): ~3 µs per level, where realpath(3) of the whole parent
      // walked every component from / (~12 µs for a parent five levels deep).
      for (let k = p.indexOf('/', 1); k !== -1 && k <= last; k = p.indexOf('/', k + 1)) {
        let st: Stats | undefined;
        try { st = lstatSync(root + p.slice(0, k), { throwIfNoEntry: false }); } catch (err) { return toErrno(err); }
        if (st === undefined) return E.ENOENT;
        if (st.isSymbolicLink()) return E.ELOOP;
        if (!st.isDirectory()) break; // a file: nothing lies below it, the syscall itself answers ENOTDIR
      }
    }
    return root + p;
  }

  function lstatQuiet(b: string): Stats | undefined {
    return lstatSync(b, { throwIfNoEntry: false });
  }

  function lstatOrNull(b: string): Stats | null {
    try { return lstatSync(b, { throwIfNoEntry: false }) ?? null; } catch { return null; }
  }

  // ---- the virtual .vexfs tree --------------------------------------------------------
  const virtualDirStat = (): StatOut => ({
    mode: S_IFDIR | 0o555, uid: 0, gid: 0, size: 0, dev: 0, nlink: 2, ino: 0, rdev: 0, blksize: 4096, blocks: 0,
    atime: started, mtime: started, ctime: started,
  });
  const isVirtual = (p: string): boolean => p.charCodeAt(1) === 46 && (p === VIRTUAL_DIR || p.startsWith(`${VIRTUAL_DIR}/`));

  /** Relative symlink target from the directory `dir` (a mount path) to the mount path `to`. */
  function relTarget(dir: string, to: string): string {
    let depth = 0;
    for (let i = 0; i < dir.length; i++) if (dir.charCodeAt(i) === 47) depth++;
    return '../'.repeat(depth) + to.slice(1);
  }

  function similarOf(p: string): Array<{ name: string; path: string }> {
    if (!hooks) return [];
    return hooks.similar(p, cfg.similarK).map((s, i) => ({ name: `${i + 1}-${s.path.slice(s.path.lastIndexOf('/') + 1)}`, path: s.path }));
  }

  type Virtual = { kind: 'dir'; listing: () => string[] } | { kind: 'link'; target: string } | number;
  /** What a path under /.vexfs is: a directory (with its listing), a ranked symlink, or an errno. */
  function virtual(p: string): Virtual {
    if (p === VIRTUAL_DIR) return { kind: 'dir', listing: () => ['similar'] };
    if (p === SIMILAR_DIR) return { kind: 'dir', listing: () => listBacking('/') };
    if (!p.startsWith(`${SIMILAR_DIR}/`)) return E.ENOENT;
    const rest = p.slice(SIMILAR_DIR.length);
    if (rest === VIRTUAL_DIR || rest.startsWith(`${VIRTUAL_DIR}/`)) return E.ENOENT;
    const b = resolve(rest);
    if (typeof b === 'number') return b === E.EROFS ? E.ENOENT : b;
    const st = lstatOrNull(b);
    if (st?.isDirectory()) return { kind: 'dir', listing: () => listBacking(rest) };
    if (st?.isFile()) return { kind: 'dir', listing: () => similarOf(rest).map((s) => s.name) };
    const slash = rest.lastIndexOf('/');
    const file = rest.slice(0, slash);
    const name = rest.slice(slash + 1);
    if (slash <= 0 || !/^[0-9]+-/.test(name)) return E.ENOENT;
    const fb = resolve(file);
    if (typeof fb === 'number' || !lstatOrNull(fb)?.isFile()) return E.ENOENT;
    const hit = similarOf(file).find((s) => s.name === name);
    if (!hit) return E.ENOENT;
    return { kind: 'link', target: relTarget(SIMILAR_DIR + file, hit.path) };
  }

  function listBacking(dir: string): string[] {
    const b = resolve(dir);
    if (typeof b === 'number') return [];
    // Symlinks are left out: the similar tree only mirrors directories and regular files.
    const names = readdirSync(b, { withFileTypes: true }).filter((d) => d.isDirectory() || d.isFile()).map((d) => d.name);
    return dir === '/' ? names.filter((n) => n !== META_DIR && n !== '.vexfs') : names;
  }

  // ---- handlers -----------------------------------------------------------------------
  return {
    getattr(path: string, cb: Cb) {
      const t0 = performance.now();
      if (isVirtual(path)) {
        const v = virtual(path);
        if (typeof v === 'number') return reply(cb, 'getattr', path, v, t0);
        const st = virtualDirStat();
        if (v.kind === 'link') { st.mode = S_IFLNK | 0o777; st.size = Buffer.byteLength(v.target); st.nlink = 1; }
        return reply(cb, 'getattr', path, 0, t0, st);
      }
      const b = resolve(path);
      if (typeof b === 'number') return reply(cb, 'getattr', path, b, t0);
      let st: Stats | undefined;
      try { st = lstatQuiet(b); } catch (err) { return reply(cb, 'getattr', path, toErrno(err), t0); }
      if (st === undefined) return reply(cb, 'getattr', path, E.ENOENT, t0);
      return reply(cb, 'getattr', path, 0, t0, statOut(st), st.ino);
    },

    fgetattr(path: string, fd: number, cb: Cb) {
      const t0 = performance.now();
      try {
        const st = fstatSync(fd);
        return reply(cb, 'fgetattr', path, 0, t0, statOut(st), st.ino, fd);
      } catch (err) { return reply(cb, 'fgetattr', path, toErrno(err), t0, undefined, 0, fd); }
    },

    readdir(path: string, cb: Cb) {
      const t0 = performance.now();
      let names: string[];
      try {
        if (isVirtual(path)) {
          const v = virtual(path);
          if (typeof v === 'number') return reply(cb, 'readdir', path, v, t0);
          if (v.kind !== 'dir') return reply(cb, 'readdir', path, E.ENOTDIR, t0);
          names = v.listing();
        } else {
          const b = resolve(path);
          if (typeof b === 'number') return reply(cb, 'readdir', path, b, t0);
          const st = lstatQuiet(b);
          if (!st) return reply(cb, 'readdir', path, E.ENOENT, t0);
          if (!st.isDirectory()) return reply(cb, 'readdir', path, E.ENOTDIR, t0);
          names = readdirSync(b);
          if (path === '/') names = names.filter((n) => n !== META_DIR && n !== '.vexfs');
        }
      } catch (err) { return reply(cb, 'readdir', path, toErrno(err), t0); }
      names.unshift('.', '..');
      return reply(cb, 'readdir', path, 0, t0, names, 0, -1, 0, names.length);
    },

    opendir(path: string, _flags: number, cb: Cb) {
      const t0 = performance.now();
      if (isVirtual(path)) {
        const v = virtual(path);
        return reply(cb, 'opendir', path, typeof v === 'number' ? v : v.kind === 'dir' ? 0 : E.ENOTDIR, t0, 0);
      }
      const b = resolve(path);
      if (typeof b === 'number') return reply(cb, 'opendir', path, b, t0, 0);
      const st = lstatQuiet(b);
      if (!st) return reply(cb, 'opendir', path, E.ENOENT, t0, 0);
      return reply(cb, 'opendir', path, st.isDirectory() ? 0 : E.ENOTDIR, t0, 0, st.ino);
    },

    releasedir(path: string, _fd: number, cb: Cb) {
      reply(cb, 'releasedir', path, 0, performance.now());
    },

    fsyncdir(path: string, _datasync: number, _fd: number, cb: Cb) {
      reply(cb, 'fsyncdir', path, 0, performance.now());
    },

    access(path: string, mode: number, cb: Cb) {
      const t0 = performance.now();
      if (isVirtual(path)) {
        const v = virtual(path);
        return reply(cb, 'access', path, typeof v === 'number' ? v : (mode & C.W_OK) ? E.EROFS : 0, t0);
      }
      const b = resolve(path);
      if (typeof b === 'number') return reply(cb, 'access', path, b, t0);
      try {
        const st = lstatQuiet(b);
        if (!st) return reply(cb, 'access', path, E.ENOENT, t0);
        // accessSync follows symlinks: never let it look at a link's target.
        if (!st.isSymbolicLink()) accessSync(b, mode);
        return reply(cb, 'access', path, 0, t0, undefined, st.ino);
      } catch (err) { return reply(cb, 'access', path, toErrno(err), t0); }
    },

    open(path: string, flags: number, cb: Cb) {
      const t0 = performance.now();
      if (isVirtual(path)) return reply(cb, 'open', path, E.EISDIR, t0, 0);
      const b = resolve(path);
      if (typeof b === 'number') return reply(cb, 'open', path, b, t0, 0);
      try {
        // O_APPEND off: the kernel already computed the append offset of each write.
        const fd = openSync(b, (flags & ~O_APPEND) | O_NOFOLLOW);
        return reply(cb, 'open', path, 0, t0, fd, 0, fd);
      } catch (err) { return reply(cb, 'open', path, toErrno(err), t0, 0); }
    },

    create(path: string, mode: number, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path, true);
      if (typeof b === 'number') return reply(cb, 'create', path, b, t0, 0, 0, -1, 0, 0, null, mode);
      try {
        // The kernel applied the caller's umask already; ours must not mask the mode again.
        const umask = process.umask(0);
        let fd: number;
        try { fd = openSync(b, C.O_CREAT | C.O_RDWR | O_NOFOLLOW, mode & 0o7777); } finally { process.umask(umask); }
        return reply(cb, 'create', path, 0, t0, fd, 0, fd, 0, 0, null, mode);
      } catch (err) { return reply(cb, 'create', path, toErrno(err), t0, 0, 0, -1, 0, 0, null, mode); }
    },

    read(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: Cb) {
      const t0 = performance.now();
      let n: number;
      try { n = readSync(fd, buf, 0, len, pos); } catch (err) { n = toErrno(err); }
      reply(cb, 'read', path, n, t0, undefined, 0, fd, pos, len);
    },

    write(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: Cb) {
      const t0 = performance.now();
      let n: number;
      try { n = writeSync(fd, buf, 0, len, pos); } catch (err) { n = toErrno(err); }
      const hash = cfg.contentHash && n > 0 ? createHash('sha256').update(buf.subarray(0, n)).digest() : null;
      reply(cb, 'write', path, n, t0, undefined, 0, fd, pos, len, null, null, null, hash);
    },

    flush(path: string, fd: number, cb: Cb) {
      reply(cb, 'flush', path, 0, performance.now(), undefined, 0, fd);
    },

    fsync(path: string, datasync: number, fd: number, cb: Cb) {
      const t0 = performance.now();
      let r = 0;
      try { if (datasync) fdatasyncSync(fd); else fsyncSync(fd); } catch (err) { r = toErrno(err); }
      reply(cb, 'fsync', path, r, t0, undefined, 0, fd);
    },

    release(path: string, fd: number, cb: Cb) {
      const t0 = performance.now();
      let r = 0;
      try { closeSync(fd); } catch (err) { r = toErrno(err); }
      reply(cb, 'release', path, r, t0, undefined, 0, fd);
    },

    truncate(path: string, size: number, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path);
      if (typeof b === 'number') return reply(cb, 'truncate', path, b, t0, undefined, 0, -1, 0, size);
      let r = 0;
      try {
        const fd = openSync(b, C.O_WRONLY | O_NOFOLLOW | C.O_NONBLOCK);
        try { ftruncateSync(fd, size); } finally { closeSync(fd); }
      } catch (err) { r = toErrno(err); }
      reply(cb, 'truncate', path, r, t0, undefined, 0, -1, 0, size);
    },

    ftruncate(path: string, fd: number, size: number, cb: Cb) {
      const t0 = performance.now();
      let r = 0;
      try { ftruncateSync(fd, size); } catch (err) { r = toErrno(err); }
      reply(cb, 'ftruncate', path, r, t0, undefined, 0, fd, 0, size);
    },

    mkdir(path: string, mode: number, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path, true);
      let r = 0;
      if (typeof b === 'number') r = b;
      else {
        const umask = process.umask(0);
        try { mkdirSync(b, mode & 0o7777); } catch (err) { r = toErrno(err); } finally { process.umask(umask); }
      }
      reply(cb, 'mkdir', path, r, t0, undefined, 0, -1, 0, 0, null, mode);
    },

    rmdir(path: string, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path);
      if (typeof b === 'number') return reply(cb, 'rmdir', path, b, t0);
      let r = 0;
      let ino = 0;
      try {
        const st = lstatQuiet(b);
        if (st) ino = st.ino;
        rmdirSync(b);
        xattrs.drop(ino);
      } catch (err) { r = toErrno(err); }
      reply(cb, 'rmdir', path, r, t0, undefined, ino);
    },

    unlink(path: string, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path);
      if (typeof b === 'number') return reply(cb, 'unlink', path, b, t0);
      let r = 0;
      let ino = 0;
      try {
        const st = lstatQuiet(b);
        unlinkSync(b);
        if (st) { ino = st.ino; if (st.nlink <= 1) xattrs.drop(ino); }
        hooks?.removed(path);
      } catch (err) { r = toErrno(err); }
      reply(cb, 'unlink', path, r, t0, undefined, ino);
    },

    rename(src: string, dest: string, cb: Cb) {
      const t0 = performance.now();
      const a = resolve(src);
      const b = resolve(dest, true);
      let r = 0;
      let ino = 0;
      if (typeof a === 'number') r = a;
      else if (typeof b === 'number') r = b;
      else {
        try {
          const replaced = lstatQuiet(b);
          renameSync(a, b);
          if (replaced && (replaced.nlink <= 1 || replaced.isDirectory())) xattrs.drop(replaced.ino);
          ino = lstatQuiet(b)?.ino ?? 0;
          if (replaced) hooks?.removed(dest);
          hooks?.renamed(src, dest);
        } catch (err) { r = toErrno(err); }
      }
      reply(cb, 'rename', src, r, t0, undefined, ino, -1, 0, 0, dest);
    },

    link(src: string, dest: string, cb: Cb) {
      const t0 = performance.now();
      const a = resolve(src);
      const b = resolve(dest, true);
      let r = 0;
      if (typeof a === 'number') r = a;
      else if (typeof b === 'number') r = b;
      else try { linkSync(a, b); } catch (err) { r = toErrno(err); }
      reply(cb, 'link', src, r, t0, undefined, 0, -1, 0, 0, dest);
    },

    symlink(target: string, path: string, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path, true);
      let r = 0;
      if (typeof b === 'number') r = b;
      // Stored verbatim: the kernel resolves it relative to the mount, never the daemon.
      else try { symlinkSync(target, b); } catch (err) { r = toErrno(err); }
      reply(cb, 'symlink', path, r, t0, undefined, 0, -1, 0, 0, target);
    },

    readlink(path: string, cb: Cb) {
      const t0 = performance.now();
      if (isVirtual(path)) {
        const v = virtual(path);
        if (typeof v === 'number') return reply(cb, 'readlink', path, v, t0);
        if (v.kind !== 'link') return reply(cb, 'readlink', path, E.EINVAL, t0);
        return reply(cb, 'readlink', path, 0, t0, v.target, 0, -1, 0, 0, v.target);
      }
      const b = resolve(path);
      if (typeof b === 'number') return reply(cb, 'readlink', path, b, t0);
      try {
        const target = readlinkSync(b);
        return reply(cb, 'readlink', path, 0, t0, target, 0, -1, 0, 0, target);
      } catch (err) { return reply(cb, 'readlink', path, toErrno(err), t0); }
    },

    chmod(path: string, mode: number, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path);
      let r = 0;
      if (typeof b === 'number') r = b;
      else {
        try {
          // fchmod on an O_NOFOLLOW fd: the final component can never be a swapped-in symlink.
          const fd = openSync(b, C.O_RDONLY | O_NOFOLLOW | C.O_NONBLOCK);
          try { fchmodSync(fd, mode & 0o7777); } finally { closeSync(fd); }
        } catch (err) {
          r = toErrno(err);
          if (r === E.EACCES) {
            r = 0;
            try { if (lstatQuiet(b)?.isSymbolicLink()) r = E.ELOOP; else chmodSync(b, mode & 0o7777); } catch (e2) { r = toErrno(e2); }
          }
        }
      }
      reply(cb, 'chmod', path, r, t0, undefined, 0, -1, 0, 0, null, mode);
    },

    chown(path: string, uid: number, gid: number, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path);
      let r = 0;
      if (typeof b === 'number') r = b;
      else try { lchownSync(b, uid === 0xffffffff ? -1 : uid, gid === 0xffffffff ? -1 : gid); } catch (err) { r = toErrno(err); }
      reply(cb, 'chown', path, r, t0);
    },

    utimens(path: string, atime: number, mtime: number, cb: Cb) {
      const t0 = performance.now();
      const b = resolve(path);
      let r = 0;
      if (typeof b === 'number') r = b;
      else {
        // fuse-native passes ms, and UTIME_NOW/UTIME_OMIT arrive as ~1 s after the epoch: treat them as now.
        const now = Date.now();
        const a = atime < 100_000 ? now : atime;
        const m = mtime < 100_000 ? now : mtime;
        try { lutimesSync(b, a / 1000, m / 1000); } catch (err) { r = toErrno(err); }
      }
      reply(cb, 'utimens', path, r, t0);
    },

    statfs(path: string, cb: Cb) {
      const t0 = performance.now();
      try {
        const s = statfsSync(root);
        reply(cb, 'statfs', path, 0, t0, {
          bsize: s.bsize, frsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files,
          ffree: s.ffree, favail: s.ffree, fsid: 0, flag: 0, namemax: NAME_MAX,
        });
      } catch (err) { reply(cb, 'statfs', path, toErrno(err), t0); }
    },

    mknod(path: string, mode: number, _dev: number, cb: Cb) {
      // Device nodes, FIFOs and sockets are not supported (regular files come through create).
      reply(cb, 'mknod', path, E.ENOSYS, performance.now(), undefined, 0, -1, 0, 0, null, mode);
    },

    setxattr(path: string, name: string, value: Buffer, _position: number, flags: number, cb: Cb) {
      const t0 = performance.now();
      const size = value.length;
      const done = (r: number, ino = 0): void => reply(cb, 'setxattr', path, r, t0, undefined, ino, -1, 0, size, null, null, name);
      if (Buffer.byteLength(name) > NAME_MAX) return done(E.ERANGE);
      if (!name.startsWith('user.')) return done(E.EOPNOTSUPP);
      if (size > cfg.xattrMaxValueBytes) return done(E.E2BIG);
      const b = resolve(path);
      if (typeof b === 'number') return done(b);
      try {
        const st = lstatQuiet(b);
        if (!st) return done(E.ENOENT);
        if (st.isSymbolicLink()) return done(E.EPERM);
        if (hooks && name === XATTR_EMBEDDING) {
          const exists = hooks.getEmbedding(path) !== null;
          if ((flags & XATTR_CREATE) && exists) return done(E.EEXIST, st.ino);
          if ((flags & XATTR_REPLACE) && !exists) return done(E.ENODATA, st.ino);
          const coll = xattrs.get(st.ino, XATTR_COLLECTION);
          hooks.setEmbedding(path, value, coll ? coll.toString('utf8').replace(/\0+$/, '') : null);
          return done(0, st.ino);
        }
        const exists = xattrs.get(st.ino, name) !== undefined;
        if ((flags & XATTR_CREATE) && exists) return done(E.EEXIST, st.ino);
        if ((flags & XATTR_REPLACE) && !exists) return done(E.ENODATA, st.ino);
        xattrs.set(st.ino, name, value);
        return done(0, st.ino);
      } catch (err) { return done(toErrno(err)); }
    },

    getxattr(path: string, name: string, _position: number, cb: Cb, room = 0) {
      // `room` is the caller's buffer size (0 = asking for the size), passed by mount.ts.
      const t0 = performance.now();
      const done = (r: number, v?: Buffer, ino = 0): void => reply(cb, 'getxattr', path, r, t0, v, ino, -1, 0, v?.length ?? 0, null, null, name);
      if (isVirtual(path)) return done(E.ENODATA);
      const b = resolve(path);
      if (typeof b === 'number') return done(b);
      try {
        const st = lstatQuiet(b);
        if (!st) return done(E.ENOENT);
        // Only user.* names are ever stored (setxattr refuses the others): the kernel's security.capability
        // check before each write is answered without touching the store.
        const v = !name.startsWith('user.') ? undefined
          : hooks && name === XATTR_EMBEDDING ? hooks.getEmbedding(path) ?? undefined : xattrs.get(st.ino, name);
        if (v === undefined) return done(E.ENODATA, undefined, st.ino);
        if (room > 0 && v.length > room) return done(E.ERANGE, undefined, st.ino);
        return done(0, v, st.ino);
      } catch (err) { return done(toErrno(err)); }
    },

    listxattr(path: string, cb: Cb, room = 0) {
      const t0 = performance.now();
      const done = (r: number, list?: string[], ino = 0): void => reply(cb, 'listxattr', path, r, t0, list, ino, -1, 0, list?.length ?? 0);
      if (isVirtual(path)) return done(0, []);
      const b = resolve(path);
      if (typeof b === 'number') return done(b);
      try {
        const st = lstatQuiet(b);
        if (!st) return done(E.ENOENT);
        const names = xattrs.list(st.ino);
        if (hooks && !names.includes(XATTR_EMBEDDING) && hooks.getEmbedding(path) !== null) names.push(XATTR_EMBEDDING);
        let bytes = 0;
        for (const n of names) bytes += Buffer.byteLength(n) + 1;
        if (room > 0 && bytes > room) return done(E.ERANGE, undefined, st.ino);
        return done(0, names, st.ino);
      } catch (err) { return done(toErrno(err)); }
    },

    removexattr(path: string, name: string, cb: Cb) {
      const t0 = performance.now();
      const done = (r: number, ino = 0): void => reply(cb, 'removexattr', path, r, t0, undefined, ino, -1, 0, 0, null, null, name);
      if (!name.startsWith('user.')) return done(E.EOPNOTSUPP);
      const b = resolve(path);
      if (typeof b === 'number') return done(b);
      try {
        const st = lstatQuiet(b);
        if (!st) return done(E.ENOENT);
        if (hooks && name === XATTR_EMBEDDING) {
          if (hooks.getEmbedding(path) === null) return done(E.ENODATA, st.ino);
          hooks.removeEmbedding(path);
          return done(0, st.ino);
        }
        return done(xattrs.remove(st.ino, name) ? 0 : E.ENODATA, st.ino);
      } catch (err) { return done(toErrno(err)); }
    },
  };
}
