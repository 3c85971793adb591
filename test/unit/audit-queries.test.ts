import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createEmitter } from '../../src/events/emitter.js';
import { createEventCodec } from '../../src/events/codec.js';
import { fsPayload } from '../../src/events/payloads.js';
import type { FsPayload } from '../../src/events/types.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { catAt, history, lsAt, statAt, toMicros } from '../../src/audit/queries.js';
import { replay } from '../../src/replay/replay.js';
import { catalogTarget } from '../../src/replay/targets.js';
import { createFileCatalog } from '../../src/replay/file-catalog.js';

const codec = createEventCodec();
const sha = (s: string) => createHash('sha256').update(s).digest();

function scenario() {
  const log = createMemoryLog({ codec });
  let t = toMicros('2026-11-25T10:00:00Z');
  const live = createFileCatalog();
  const em = createEmitter({ node: 'n1', log, codec, nowMicros: () => (t += 1_000_000), onEmit: (ev) => live.apply(ev) });
  const fs = (op: string, f: Partial<FsPayload> & { path: string }) => em.emit({ kind: 'fs', op, key: f.path, payload: fsPayload({ uid: 1000, gid: 1000, pid: 4242, ...f }) });
  fs('getattr', { path: '/docs/a.txt', result: -2, errno: 2 });
  fs('mkdir', { path: '/docs', mode: 0o755 });
  fs('create', { path: '/docs/a.txt', mode: 0o100644, fd: 3 });
  fs('write', { path: '/docs/a.txt', fd: 3, offset: 0, size: 5, result: 5, contentHash: sha('hello') });
  fs('write', { path: '/docs/a.txt', fd: 3, offset: 5, size: 6, result: 6, contentHash: sha(' world') });
  fs('read', { path: '/docs/a.txt', fd: 3, offset: 0, size: 11, result: 11, uid: 2000, pid: 77 });
  fs('rename', { path: '/docs/a.txt', path2: '/docs/b.txt', ino: 55 });
  const t1 = t; // b.txt = "hello world"
  fs('chmod', { path: '/docs/b.txt', mode: 0o600 });
  fs('rename', { path: '/docs', path2: '/archive' });
  fs('write', { path: '/archive/b.txt', fd: 4, offset: 6, size: 5, result: 5, contentHash: sha('WORLD') });
  fs('mkdir', { path: '/docs', mode: 0o755 });
  fs('create', { path: '/docs/a.txt', mode: 0o100644 });
  fs('symlink', { path: '/docs/link', path2: '../archive/b.txt' });
  fs('unlink', { path: '/docs/a.txt', result: -13, errno: 13 });
  fs('truncate', { path: '/archive/b.txt', size: 8 });
  const t2 = t;
  fs('unlink', { path: '/docs/a.txt' });
  return { log, t1, t2, live };
}

test('history follows a file across its own rename and its directory rename, with who and result', async () => {
  const { log } = scenario();
  const src = () => log.read();
  const h = await history(src, '/archive/b.txt');
  assert.deepEqual(h.map((r) => `${r.op} ${r.path}`), [
    'getattr /docs/a.txt', 'create /docs/a.txt', 'write /docs/a.txt', 'write /docs/a.txt', 'read /docs/a.txt', 'rename /docs/a.txt',
    'chmod /docs/b.txt', 'rename /docs', 'write /archive/b.txt', 'truncate /archive/b.txt',
  ].filter((x) => x !== 'getattr /docs/a.txt'));
  const read = h.find((r) => r.op === 'read')!;
  assert.equal(read.uid, 2000);
  assert.equal(read.pid, 77);
  assert.match(read.time, /^2026-11-25T10:00:06.000Z$/);
  // the name /docs/a.txt was carried by two files: both histories, and the failed lookup, appear
  const a = await history(src, '/docs/a.txt', { mutatingOnly: false });
  assert.ok(a.some((r) => r.op === 'getattr' && r.errno === 2));
  assert.ok(a.some((r) => r.op === 'unlink' && r.errno === 13));
  assert.equal(a.filter((r) => r.op === 'create').length, 2);
  const m = await history(src, '/docs/a.txt', { mutatingOnly: true });
  assert.ok(!m.some((r) => r.op === 'read' || r.op === 'getattr'));
});

test('ls --at and stat --at rebuild a past directory state from events alone', async () => {
  const { log, t1, t2 } = scenario();
  const src = () => log.read();
  assert.deepEqual((await lsAt(src, '/docs', t1)).map((e) => [e.name, e.type, e.size]), [['b.txt', 'file', 11]]);
  assert.deepEqual((await lsAt(src, '/', t1)).map((e) => e.name), ['docs']);
  assert.deepEqual((await lsAt(src, '/', t2)).map((e) => e.name), ['archive', 'docs']);
  assert.deepEqual((await lsAt(src, '/docs', t2)).map((e) => [e.name, e.type]), [['a.txt', 'file'], ['link', 'symlink']]);
  await assert.rejects(lsAt(src, '/archive', t1), /no directory \/archive/);
  const s = await statAt(src, '/archive/b.txt', t2);
  assert.equal(s.exists, true);
  assert.equal(s.size, 8);
  assert.equal(s.mode, 0o600);
  assert.deepEqual(s.names, ['/docs/a.txt', '/docs/b.txt']);
  assert.equal(s.ino, 55);
  const gone = await statAt(src, '/docs/a.txt', Number.MAX_SAFE_INTEGER);
  assert.equal(gone.exists, false);
  assert.ok(gone.deletedSeq! > 0);
});

test('cat --at proves content with the write hashes, and names a mismatching candidate', async () => {
  const { log, t1, t2 } = scenario();
  const src = () => log.read();
  const p1 = await catAt(src, '/docs/b.txt', t1, Buffer.from('hello world'));
  assert.equal(p1.size, 11);
  assert.equal(p1.provenBytes, 11);
  assert.equal(p1.matches, true);
  const bad = await catAt(src, '/docs/b.txt', t1, Buffer.from('hello wOrld'));
  assert.equal(bad.matches, false);
  assert.equal(bad.mismatches[0]!.offset, 5);
  // later: the " world" write was overwritten in part and the file truncated to 8 bytes
  const p2 = await catAt(src, '/archive/b.txt', t2, Buffer.from('hello WO'));
  assert.equal(p2.size, 8);
  assert.equal(p2.provenBytes, 5); // "hello"; the 'WORLD' write was cut by the truncate, " " by the overwrite
  assert.equal(p2.matches, true);
  assert.ok(p2.unprovenWrites > 0);
});

test('a catalog replayed from the log has the state hash of the live catalog', async () => {
  const { log, live } = scenario();
  const progress: number[] = [];
  const target = catalogTarget();
  const r = await replay(log.read({ batchSize: 4 }), [target], { onProgress: (p) => progress.push(p.events), progressEvery: 5 });
  assert.equal(r.events, log.events.length);
  assert.equal(r.stateHashes.catalog, live.stateHash({ mode: true, times: true }));
  assert.ok(progress.length >= 3);
  const dry = await replay(log.read(), [catalogTarget()], { dryRun: true });
  assert.equal(dry.events, log.events.length);
  assert.deepEqual(dry.stateHashes, {});
  const partial = catalogTarget();
  await replay(log.read(), [partial], { toSeq: 5 });
  assert.notEqual(partial.catalog.stateHash(), live.stateHash());
  await assert.rejects(replay(log.read(), [], { bogus: 1 } as never), /unknown replay option 'bogus'/);
});
