import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCodes, VexfsError } from '../../errors.js';
import type { RequestContext } from './fuse-ops.js';
import { createProcessOfThread } from './process-of-thread.js';

const require = createRequire(import.meta.url);
const run = promisify(execFile);

/** Kernel cache settings of a mount (see docs/fuse.md for what each trades). */
export interface KernelCacheOptions {
  /** Seconds the kernel caches attributes (stat); 0 sends every stat to the daemon. */
  attrTimeout: number;
  /** Seconds the kernel caches name lookups; 0 looks every path component up again. */
  entryTimeout: number;
  /** Keep file pages cached across opens (`kernel_cache`). */
  kernelCache: boolean;
}

/** A mounted fuse-native filesystem. */
export interface FuseMount {
  readonly mountpoint: string;
  /** True when the fuse-native addon carries the context patch, so events get the caller's uid/gid/pid. */
  readonly context: boolean;
  /** Unmounts (fusermount -uz, then the native teardown). Idempotent. */
  unmount(): Promise<void>;
}

interface FuseInstance {
  opts: Record<string, unknown>;
  ops: Record<string, (...a: any[]) => void>;
  mount(cb: (err: Error | null) => void): void;
  unmount(cb: (err: Error | null) => void): void;
  _fuseOptions(): string;
  _op_getxattr: (...a: any[]) => void;
  _op_listxattr: (...a: any[]) => void;
  _op_fgetattr: (...a: any[]) => void;
  _handlers: Array<((...a: any[]) => unknown) | undefined>;
}
type FuseCtor = new (mnt: string, ops: Record<string, unknown>, opts: Record<string, unknown>) => FuseInstance;

/** The mount entries (mountinfo field 5) at `mountpoint`, with their filesystem types. */
export async function mountsAt(mountpoint: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f[4] === undefined || dash < 0) continue;
    const mp = f[4].replace(/\\040/g, ' ').replace(/\\011/g, '\t').replace(/\\012/g, '\n').replace(/\\134/g, '\\');
    if (mp === mountpoint) out.push(f[dash + 1] ?? '?');
  }
  return out;
}

/**
 * Clears a mount left at `mountpoint` by a killed process (the kernel answers ENOTCONN) with
 * `fusermount -uz`, falling back to `umount -l`. A live mount is left alone and refused.
 * Returns a message describing what was done, or null when nothing was mounted there.
 */
export async function clearStaleMount(mountpoint: string, log: (msg: string) => void = () => {}): Promise<string | null> {
  const mp = resolvePath(mountpoint);
  const entries = await mountsAt(mp);
  if (entries.length === 0) return null;
  let stale = false;
  try { await stat(mp); } catch (err) { stale = (err as NodeJS.ErrnoException).code === 'ENOTCONN'; }
  if (!stale) {
    throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `mountpoint ${mp} is already mounted (${entries.join(', ')}) by a live process; unmount it first`, { context: { mountpoint: mp } });
  }
  for (let i = 0; i < entries.length; i++) {
    try { await run('fusermount', ['-uz', mp]); } catch {
      try { await run('umount', ['-l', mp]); } catch (err) {
        throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `stale mount at ${mp} could not be cleared: ${(err as Error).message}`, { context: { mountpoint: mp } });
      }
    }
  }
  const msg = `cleared a stale mount at ${mp} (left by a process that was killed; the kernel answered ENOTCONN)`;
  log(msg);
  return msg;
}

/**
 * libfuse options fuse-native does not expose: backing inode numbers, real unlink of open files,
 * and `big_writes` (without it the kernel sends one page, 4 KiB, per write request; with it up to
 * libfuse 2.9's max_write of 128 KiB, so a 1 MiB write(2) is 8 requests and 8 events, not 256).
 */
const EXTRA_OPTIONS = 'use_ino,hard_remove,big_writes';

/**
 * True when the loaded fuse-native addon was built with src/producers/fuse/native/fuse-native-context.patch
 * (scripts/setup.sh does it): the first argument of every handler, the libfuse thread's locals buffer,
 * then starts with the request's uid, gid and pid (uint32 each).
 */
export function fuseContextAvailable(): boolean {
  try {
    const dir = dirname(require.resolve('fuse-native/package.json'));
    const binding = createRequire(`${dir}/index.js`)('node-gyp-build')(dir) as { vexfs_context?: number };
    return binding.vexfs_context === 1;
  } catch { return false; }
}

/** fuse-native drops a 0 option; the string '0' reaches libfuse and turns the cache off. */
function timeoutOpt(v: number): number | string {
  return v === 0 ? '0' : v;
}

/**
 * Mounts `ops` at `mountpoint` with fuse-native. Adds libfuse's `use_ino` (backing inode
 * numbers, so hard links look like hard links), `hard_remove` (unlinking an open file
 * really unlinks it: our handlers hold real fds, so no `.fuse_hidden` renames are needed) and
 * `big_writes`, keeps `context` (if given) set to the uid/gid/pid of the request being served, and
 * routes getxattr/listxattr/fgetattr through handlers that see the caller's buffer size and fd.
 */
export async function mountFuse(mountpoint: string, ops: Record<string, (...a: any[]) => void>, cache: KernelCacheOptions,
  fsname = 'vexfs', context: RequestContext | null = null): Promise<FuseMount> {
  const Fuse = require('fuse-native') as FuseCtor;
  const mp = resolvePath(mountpoint);
  const fuse = new Fuse(mp, ops, {
    attrTimeout: timeoutOpt(cache.attrTimeout), entryTimeout: timeoutOpt(cache.entryTimeout),
    kernelCache: cache.kernelCache, fsname, timeout: false,
  });
  const baseOptions = fuse._fuseOptions.bind(fuse);
  fuse._fuseOptions = () => {
    const o = baseOptions();
    return o ? `${o},${EXTRA_OPTIONS}` : `-o${EXTRA_OPTIONS}`;
  };
  // Same as fuse-native's, plus the size of the caller's buffer so a too-small one gets ERANGE.
  fuse._op_getxattr = (signal: (...a: any[]) => void, path: string, name: string, valueBuf: Buffer, position: number) => {
    ops.getxattr!(path, name, position, (err: number, value?: Buffer) => {
      if (err) return signal(err, valueBuf.buffer);
      if (!value) return signal(-61, valueBuf.buffer);
      if (valueBuf.length > 0) {
        if (value.length > valueBuf.length) return signal(-34, valueBuf.buffer);
        value.copy(valueBuf);
      }
      return signal(value.length, valueBuf.buffer);
    }, valueBuf.length);
  };
  fuse._op_listxattr = (signal: (...a: any[]) => void, path: string, listBuf: Buffer) => {
    ops.listxattr!(path, (err: number, list?: string[]) => {
      if (err || !list) return signal(err || -5, listBuf.buffer);
      let size = 0;
      for (const n of list) size += Buffer.byteLength(n) + 1;
      if (listBuf.length === 0) return signal(size, listBuf.buffer);
      if (size > listBuf.length) return signal(-34, listBuf.buffer);
      let ptr = 0;
      for (const n of list) { ptr += listBuf.write(n, ptr); listBuf[ptr++] = 0; }
      return signal(ptr, listBuf.buffer);
    }, listBuf.length);
  };
  // fuse-native answers fgetattr with a path lookup; ours uses the fd (works for unlinked open files).
  fuse._op_fgetattr = (signal: (...a: any[]) => void, path: string, fd: number) => {
    ops.fgetattr!(path, fd, (err: number, st?: unknown) => signal(err, err ? undefined : statArray(st)));
  };
  // With the context patch, copy each request's uid/gid/pid into `context` before its handler runs
  // (handlers run one at a time on this thread and record their event synchronously).
  const withContext = context !== null && fuseContextAvailable();
  if (withContext) {
    const processOf = createProcessOfThread();
    const handlers = fuse._handlers;
    for (let i = 0; i < handlers.length; i++) {
      const inner = handlers[i];
      if (!inner) continue;
      handlers[i] = function (this: unknown, locals: Buffer) {
        context.uid = locals.readInt32LE(0); // signed: the Avro fields are int; (uid_t)-1 reads as -1
        context.gid = locals.readInt32LE(4);
        context.pid = processOf(locals.readInt32LE(8)); // FUSE gives the thread: events carry its process
        // eslint-disable-next-line prefer-rest-params -- passes every argument on without copying them
        return inner.apply(this, arguments as unknown as unknown[]);
      };
    }
  }
  await new Promise<void>((res, rej) => fuse.mount((err) => (err ? rej(err) : res())));
  let unmounted: Promise<void> | null = null;
  return {
    mountpoint: mp,
    context: withContext,
    unmount() {
      unmounted ??= new Promise<void>((res, rej) => fuse.unmount((err) => (err ? rej(err) : res())));
      return unmounted;
    },
  };
}

/** fuse-native's stat array layout (index.js getStatArray), times in ms. */
function statArray(st: any): Uint32Array {
  const ints = new Uint32Array(18);
  const set2 = (i: number, n: number): void => { ints[i] = n % 4294967296; ints[i + 1] = (n - ints[i]!) / 4294967296; };
  ints[0] = st.mode; ints[1] = st.uid; ints[2] = st.gid; set2(3, st.size); ints[5] = st.dev; ints[6] = st.nlink;
  ints[7] = st.ino; ints[8] = st.rdev; ints[9] = st.blksize; set2(10, st.blocks);
  set2(12, st.atime); set2(14, st.mtime); set2(16, st.ctime);
  return ints;
}
