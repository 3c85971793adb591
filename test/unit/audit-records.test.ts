import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmitter } from '../../src/events/emitter.js';
import { createEventCodec } from '../../src/events/codec.js';
import { fsPayload, semanticPayload, systemPayload, vectorPayload } from '../../src/events/payloads.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { newHead, scanHead } from '../../src/audit/event-bytes.js';
import { createHeadDecoder } from '../../src/replay/head-decode.js';
import { openJournal } from '../../src/log/journal/index.js';
import type { LoggedEvent } from '../../src/log/event-log.js';
import { attachCheckpointer } from '../../src/audit/checkpointer.js';
import { readContainer } from '../../src/audit/container-file.js';
import { nativeFirstBad, nativeFirstBadIn } from '../../src/audit/batch-hash.js';
import { verify, type AuditFinding } from '../../src/audit/verify.js';
import { verifyJournal } from '../../src/audit/parallel-verify.js';
import { journalBytes, journalEvents, journalRecords } from '../../src/replay/sources.js';
import { replay, type ReplayTarget } from '../../src/replay/replay.js';
import { catalogTarget } from '../../src/replay/targets.js';

/**
 * The fast paths (RecordBatch reader, native batch hash check, head-only replay) against the
 * plain ones on a real multi-segment journal: same findings, same rebuilt state.
 */

const codec = createEventCodec();
const work = mkdtempSync(join(tmpdir(), 'vexfs-audit-records-'));
after(() => rmSync(work, { recursive: true, force: true }));
const dir = join(work, 'journal');
const keyDir = join(work, 'keys');
const N = 3000;
const native = nativeFirstBad() !== null && nativeFirstBadIn() !== null;

before(async () => {
  const j = await openJournal({ dir, fsync: 'lazy', segmentBytes: 64 * 1024 });
  const em = attachCheckpointer(createEmitter({ node: 'rec-1', log: j, codec }), { every: 100, intervalMs: 0, keyDir });
  const ops = ['getattr', 'write', 'read', 'create', 'open', 'truncate', 'mkdir', 'rename', 'unlink', 'write'];
  for (let i = 0; i < N; i++) {
    const op = ops[i % ops.length]!;
    const path = op === 'mkdir' ? `/d${i % 13}` : `/d${i % 13}/f${i % 37}`;
    em.emit({ kind: 'fs', op, key: path, payload: fsPayload({ path, path2: op === 'rename' ? `/d${i % 13}/g${i % 37}` : null, offset: i, size: 100 + (i % 50), result: op === 'read' || op === 'write' ? 100 : 0, errno: i % 97 === 0 ? 2 : 0, mode: op === 'create' || op === 'mkdir' ? 0o100644 : null }) });
  }
  em.stop();
  await j.close();
});

const segments = () => readdirSync(dir).filter((f) => f.endsWith('.avro')).sort();

async function blocks(file: string): Promise<number[]> {
  const out: number[] = [];
  for await (const b of readContainer(file)) for (const e of b) out.push(e.offset!);
  return out;
}

/** A copy of the journal with segment `seg` replaced by `content`. */
function tampered(name: string, seg: string, content: Buffer): string {
  const d = join(work, `t-${name}`);
  cpSync(dir, d, { recursive: true });
  writeFileSync(join(d, seg), content);
  return d;
}

let lastThreads = 0;

/** Every way to verify a journal must report the same first finding. */
async function allPaths(d: string): Promise<AuditFinding | null> {
  const plain = await verify(journalBytes(d), { hashing: 'node' });
  const variants = [
    await verify(journalRecords(d), { hashing: 'node' }),
    await verify(journalRecords(d, { batchSize: 97 }), { hashing: 'node' }),
    await verify(journalRecords(d), { workers: 1, workersAfter: 0 }),
    ...(native ? [await verify(journalRecords(d, { batchSize: 97 }), { hashing: 'native' }), await verify(journalBytes(d), { hashing: 'native' })] : []),
  ];
  const par = await verifyJournal(d, { threads: 2, parallelMinBytes: 0 });
  for (const v of [...variants, par]) {
    assert.deepEqual(v.finding, plain.finding);
    assert.equal(v.events, plain.events);
    // (after a finding, bytes and per-node counts depend on how far each path had read)
    if (plain.ok) {
      assert.equal(v.bytes, plain.bytes);
      assert.equal(v.checkpoints, plain.checkpoints);
      assert.deepEqual(v.nodes, plain.nodes);
    }
  }
  lastThreads = par.threads;
  return plain.finding;
}

describe('verify: RecordBatch reader and native hashing find what the plain path finds', () => {
  test('the untouched journal verifies on every path', async () => {
    assert.ok(segments().length > 3, 'several segments');
    assert.equal(await allPaths(dir), null);
    assert.equal(lastThreads, 2, 'the two-thread path joined the halves');
    const anchored = await verifyJournal(dir, { threads: 2, parallelMinBytes: 0, anchors: [{ node: 'rec-1', seq: N + 30 }] });
    assert.equal(anchored.ok, true);
    assert.equal(anchored.threads, 2);
    const cut = await verifyJournal(dir, { threads: 2, parallelMinBytes: 0, anchors: [{ node: 'rec-1', seq: N + 31 }] });
    assert.equal(cut.finding?.reason, 'truncated');
    assert.deepEqual(cut.finding, (await verify(journalRecords(dir), { anchors: [{ node: 'rec-1', seq: N + 31 }] })).finding);
    const r = await verify(journalRecords(dir));
    assert.equal(r.events, N + 30);
    assert.equal(r.checkpoints, 30);
  });

  test('flip, drop, reorder, replace and truncate give the same first finding on every path', async () => {
    const seg = segments()[2]!;
    const bytes = readFileSync(join(dir, seg));
    const offs = await blocks(join(dir, seg));
    const block = (i: number) => bytes.subarray(offs[i]!, offs[i + 1] ?? bytes.length);

    const flip = Buffer.from(bytes);
    flip[offs[40]! + 12] = flip[offs[40]! + 12]! ^ 0x01; // inside the event id
    const f1 = await allPaths(tampered('flip', seg, flip));
    assert.equal(f1?.reason, 'hash_mismatch');
    assert.match(f1!.location!, new RegExp(`${seg} offset ${offs[40]}`));

    const flipHash = Buffer.from(bytes);
    flipHash[offs[41]! - 17] = flipHash[offs[41]! - 17]! ^ 0x80; // last byte of the stored hash of block 40
    assert.equal((await allPaths(tampered('fliphash', seg, flipHash)))?.reason, 'hash_mismatch');

    const f2 = await allPaths(tampered('drop', seg, Buffer.concat([bytes.subarray(0, offs[50]), bytes.subarray(offs[51])])));
    assert.equal(f2?.reason, 'gap');

    const f3 = await allPaths(tampered('reorder', seg, Buffer.concat([bytes.subarray(0, offs[60]), block(61), block(60), bytes.subarray(offs[62])])));
    assert.equal(f3?.reason, 'reordered');

    // a validly encoded and hashed event in place of block 70: the next event's prevHash no longer links
    const data = (b: Buffer) => { let p = 0; while (b[p]! & 0x80) p++; p++; let q = p; while (b[q]! & 0x80) q++; q++; return b.subarray(q, b.length - 16); };
    const orig = codec.decode(data(block(70))).event;
    const forged = { ...orig, prevHash: Buffer.from(orig.prevHash), payload: fsPayload({ path: '/forged', size: 1, result: 1 }) };
    const buf = Buffer.alloc(4096);
    const body = buf.subarray(0, codec.encodeInto(forged, buf, 0));
    const sync = bytes.subarray(offs[1]! - 16, offs[1]!);
    const lenV: number[] = []; let v = body.length * 2; while (v >= 0x80) { lenV.push((v & 0x7f) | 0x80); v >>>= 7; } lenV.push(v);
    const f4 = await allPaths(tampered('replace', seg, Buffer.concat([bytes.subarray(0, offs[70]), Buffer.from([2, ...lenV]), body, sync, bytes.subarray(offs[71])])));
    assert.equal(f4?.reason, 'chain_broken');
    assert.equal(f4?.seq, orig.seq + 1);

    const last = segments().at(-1)!;
    const lb = readFileSync(join(dir, last));
    assert.equal((await allPaths(tampered('torn', last, lb.subarray(0, lb.length - 40))))?.reason, 'truncated');
    // a torn block in the middle of the log (not the newest segment) is damage too
    assert.equal((await allPaths(tampered('torn-mid', seg, bytes.subarray(0, bytes.length - 40))))?.reason, 'truncated');
  });

  test('damage in the later half or at the seam of the two-thread split is found as in one pass', async () => {
    const segs = segments();
    for (const seg of [segs.at(-2)!, segs[Math.floor(segs.length / 2)]!, segs[Math.floor(segs.length / 2) + 1]!]) {
      const bytes = readFileSync(join(dir, seg));
      const offs = await blocks(join(dir, seg));
      const flip = Buffer.from(bytes);
      flip[offs[30]! + 12] = flip[offs[30]! + 12]! ^ 0x01;
      assert.equal((await allPaths(tampered(`late-flip-${seg}`, seg, flip)))?.reason, 'hash_mismatch');
      // the first block of a segment dropped: a gap right where a split may fall
      assert.equal((await allPaths(tampered(`late-drop-${seg}`, seg, Buffer.concat([bytes.subarray(0, offs[0]), bytes.subarray(offs[1])]))))?.reason, 'gap');
      // the last block of a segment dropped: the earlier half ends one event short
      assert.equal((await allPaths(tampered(`late-dropend-${seg}`, seg, bytes.subarray(0, offs.at(-1)))))?.reason, 'gap');
    }
  });

  test('an edit before a structural fault is reported first, on every path', async () => {
    const seg = segments()[1]!;
    const bytes = readFileSync(join(dir, seg));
    const offs = await blocks(join(dir, seg));
    const t = Buffer.concat([bytes.subarray(0, offs[80]), bytes.subarray(offs[81])]); // drop block 80
    t[offs[20]! + 12] = t[offs[20]! + 12]! ^ 0x01; // edit block 20
    const f = await allPaths(tampered('edit-then-drop', seg, t));
    assert.equal(f?.reason, 'hash_mismatch');
  });
});

describe('replay from raw records (head-only, decoding what the targets use)', () => {
  const summary = (r: Awaited<ReturnType<typeof replay>>) => ({ ...r, elapsedMs: 0, eventsPerSecond: 0 });

  test('the catalog rebuilt from raw records equals the one rebuilt from decoded events, with the same report', async () => {
    for (const opts of [{}, { fromSeq: 777, toSeq: 2222 }, { kinds: ['fs' as const] }, { dryRun: true }, { fromTs: 0, toSeq: 10 }]) {
      const a = await replay(journalEvents(dir), [catalogTarget()], opts);
      const b = await replay(journalRecords(dir, { batchSize: 333 }), [catalogTarget()], opts);
      assert.deepEqual(summary(b), summary(a), JSON.stringify(opts));
    }
  });

  test('only events a target accepts are decoded and applied; a target without `accepts` gets every event', async () => {
    const seen: LoggedEvent[] = [];
    const mutatingOnly = catalogTarget();
    const spy: ReplayTarget = { name: 'spy', accepts: { kinds: ['fs'], ops: { fs: ['rename'] } }, apply(b) { seen.push(...b); } };
    const r = await replay(journalRecords(dir), [mutatingOnly, spy]);
    assert.equal(r.events, N + 30);
    assert.equal(seen.length, (N * 7) / 10, 'the union of what both accept: the 7 mutating ops of every 10 events, no checkpoints, no reads');
    assert.ok(seen.every((e) => e.event.kind === 'fs' && ['create', 'write', 'truncate', 'mkdir', 'rename', 'unlink'].includes(e.event.op)));
    let all = 0;
    await replay(journalRecords(dir), [{ name: 'all', apply(b) { all += b.length; } }]);
    assert.equal(all, N + 30);
  });

  test('a damaged record stops the replay with an error naming it; a torn tail of the newest segment is the end', async () => {
    const seg = segments()[1]!;
    const bytes = readFileSync(join(dir, seg));
    const offs = await blocks(join(dir, seg));
    const d = tampered('replay-drop', seg, Buffer.concat([bytes.subarray(0, offs[10]), bytes.subarray(offs[11])]));
    await assert.rejects(replay(journalRecords(d), [catalogTarget()]), /cannot replay: seq \d+ of node rec-1 follows seq \d+/);
    const torn = tampered('replay-torn-mid', seg, bytes.subarray(0, bytes.length - 40));
    await assert.rejects(replay(journalRecords(torn, { tolerateTail: true }), [catalogTarget()]), /cannot replay: file ends inside the block/);
    const last = segments().at(-1)!;
    const lb = readFileSync(join(dir, last));
    const lo = await blocks(join(dir, last));
    const tail = tampered('replay-torn-tail', last, lb.subarray(0, lb.length - 40));
    await assert.rejects(replay(journalRecords(tail), [catalogTarget()]), /file ends inside the block/);
    const r = await replay(journalRecords(tail, { tolerateTail: true }), [catalogTarget()]);
    assert.equal(r.events, N + 30 - 1, `stops before the torn block (${lo.length} blocks in the newest segment)`);
  });
});

test('the head decoder gives exactly codec.decode\'s event for every kind', () => {
  const log = createMemoryLog({ codec });
  const em = createEmitter({ node: 'nodé-ü', log, codec });
  em.emit({ kind: 'fs', op: 'rename', key: '/a/ü.txt', payload: fsPayload({ path: '/a/ü.txt', path2: '/b', mode: 0o644, name: 'user.x', contentHash: Buffer.alloc(32, 7), result: -2, errno: 2 }) });
  em.emit({ kind: 'vector', op: 'upsert', key: 'docs', priority: 'bulk', payload: vectorPayload({ collection: 'docs', ids: ['a', 'b'], dim: 2, vectors: [Buffer.alloc(8, 1), Buffer.alloc(8, 2)], params: { m: '16' } }) });
  em.emit({ kind: 'semantic', op: 'anomaly', key: 'uid:1000', priority: 'critical', payload: semanticPayload({ type: 'anomaly', anomalyType: 'burst', severity: 'high', score: 0.5, sequence: ['a', 'b'], evidence: { k: 'v' } }) });
  em.emit({ kind: 'system', op: 'note', key: 'sys', payload: systemPayload({ type: 'note', message: 'héllo', attrs: { a: 'b' } }) });
  const dec = createHeadDecoder(codec);
  const h = newHead();
  assert.equal(log.events.length, 4);
  for (const e of log.events) {
    // the record inside a larger buffer, as a RecordBatch holds it
    const buf = Buffer.concat([Buffer.alloc(5, 9), e.bytes, Buffer.alloc(7, 9)]);
    assert.ok(scanHead(buf, h, 5, 5 + e.bytes.length));
    // field for field (the objects' classes differ: avsc generates one per type instance)
    const plain = (ev: LoggedEvent['event']) => ({ ...ev, payload: { ...ev.payload } });
    assert.deepEqual(plain(dec(buf, h, 5 + e.bytes.length)), plain(codec.decode(e.bytes).event));
  }
});
