/**
 * The vector service behind a real FUSE mount: embeddings set and read through xattrs,
 * `.vexfs/similar/<path>` listings, renames and deletes carrying the vectors, malformed values
 * refused, vector events in the journal, and a remount rebuilding the index from them.
 * The mount runs in a child process (this same file, in child mode); the test touches the
 * mount only asynchronously and through other processes (python3 for xattrs).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { readdir, readlink, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD_ENV = 'VEXFS_VECTOR_MOUNT_CHILD';
const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '../..');

if (process.env[CHILD_ENV]) {
  // Child mode: serve the mount with the vector hooks until SIGTERM.
  const { runMount } = await import('../../src/producers/fuse/run-mount.js');
  const { createVectorHooksFactory } = await import('../../src/producers/vector/index.js');
  const o = JSON.parse(process.env[CHILD_ENV]) as { backing: string; mountpoint: string; dataDir: string };
  const m = await runMount({
    backing: o.backing, mountpoint: o.mountpoint, dataDir: o.dataDir, node: 'vec-mount', log: () => undefined,
    hooks: createVectorHooksFactory({ dataDir: path.join(o.dataDir, 'vec'), defaultDim: 4, defaultMetric: 'l2', snapshotEvery: 0 }),
  });
  process.stdout.write(`READY ${m.mountpoint}\n`);
} else {
  await defineTests();
}

async function defineTests(): Promise<void> {
  const { test } = await import('node:test');
  const { forceUnmount, removeTree } = await import('../support/fuse-mount.js');
  const { readJournal } = await import('../../src/log/journal/index.js');
  const { rebuildFromEvents } = await import('../../src/producers/vector/index.js');
  type VexEvent<K extends import('../../src/events/types.js').Kind = import('../../src/events/types.js').Kind> = import('../../src/events/types.js').VexEvent<K>;

  interface Child { proc: ChildProcess; out: () => string; stop(): Promise<void> }
  async function mount(backing: string, mountpoint: string, dataDir: string): Promise<Child> {
    let out = '';
    const proc = spawn(process.execPath, ['--import', 'tsx', SELF], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [CHILD_ENV]: JSON.stringify({ backing, mountpoint, dataDir }) },
    });
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<void>((r) => proc.on('exit', () => r()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`mount not ready in 30 s:\n${out}`)); }, 30_000);
      proc.stdout!.on('data', () => { if (out.includes('READY')) { clearTimeout(timer); resolve(); } });
      proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`mount child exited ${code}:\n${out}`)); });
    });
    return {
      proc, out: () => out,
      async stop() {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(t);
        }
        forceUnmount(mountpoint);
      },
    };
  }

  // One python3 process serves every xattr call (os.setxattr / os.getxattr), one line per request:
  // starting an interpreter per call costs seconds on a loaded 2-core machine.
  const PY = `import os, sys
for line in sys.stdin:
    parts = line.split()
    try:
        if parts[0] == 'set':
            os.setxattr(bytes.fromhex(parts[1]), parts[2], bytes.fromhex(parts[3]) if len(parts) > 3 else b'')
            out = 'OK'
        else:
            out = 'V ' + os.getxattr(bytes.fromhex(parts[1]), parts[2]).hex()
    except OSError as e:
        out = 'ERR %s %d' % (os.strerror(e.errno) if e.errno else str(e), e.errno or 0)
    sys.stdout.write(out + '\\n')
    sys.stdout.flush()
`;
  function xattrHelper() {
    const proc = spawn('python3', ['-I', '-S', '-u', '-c', PY], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    const waiting: Array<(line: string) => void> = [];
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); waiting.shift()?.(line); }
    });
    const ask = (line: string) => new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`xattr helper: no answer in 15 s to ${line.slice(0, 40)}`)), 15_000);
      waiting.push((l) => { clearTimeout(timer); resolve(l); });
      proc.stdin!.write(line + '\n');
    });
    const hex = (p: string) => Buffer.from(p).toString('hex');
    return {
      set: async (p: string, value: Buffer) => { const r = await ask(`set ${hex(p)} user.vexfs.embedding ${value.toString('hex')}`); return r === 'OK' ? '' : r; },
      get: async (p: string) => { const r = await ask(`get ${hex(p)} user.vexfs.embedding`); return r.startsWith('V ') ? Buffer.from(r.slice(2), 'hex') : r; },
      close: () => { proc.stdin!.end(); proc.kill(); },
    };
  }
  const f32 = (...xs: number[]) => Buffer.from(new Float32Array(xs).buffer);

  test('embeddings through a real mount: xattrs, .vexfs/similar, rename, delete, bad values, journal replay on remount', { timeout: 90_000 }, async (t) => {
    const t0 = performance.now();
    const helper = xattrHelper();
    t.after(() => helper.close());
    const setX = (p: string, value: Buffer) => helper.set(p, value);
    const getX = (p: string) => helper.get(p);
    const lap = (what: string) => t.diagnostic(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const dir = mkdtempSync(path.join(tmpdir(), 'vexfs-vecmnt-'));
    const backing = path.join(dir, 'backing');
    const mnt = path.join(dir, 'mnt');
    const dataDir = path.join(dir, 'data');
    mkdirSync(backing, { recursive: true });
    let child = await mount(backing, mnt, dataDir);
    lap('mounted');
    try {
      for (const f of ['a', 'b', 'c']) await writeFile(path.join(mnt, f), `file ${f}\n`);
      mkdirSync(path.join(backing, 'sub'));
      await writeFile(path.join(mnt, 'sub/d'), 'file d\n');
      assert.equal(await setX(path.join(mnt, 'a'), f32(0, 0, 0, 0)), '');
      assert.equal(await setX(path.join(mnt, 'b'), Buffer.from('[1, 0, 0, 0]')), '');
      assert.equal(await setX(path.join(mnt, 'c'), f32(2.5, 0, 0, 0)), '');
      assert.equal(await setX(path.join(mnt, 'sub/d'), f32(4, 0, 0, 0)), '');
      assert.deepEqual(await getX(path.join(mnt, 'a')), f32(0, 0, 0, 0));
      assert.deepEqual(await getX(path.join(mnt, 'b')), f32(1, 0, 0, 0), 'JSON stored as float32 bytes');

      // Ranked listing of symlinks, nearest first.
      assert.deepEqual(await readdir(path.join(mnt, '.vexfs/similar/a')), ['1-b', '2-c', '3-d']);
      assert.equal(await readlink(path.join(mnt, '.vexfs/similar/a/3-d')), '../../../sub/d');

      // Malformed values: EINVAL, nothing changed.
      assert.match(await setX(path.join(mnt, 'a'), Buffer.alloc(13)), /^ERR .* 22$/);
      assert.match(await setX(path.join(mnt, 'a'), Buffer.from('[1, 2, oops]')), /^ERR .* 22$/);
      assert.match(await setX(path.join(mnt, 'a'), f32(1, 2)), /^ERR .* 22$/, 'wrong dimension');
      assert.deepEqual(await getX(path.join(mnt, 'a')), f32(0, 0, 0, 0));

      await rename(path.join(mnt, 'a'), path.join(mnt, 'z'));
      assert.deepEqual(await getX(path.join(mnt, 'z')), f32(0, 0, 0, 0), 'the embedding follows the rename');
      await unlink(path.join(mnt, 'c'));
      assert.deepEqual(await readdir(path.join(mnt, '.vexfs/similar/b')), ['1-z', '2-d']);
      lap('operations done');
    } finally {
      await child.stop();
    }
    lap('unmounted');

    // The journals hold the vector events; replaying them gives the same collection.
    const events: VexEvent[] = [];
    for (const d of [dataDir, path.join(dataDir, 'vec', 'vector-journal')]) {
      try { for await (const b of readJournal(d)) for (const e of b) events.push(e.event); } catch { /* absent */ }
    }
    const vec = events.filter((e) => e.kind === 'vector') as Array<VexEvent<'vector'>>;
    // runMount hands the hooks its emitter: fs and vector events share one node, one seq/hash chain.
    assert.ok(vec.every((e) => e.node === 'vec-mount'), 'vector events are on the mount node');
    const seqs = events.map((e) => e.seq);
    assert.equal(new Set(seqs).size, seqs.length, 'one gap-free chain: no duplicate seq');
    const ops = vec.map((e) => e.op + (e.payload.errorCode ? `!${e.payload.errorCode}` : ''));
    for (const want of ['create_collection', 'upsert', 'search', 'rename', 'delete', 'upsert!VEXFS_INVALID_VECTOR', 'upsert!VEXFS_DIMENSION_MISMATCH']) {
      assert.ok(ops.includes(want), `journal has a ${want} event (got ${ops.join(', ')})`);
    }
    const rebuilt = rebuildFromEvents(vec.sort((x, y) => x.seq - y.seq));
    assert.deepEqual(rebuilt.collections.get('files')!.idsWithPrefix('/').sort(), ['/b', '/sub/d', '/z']);

    // Remount: the service loads nothing from a snapshot (none was written) and replays the journal.
    child = await mount(backing, mnt, dataDir);
    lap('remounted');
    try {
      assert.deepEqual(await getX(path.join(mnt, 'z')), f32(0, 0, 0, 0));
      assert.deepEqual(await readdir(path.join(mnt, '.vexfs/similar/z')), ['1-b', '2-d']);
    } finally {
      await child.stop();
      removeTree(dir);
    }
  });
}
