import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FsPayload } from '../../src/events/types.js';
import { startMount, removeTree, forceUnmount } from '../support/fuse-mount.js';

const exec = promisify(execFile);
const py = (code: string, cwd: string) => exec('python3', ['-c', code], { cwd, timeout: 20_000 }).then((r) => r.stdout.trim());
const fsEvents = async (m: { events(): Promise<import('../../src/events/types.js').VexEvent[]> }) =>
  (await m.events()).filter((e) => e.kind === 'fs').map((e) => ({ op: e.op, ...(e.payload as FsPayload) }));

test('no escape through the mount: a directory swapped for an outside symlink behind a cached lookup is refused', { timeout: 60_000 }, async () => {
  // Long entry cache: the kernel keeps trusting /dir after it was swapped in the backing tree,
  // so the daemon receives /dir/secret and must refuse to follow the symlink itself.
  const m = await startMount({ entryTimeout: 600, attrTimeout: 600 });
  const outside = mkdtempSync(join(tmpdir(), 'vexfs-outside-'));
  try {
    writeFileSync(join(outside, 'secret'), 'top secret');
    mkdirSync(join(m.backing, 'dir'));
    writeFileSync(join(m.backing, 'dir', 'secret'), 'inside');
    assert.equal(await readFile(join(m.mountpoint, 'dir', 'secret'), 'utf8'), 'inside');
    renameSync(join(m.backing, 'dir'), join(m.backing, 'old'));
    symlinkSync(outside, join(m.backing, 'dir'));
    await assert.rejects(readFile(join(m.mountpoint, 'dir', 'secret'), 'utf8'), (e: NodeJS.ErrnoException) => e.code === 'ELOOP' || e.code === 'ENOENT');
    await assert.rejects(writeFile(join(m.mountpoint, 'dir', 'planted'), 'x'), (e: NodeJS.ErrnoException) => e.code === 'ELOOP');
    await assert.rejects(exec('mkdir', [join(m.mountpoint, 'dir', 'sub')], { timeout: 10_000 }));
    assert.ok(!existsSync(join(outside, 'planted')) && !existsSync(join(outside, 'sub')));
    assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'top secret');
    // Symlinks made through the mount are stored verbatim and readlink returns them as given.
    await exec('ln', ['-s', '/etc/passwd', join(m.mountpoint, 'abs')]);
    assert.equal((await exec('readlink', [join(m.mountpoint, 'abs')])).stdout.trim(), '/etc/passwd');
    await m.stop();
    const ev = await fsEvents(m);
    assert.ok(ev.some((e) => e.path.startsWith('/dir/') && e.errno === 40), 'the refused request is journalled with ELOOP');
  } finally {
    await m.stop();
    rmSync(outside, { recursive: true, force: true });
    removeTree(m.dir);
  }
});

test('bad input: ENAMETOOLONG, ENOSYS for mkfifo, xattr limits (E2BIG), each journalled', { timeout: 60_000 }, async () => {
  const m = await startMount({ xattrMaxValueBytes: 4096 });
  try {
    const out = await py(`
import os, errno
def code(f):
    try:
        f(); return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
print(code(lambda: open('x' * 256, 'w')))
print(code(lambda: os.mkfifo('fifo')))
open('f', 'w').write('data')
print(code(lambda: os.setxattr('f', 'user.small', b'v' * 4096)))
print(code(lambda: os.setxattr('f', 'user.big', b'v' * 5000)))
print(code(lambda: os.setxattr('f', 'user.huge', b'v' * 70000)))
print(code(lambda: os.getxattr('f', 'user.nothere')))
print(len(os.getxattr('f', 'user.small')), sorted(os.listxattr('f')))
print(code(lambda: os.setxattr('f', 'user.' + 'n' * 251, b'v')))
`, m.mountpoint);
    assert.deepEqual(out.split('\n'), ['ENAMETOOLONG', 'ENOSYS', 'ok', 'E2BIG', 'E2BIG', 'ENODATA', "4096 ['user.small']", 'ERANGE']);
    await m.stop();
    const ev = await fsEvents(m);
    assert.ok(ev.some((e) => e.op === 'mknod' && e.errno === 38), 'ENOSYS journalled');
    assert.ok(ev.some((e) => e.op === 'setxattr' && e.name === 'user.big' && e.errno === 7 && e.size === 5000), 'E2BIG journalled');
    // Over 255 bytes the kernel may refuse the name itself; if it reached us it was journalled as ENAMETOOLONG.
    const long = ev.filter((e) => e.path.length > 256);
    assert.ok(long.every((e) => e.errno === 36), JSON.stringify(long.map((e) => [e.op, e.errno])));
  } finally {
    await m.stop();
    removeTree(m.dir);
  }
});

test('ENOSPC: a full 2 MiB tmpfs backing dir gives ENOSPC to the app, the event records errno 28, the daemon keeps serving', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-enospc-'));
  const backing = join(dir, 'backing');
  mkdirSync(backing);
  try { await exec('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', backing], { timeout: 10_000 }); } catch (err) {
    t.skip(`cannot mount a tmpfs here: ${(err as Error).message}`);
    return;
  }
  const m = await startMount({ dir, backing });
  try {
    writeFileSync(join(dir, 'ok.txt'), 'still here');
    await exec('cp', [join(dir, 'ok.txt'), join(m.mountpoint, 'ok.txt')], { timeout: 10_000 });
    const dd = await exec('dd', ['if=/dev/zero', `of=${join(m.mountpoint, 'big')}`, 'bs=64k', 'count=64'], { timeout: 20_000 }).then(() => 'ok', (e: { stderr: string }) => e.stderr);
    assert.match(dd, /No space left on device/);
    assert.equal(await readFile(join(m.mountpoint, 'ok.txt'), 'utf8'), 'still here', 'daemon alive and serving reads');
    await exec('rm', [join(m.mountpoint, 'big')], { timeout: 10_000 });
    await writeFile(join(m.mountpoint, 'after.txt'), 'room again');
    assert.equal(await readFile(join(m.mountpoint, 'after.txt'), 'utf8'), 'room again');
    await m.stop();
    const ev = await fsEvents(m);
    assert.ok(ev.some((e) => e.op === 'write' && e.path === '/big' && e.errno === 28 && e.result === -28), 'ENOSPC write journalled');
  } finally {
    await m.stop();
    await exec('umount', ['-l', backing], { timeout: 10_000 }).catch(() => undefined);
    removeTree(dir);
  }
});

test('crash: kill -9 during writes, remount clears the stale mount, every acknowledged write is on disk and in the journal', { timeout: 90_000 }, async () => {
  const m = await startMount();
  const acks = join(m.dir, 'acks.log');
  // The writer logs (outside the mount) each file whose write+close returned successfully.
  const writer = spawn(process.execPath, ['-e', `
    const fs = require('fs');
    const data = Buffer.alloc(3000, 'w');
    for (let i = 0; ; i++) {
      try { fs.writeFileSync(process.argv[1] + '/w' + i, data); } catch (e) { process.exit(0); }
      fs.appendFileSync(process.argv[2], 'w' + i + '\\n');
    }`, m.mountpoint, acks], { stdio: 'ignore' });
  const writerDone = new Promise<void>((r) => writer.on('exit', () => r()));
  try {
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000 && (!existsSync(acks) || readFileSync(acks, 'utf8').split('\n').filter(Boolean).length < 200)) await new Promise((r) => setTimeout(r, 50));
    await m.kill9();
    const killTimer = setTimeout(() => writer.kill('SIGKILL'), 10_000);
    await writerDone;
    clearTimeout(killTimer);
    await assert.rejects(stat(m.mountpoint), (e: NodeJS.ErrnoException) => e.code === 'ENOTCONN', 'a stale mount is left');
    const acked = readFileSync(acks, 'utf8').trim().split('\n').filter(Boolean);
    assert.ok(acked.length >= 200, `${acked.length} acknowledged writes`);

    const again = await startMount({ dir: m.dir, backing: m.backing, mountpoint: m.mountpoint, dataDir: m.dataDir });
    try {
      assert.match(again.log(), /cleared a stale mount/);
      for (const name of acked) assert.equal(readFileSync(join(m.backing, name)).length, 3000, `${name} complete in the backing dir`);
      assert.equal((await readFile(join(again.mountpoint, acked.at(-1)!))).length, 3000, 'served after remount');
    } finally { await again.stop(); }
    const ev = await fsEvents(again);
    const created = new Set(ev.filter((e) => e.op === 'create' && e.errno === 0).map((e) => e.path));
    const written = new Set(ev.filter((e) => e.op === 'write' && e.errno === 0 && e.size === 3000).map((e) => e.path));
    const released = new Set(ev.filter((e) => e.op === 'release' && e.errno === 0).map((e) => e.path));
    for (const name of acked) {
      assert.ok(created.has(`/${name}`) && written.has(`/${name}`) && released.has(`/${name}`), `acknowledged ${name} has create, write and release events`);
    }
    const sys = (await again.events()).filter((e) => e.kind === 'system').map((e) => e.op);
    assert.deepEqual(sys, ['mount', 'stale-mount-cleared', 'mount', 'unmount'], 'the killed run never wrote unmount; the clearing is journalled');
  } finally {
    writer.kill('SIGKILL');
    forceUnmount(m.mountpoint);
    removeTree(m.dir);
  }
});
