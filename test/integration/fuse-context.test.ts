import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FsPayload, SystemPayload } from '../../src/events/types.js';
import { fuseContextAvailable } from '../../src/producers/fuse/mount.js';
import { startMount, removeTree } from '../support/fuse-mount.js';

const exec = promisify(execFile);

test('fuse-native carries the VexFS context patch (scripts/setup.sh builds it)', () => {
  assert.equal(fuseContextAvailable(), true, 'run bash scripts/setup.sh (src/producers/fuse/native/build.sh) to build fuse-native with the context patch');
});

test('fs events carry the uid, gid and pid of the process that made the request', { timeout: 60_000 }, async () => {
  const m = await startMount({});
  try {
    // A separate process writes, reads and stats: its pid, not the daemon's, must be in the events.
    const { stdout } = await exec('python3', ['-c', `
import os
with open('ctx.txt', 'w') as f: f.write('hello')
os.stat('ctx.txt'); open('ctx.txt').read()
print(os.getpid())`], { cwd: m.mountpoint, timeout: 20_000 });
    const pid = Number(stdout.trim());
    await m.stop();
    const events = await m.events();
    const mine = events.filter((e) => e.kind === 'fs' && (e.payload as FsPayload).path === '/ctx.txt').map((e) => ({ op: e.op, ...(e.payload as FsPayload) }));
    for (const op of ['create', 'write', 'flush', 'release', 'open', 'read']) assert.ok(mine.some((e) => e.op === op), `a ${op} event for /ctx.txt`);
    for (const e of mine) {
      // release comes from the kernel after the last close, on behalf of no process: pid 0.
      const want = e.op === 'release' ? [0] : [pid];
      assert.deepEqual([e.op, e.uid, e.gid, e.pid], [e.op, process.getuid!(), process.getgid!(), ...want], `${e.op}: the caller's uid/gid/pid`);
    }
    const mount = events.find((e) => e.kind === 'system' && e.op === 'mount');
    assert.equal((mount?.payload as SystemPayload | undefined)?.attrs?.callerContext, 'true');
  } finally {
    await m.stop();
    removeTree(m.dir);
  }
});

test('a multi-threaded caller is one process: requests from node\'s thread pool carry the process id, not the thread ids', { timeout: 60_000 }, async () => {
  const m = await startMount({});
  try {
    // fs.promises runs on libuv's worker threads: FUSE sees their thread ids
    const { stdout } = await exec(process.execPath, ['-e', `
const fs = require('fs/promises');
(async () => {
  await Promise.all(Array.from({ length: 24 }, (_, i) => fs.writeFile('pool' + i + '.txt', 'x'.repeat(100))));
  await Promise.all(Array.from({ length: 24 }, (_, i) => fs.rename('pool' + i + '.txt', 'pool' + i + '.locked')));
  console.log(process.pid);
})();`], { cwd: m.mountpoint, timeout: 20_000 });
    const pid = Number(stdout.trim());
    await m.stop();
    const mine = (await m.events()).filter((e) => e.kind === 'fs' && (e.payload as FsPayload).path.startsWith('/pool') && e.op !== 'release').map((e) => (e.payload as FsPayload).pid);
    assert.ok(mine.length >= 24 * 4, `${mine.length} events from the child`);
    assert.deepEqual([...new Set(mine)], [pid], 'every request of the child carries its process id');
  } finally {
    await m.stop();
    removeTree(m.dir);
  }
});
