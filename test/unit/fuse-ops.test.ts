import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmitter } from '../../src/events/emitter.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { createFuseOps } from '../../src/producers/fuse/fuse-ops.js';
import { E, toErrno } from '../../src/producers/fuse/errno.js';
import { resolveRunMountOptions } from '../../src/producers/fuse/options.js';
import type { SemanticHooks } from '../../src/producers/fuse/semantic-hooks.js';
import { VexfsError, ErrorCodes } from '../../src/errors.js';
import type { FsPayload } from '../../src/events/types.js';

type Ops = Record<string, (...a: any[]) => void>;

function setup(hooks: SemanticHooks | null = null, extra: { xattrMaxValueBytes?: number; contentHash?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'vexfs-ops-'));
  const outside = mkdtempSync(join(tmpdir(), 'vexfs-outside-'));
  writeFileSync(join(outside, 'secret'), 'top secret');
  const log = createMemoryLog();
  const emitter = createEmitter({ node: 't', log });
  const ops = createFuseOps({ root, emitter, hooks, contentHash: extra.contentHash ?? false, similarK: 3, xattrMaxValueBytes: extra.xattrMaxValueBytes ?? 65536 });
  /** Calls a handler and returns the arguments of its (synchronous) reply. */
  const call = (op: string, ...args: unknown[]): any[] => {
    let out: any[] | undefined;
    ops[op]!(...args, (...r: any[]) => { out = r; });
    assert.ok(out, `${op} replied synchronously`);
    return out;
  };
  const events = () => log.events.map((e) => ({ op: e.event.op, p: e.event.payload as FsPayload }));
  const cleanup = () => { rmSync(root, { recursive: true, force: true }); rmSync(outside, { recursive: true, force: true }); };
  return { root, outside, ops: ops as Ops, call, events, cleanup };
}

test('errno mapping: Node codes map to their negative errno, hooks errors to EINVAL/ENOENT, unknown to EIO', () => {
  assert.equal(toErrno(Object.assign(new Error('x'), { code: 'ENOENT' })), -2);
  assert.equal(toErrno(Object.assign(new Error('x'), { code: 'ENOTEMPTY' })), -39);
  assert.equal(toErrno(Object.assign(new Error('x'), { code: 'EXDEV' })), -18);
  assert.equal(toErrno(Object.assign(new Error('x'), { code: 'ENOSPC' })), -28);
  assert.equal(toErrno(new VexfsError(ErrorCodes.UNKNOWN_COLLECTION, 'no')), E.ENOENT);
  assert.equal(toErrno(new VexfsError(ErrorCodes.DIMENSION_MISMATCH, 'no')), E.EINVAL);
  assert.equal(toErrno(new TypeError('bug')), E.EIO);
});

test('every request emits exactly one event, failures with their errno', () => {
  const s = setup();
  try {
    const [err, fd] = s.call('create', '/a.txt', 0o100644);
    assert.equal(err, 0);
    const buf = Buffer.from('hello world');
    assert.equal(s.call('write', '/a.txt', fd, buf, buf.length, 0)[0], 11);
    const rbuf = Buffer.alloc(64);
    assert.equal(s.call('read', '/a.txt', fd, rbuf, 64, 6)[0], 5);
    assert.equal(rbuf.subarray(0, 5).toString(), 'world');
    assert.equal(s.call('release', '/a.txt', fd)[0], 0);
    assert.equal(s.call('getattr', '/missing')[0], E.ENOENT);
    assert.equal(s.call('mkdir', '/d', 0o40755)[0], 0);
    assert.equal(s.call('mkdir', '/d', 0o40755)[0], E.EEXIST);
    writeFileSync(join(s.root, 'd', 'f'), 'x');
    assert.equal(s.call('rmdir', '/d')[0], E.ENOTEMPTY);
    assert.equal(s.call('unlink', '/nope')[0], E.ENOENT);
    assert.equal(s.call('rename', '/a.txt', '/d/b.txt')[0], 0);
    assert.equal(readFileSync(join(s.root, 'd', 'b.txt'), 'utf8'), 'hello world');
    assert.equal(s.call('mknod', '/fifo', 0o10644, 0)[0], E.ENOSYS);
    const ev = s.events();
    assert.deepEqual(ev.map((e) => [e.op, e.p.path, e.p.errno]), [
      ['create', '/a.txt', 0], ['write', '/a.txt', 0], ['read', '/a.txt', 0], ['release', '/a.txt', 0],
      ['getattr', '/missing', 2], ['mkdir', '/d', 0], ['mkdir', '/d', 17], ['rmdir', '/d', 39], ['unlink', '/nope', 2],
      ['rename', '/a.txt', 0], ['mknod', '/fifo', 38],
    ]);
    const w = ev[1]!.p;
    assert.equal(w.size, 11); assert.equal(w.result, 11); assert.equal(w.fd, fd); assert.equal(w.offset, 0);
    assert.equal(ev[2]!.p.offset, 6);
    assert.equal(ev[9]!.p.path2, '/d/b.txt');
    assert.equal(ev[6]!.p.result, -17);
    assert.ok(ev.every((e) => e.p.latencyUs >= 0 && e.p.uid === -1 && e.p.pid === -1));
  } finally { s.cleanup(); }
});

test('contentHash puts the SHA-256 of written bytes in write events', () => {
  const s = setup(null, { contentHash: true });
  try {
    const [, fd] = s.call('create', '/h', 0o100644);
    s.call('write', '/h', fd, Buffer.from('abc'), 3, 0);
    s.call('release', '/h', fd);
    const w = s.events().find((e) => e.op === 'write')!;
    assert.equal(w.p.contentHash!.toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  } finally { s.cleanup(); }
});

test('no escape: .. components, symlinked parents and final symlinks are never followed by the daemon', () => {
  const s = setup();
  try {
    symlinkSync(s.outside, join(s.root, 'esc'));
    symlinkSync(join(s.outside, 'secret'), join(s.root, 'lnk'));
    assert.equal(s.call('getattr', '/../etc/passwd')[0], E.EINVAL);
    assert.equal(s.call('getattr', '/a/../../x')[0], E.EINVAL);
    assert.equal(s.call('getattr', '/esc/secret')[0], E.ELOOP);
    assert.equal(s.call('open', '/esc/secret', 0)[0], E.ELOOP);
    assert.equal(s.call('create', '/esc/new', 0o100644)[0], E.ELOOP);
    assert.equal(s.call('mkdir', '/esc/dir', 0o40755)[0], E.ELOOP);
    assert.equal(s.call('unlink', '/esc/secret')[0], E.ELOOP);
    assert.equal(s.call('rename', '/esc/secret', '/stolen')[0], E.ELOOP);
    assert.equal(s.call('link', '/esc/secret', '/hard')[0], E.ELOOP);
    assert.equal(s.call('open', '/lnk', 0)[0], E.ELOOP);
    assert.equal(s.call('truncate', '/lnk', 0)[0], E.ELOOP);
    assert.equal(s.call('chmod', '/lnk', 0o777)[0], E.ELOOP);
    assert.equal(s.call('setxattr', '/esc/secret', 'user.a', Buffer.from('v'), 0, 0)[0], E.ELOOP);
    // The link itself is visible as a link; its target comes back verbatim for the kernel to resolve in the mount.
    const [err, st] = s.call('getattr', '/lnk');
    assert.equal(err, 0);
    assert.ok((st.mode & 0o170000) === 0o120000);
    assert.equal(s.call('readlink', '/lnk')[1], join(s.outside, 'secret'));
    assert.equal(readFileSync(join(s.outside, 'secret'), 'utf8'), 'top secret');
    assert.equal(statSync(join(s.outside, 'secret')).mode & 0o777, 0o644 & ~process.umask() & 0o777 || statSync(join(s.outside, 'secret')).mode & 0o777);
    assert.ok(!existsSync(join(s.outside, 'new')) && !existsSync(join(s.outside, 'dir')) && !existsSync(join(s.root, 'stolen')));
    // The sidecar directory is invisible and untouchable.
    assert.equal(s.call('getattr', '/.vexfs-meta')[0], E.ENOENT);
    assert.equal(s.call('mkdir', '/.vexfs-meta', 0o40755)[0], E.EPERM);
    assert.ok(!s.call('readdir', '/')[1].includes('.vexfs-meta'));
  } finally { s.cleanup(); }
});

test('ENAMETOOLONG for a name over 255 bytes, with its event', () => {
  const s = setup();
  try {
    assert.equal(s.call('create', `/${'x'.repeat(256)}`, 0o100644)[0], E.ENAMETOOLONG);
    assert.equal(s.call('create', `/${'é'.repeat(128)}`, 0o100644)[0], E.ENAMETOOLONG); // 256 bytes in UTF-8
    assert.equal(s.call('create', `/${'x'.repeat(255)}`, 0o100644)[0], 0);
    assert.deepEqual(s.events().map((e) => e.p.errno), [36, 36, 0]);
  } finally { s.cleanup(); }
});

test('xattrs: set/get/list/remove, flags, size limits (E2BIG over the limit, ERANGE for a small buffer or long name)', () => {
  const s = setup(null, { xattrMaxValueBytes: 1024 });
  try {
    writeFileSync(join(s.root, 'f'), 'x');
    assert.equal(s.call('setxattr', '/f', 'user.k', Buffer.from('value'), 0, 0)[0], 0);
    assert.deepEqual(s.call('getxattr', '/f', 'user.k', 0), [0, Buffer.from('value')]);
    const getWithRoom = (room: number) => { let r: any[] = []; s.ops.getxattr!('/f', 'user.k', 0, (...a: any[]) => { r = a; }, room); return r; };
    assert.equal(getWithRoom(2)[0], E.ERANGE);
    assert.equal(getWithRoom(5)[0], 0);
    assert.equal(s.call('setxattr', '/f', 'user.k', Buffer.from('v2'), 0, 1)[0], E.EEXIST);
    assert.equal(s.call('setxattr', '/f', 'user.other', Buffer.from('v2'), 0, 2)[0], E.ENODATA);
    assert.equal(s.call('setxattr', '/f', 'user.big', Buffer.alloc(1025), 0, 0)[0], E.E2BIG);
    assert.equal(s.call('setxattr', '/f', 'user.max', Buffer.alloc(1024), 0, 0)[0], 0);
    assert.equal(s.call('setxattr', '/f', `user.${'n'.repeat(251)}`, Buffer.from('v'), 0, 0)[0], E.ERANGE);
    assert.equal(s.call('setxattr', '/f', 'trusted.x', Buffer.from('v'), 0, 0)[0], E.EOPNOTSUPP);
    assert.deepEqual(s.call('listxattr', '/f'), [0, ['user.k', 'user.max']]);
    assert.equal(s.call('getxattr', '/f', 'user.none', 0)[0], E.ENODATA);
    // xattrs follow the inode across renames and survive a new store (sidecar on disk).
    s.call('rename', '/f', '/g');
    assert.deepEqual(s.call('getxattr', '/g', 'user.k', 0), [0, Buffer.from('value')]);
    const again = createFuseOps({ root: s.root, emitter: null, hooks: null, contentHash: false, similarK: 3, xattrMaxValueBytes: 1024 });
    let r: any[] = [];
    again.getxattr!('/g', 'user.k', 0, (...a: any[]) => { r = a; });
    assert.deepEqual(r, [0, Buffer.from('value')]);
    assert.equal(s.call('removexattr', '/g', 'user.k')[0], 0);
    assert.equal(s.call('removexattr', '/g', 'user.k')[0], E.ENODATA);
    const ino = lstatSync(join(s.root, 'g')).ino;
    s.call('unlink', '/g');
    assert.ok(!existsSync(join(s.root, '.vexfs-meta', 'xattr', String(ino))));
    const big = s.events().find((e) => e.op === 'setxattr' && e.p.errno === 7)!;
    assert.equal(big.p.name, 'user.big');
    assert.equal(big.p.size, 1025);
  } finally { s.cleanup(); }
});

test('semantic hooks: embedding xattrs go to the hooks, renames/unlinks are reported, .vexfs/similar lists ranked links', () => {
  const calls: string[] = [];
  const emb = new Map<string, Buffer>();
  const hooks: SemanticHooks = {
    setEmbedding: (p, v, c) => { calls.push(`set ${p} ${c}`); emb.set(p, Buffer.from(v)); },
    getEmbedding: (p) => emb.get(p) ?? null,
    removeEmbedding: (p) => { calls.push(`remove ${p}`); emb.delete(p); },
    similar: (p, k) => { calls.push(`similar ${p} ${k}`); return [{ path: '/docs/b.txt', distance: 0.1 }, { path: '/c.txt', distance: 0.2 }]; },
    renamed: (a, b) => { calls.push(`renamed ${a} ${b}`); },
    removed: (p) => { calls.push(`removed ${p}`); },
  };
  const s = setup(hooks);
  try {
    mkdirSync(join(s.root, 'docs'));
    writeFileSync(join(s.root, 'docs', 'a.txt'), 'a');
    writeFileSync(join(s.root, 'docs', 'b.txt'), 'b');
    writeFileSync(join(s.root, 'c.txt'), 'c');
    assert.equal(s.call('setxattr', '/docs/a.txt', 'user.vexfs.collection', Buffer.from('notes'), 0, 0)[0], 0);
    const vec = Buffer.from(new Float32Array([1, 2, 3]).buffer);
    assert.equal(s.call('setxattr', '/docs/a.txt', 'user.vexfs.embedding', vec, 0, 0)[0], 0);
    assert.deepEqual(s.call('getxattr', '/docs/a.txt', 'user.vexfs.embedding', 0), [0, vec]);
    assert.deepEqual(s.call('listxattr', '/docs/a.txt')[1], ['user.vexfs.collection', 'user.vexfs.embedding']);
    assert.ok(!existsSync(join(s.root, '.vexfs-meta', 'xattr', String(lstatSync(join(s.root, 'docs', 'a.txt')).ino))) ||
      !readFileSync(join(s.root, '.vexfs-meta', 'xattr', String(lstatSync(join(s.root, 'docs', 'a.txt')).ino)), 'utf8').includes('embedding'));
    // The virtual tree.
    assert.equal(s.call('getattr', '/.vexfs/similar/docs/a.txt')[1].mode & 0o170000, 0o040000);
    assert.deepEqual(s.call('readdir', '/.vexfs/similar/docs/a.txt')[1], ['.', '..', '1-b.txt', '2-c.txt']);
    assert.deepEqual(s.call('readdir', '/.vexfs/similar')[1].sort(), ['.', '..', 'c.txt', 'docs']);
    assert.equal(s.call('getattr', '/.vexfs/similar/docs/a.txt/1-b.txt')[1].mode & 0o170000, 0o120000);
    assert.equal(s.call('readlink', '/.vexfs/similar/docs/a.txt/1-b.txt')[1], '../../../../docs/b.txt');
    assert.equal(s.call('readlink', '/.vexfs/similar/docs/a.txt/2-c.txt')[1], '../../../../c.txt');
    assert.equal(s.call('getattr', '/.vexfs/similar/docs/a.txt/3-x.txt')[0], E.ENOENT);
    assert.equal(s.call('mkdir', '/.vexfs/similar/new', 0o40755)[0], E.EROFS);
    assert.equal(s.call('create', '/.vexfs/x', 0o100644)[0], E.EROFS);
    assert.ok(!s.call('readdir', '/')[1].includes('.vexfs'));
    assert.equal(s.call('rename', '/docs/a.txt', '/docs/z.txt')[0], 0);
    assert.equal(s.call('unlink', '/docs/b.txt')[0], 0);
    assert.equal(s.call('removexattr', '/docs/z.txt', 'user.vexfs.embedding')[0], E.ENODATA); // the fake does not follow renames
    assert.deepEqual(calls.filter((c) => !c.startsWith('similar')), ['set /docs/a.txt notes', 'renamed /docs/a.txt /docs/z.txt', 'removed /docs/b.txt']);
  } finally { s.cleanup(); }
});

test('runMount options: unknown keys and bad values are refused naming the key, defaults filled', () => {
  const base = { backing: '/tmp/b', mountpoint: '/tmp/m', dataDir: '/tmp/d' };
  const r = resolveRunMountOptions(base);
  assert.equal(r.attrTimeout, 1); assert.equal(r.fsync, 'lazy'); assert.equal(r.events, true); assert.ok(Object.isFrozen(r));
  assert.throws(() => resolveRunMountOptions({ ...base, atrTimeout: 1 } as never), /atrTimeout/);
  assert.throws(() => resolveRunMountOptions({ ...base, attrTimeout: -1 }), /attrTimeout = -1 .*0\.\.3600/);
  assert.throws(() => resolveRunMountOptions({ ...base, fsync: 'always' as never }), /fsync = "always"/);
  assert.throws(() => resolveRunMountOptions({ ...base, xattrMaxValueBytes: 70000 }), /xattrMaxValueBytes/);
  assert.throws(() => resolveRunMountOptions({ backing: '/tmp/b', mountpoint: '', dataDir: '/d' }), /mountpoint/);
});

test('strict journal: the reply waits until the event is durable; a failed append answers EIO', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vexfs-strict-'));
  try {
    const log = createMemoryLog({ strict: true });
    let flushed = 0;
    const flush = log.flush.bind(log);
    log.flush = async () => { await new Promise((r) => setTimeout(r, 20)); flushed++; return flush(); };
    const ops = createFuseOps({ root, emitter: createEmitter({ node: 's', log }), hooks: null, contentHash: false, similarK: 3, xattrMaxValueBytes: 65536 });
    const replied = new Promise<number>((resolve) => ops.mkdir!('/d', 0o40755, (r: number) => resolve(r)));
    assert.equal(flushed, 0);
    assert.equal(await replied, 0);
    assert.equal(flushed, 1, 'replied only after the flush');

    const broken = createMemoryLog();
    broken.append = () => { throw new Error('disk gone'); };
    const ops2 = createFuseOps({ root, emitter: createEmitter({ node: 'b', log: broken }), hooks: null, contentHash: false, similarK: 3, xattrMaxValueBytes: 65536 });
    let r: number | undefined;
    const warn = process.emitWarning;
    process.emitWarning = () => {};
    try { ops2.getattr!('/d', (e: number) => { r = e; }); } finally { process.emitWarning = warn; }
    assert.equal(r, E.EIO);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('thread ids map to their process (Tgid in /proc/<tid>/status), cached for ttlMs; exited threads and 0 keep their id', async () => {
  const { createProcessOfThread } = await import('../../src/producers/fuse/process-of-thread.js');
  let t = 0;
  const reads: number[] = [];
  const table: Record<number, number> = { 101: 100, 102: 100, 100: 100 };
  const of = createProcessOfThread({ ttlMs: 1000, now: () => t, status: (tid) => {
    reads.push(tid);
    if (!(tid in table)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return `Name:\tnode\nTgid:\t${table[tid]}\nPid:\t${tid}\n`;
  } });
  assert.deepEqual([of(101), of(102), of(100), of(101)], [100, 100, 100, 100]);
  assert.deepEqual(reads, [101, 102, 100], 'one /proc read per thread while cached');
  assert.equal(of(0), 0, 'kernel-initiated requests keep pid 0');
  assert.equal(of(555), 555, 'a thread that has exited keeps its id');
  table[101] = 200; // the id was reused by another process
  t = 500; assert.equal(of(101), 100, 'within ttl: cached');
  t = 1500; assert.equal(of(101), 200, 'after ttl: read again');
  // the real /proc: this process's main thread maps to itself
  assert.equal(createProcessOfThread()(process.pid), process.pid);
});
