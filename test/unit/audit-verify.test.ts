import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmitter } from '../../src/events/emitter.js';
import { createEventCodec } from '../../src/events/codec.js';
import { fsPayload } from '../../src/events/payloads.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import type { LoggedEvent } from '../../src/log/event-log.js';
import { attachCheckpointer } from '../../src/audit/checkpointer.js';
import { loadOrCreateSigningKey, PRIVATE_KEY_FILE } from '../../src/audit/signing-key.js';
import { verify, type AuditReason } from '../../src/audit/verify.js';

const codec = createEventCodec();

function record(n: number, opts: { every?: number; node?: string; keyDir?: string } = {}) {
  const keyDir = opts.keyDir ?? mkdtempSync(join(tmpdir(), 'vexfs-audit-'));
  const log = createMemoryLog({ codec });
  let t = 1_700_000_000_000_000;
  const em = attachCheckpointer(createEmitter({ node: opts.node ?? 'n1', log, codec, nowMicros: () => (t += 1000) }), { every: opts.every ?? 10, intervalMs: 0, keyDir });
  for (let i = 0; i < n; i++) em.emit({ kind: 'fs', op: 'write', key: `/f${i % 7}`, payload: fsPayload({ path: `/f${i % 7}`, size: 10, result: 10, offset: i }) });
  em.stop();
  return { events: log.events, keyDir, publicKey: em.publicKey };
}

const batches = (evs: LoggedEvent[], size = 16) => { const out: LoggedEvent[][] = []; for (let i = 0; i < evs.length; i += size) out.push(evs.slice(i, i + size)); return out; };

async function reasonOf(evs: LoggedEvent[], opts = {}): Promise<AuditReason | null> {
  const r = await verify(batches(evs), opts);
  return r.finding?.reason ?? null;
}

test('an untouched log verifies, with its checkpoints counted and signed by the key in keyDir', async () => {
  const { events, keyDir, publicKey } = record(95, { every: 10 });
  const r = await verify(batches(events), { trustedKeys: [publicKey] });
  assert.equal(r.finding, null);
  assert.equal(r.ok, true);
  assert.equal(r.events, events.length);
  assert.equal(r.checkpoints, 10); // 9 every-10 plus the one at stop()
  const n1 = r.nodes.n1!;
  assert.equal(n1.firstSeq, 1);
  assert.equal(n1.lastSeq, events.length);
  assert.equal(n1.unsignedTail, 0);
  assert.equal(statSync(join(keyDir, PRIVATE_KEY_FILE)).mode & 0o777, 0o600);
  rmSync(keyDir, { recursive: true, force: true });
});

test('tampering is detected with the right reason at the first bad position', async () => {
  const { events } = record(60, { every: 10 });
  const clone = () => events.map((e) => ({ event: e.event, bytes: Buffer.from(e.bytes) }));

  const flipped = clone();
  const target = flipped[20]!.bytes;
  const at = target.indexOf(Buffer.from('/f'));
  target[at + 1] = target[at + 1]! ^ 0x01;
  assert.equal(await reasonOf(flipped), 'hash_mismatch');

  const flippedHash = clone();
  const fh = flippedHash[30]!.bytes;
  fh[fh.length - 1] = fh[fh.length - 1]! ^ 0x80;
  assert.equal(await reasonOf(flippedHash), 'hash_mismatch');

  const dropped = clone(); dropped.splice(25, 1);
  const rd = await verify(batches(dropped));
  assert.equal(rd.finding?.reason, 'gap');
  assert.equal(rd.finding?.seq, 27);
  assert.equal(rd.finding?.position, 25);

  const swapped = clone(); [swapped[40], swapped[41]] = [swapped[41]!, swapped[40]!];
  const rs = await verify(batches(swapped));
  assert.equal(rs.finding?.reason, 'reordered');
  assert.equal(rs.finding?.position, 40);

  // a different, validly encoded event (its own hash correct) in place of seq 15
  const replaced = clone();
  const orig = codec.decode(replaced[14]!.bytes).event;
  const forged = { ...orig, payload: fsPayload({ path: '/forged', size: 999, result: 999 }) };
  const buf = Buffer.alloc(4096);
  const end = codec.encodeInto(forged, buf, 0);
  replaced[14] = { event: forged, bytes: Buffer.from(buf.subarray(0, end)) };
  const rr = await verify(batches(replaced));
  assert.equal(rr.finding?.reason, 'chain_broken');
  assert.equal(rr.finding?.seq, 16);

  const truncatedRecord = clone();
  truncatedRecord[truncatedRecord.length - 1] = { event: orig, bytes: truncatedRecord.at(-1)!.bytes.subarray(0, 40) };
  assert.equal(await reasonOf(truncatedRecord), 'truncated');

  const cut = clone().slice(0, 50);
  const rc = await verify(batches(cut), { anchors: [{ node: 'n1', seq: events.length }] });
  assert.equal(rc.finding?.reason, 'truncated');

  const dup = clone(); dup.splice(10, 0, dup[9]!);
  assert.equal(await reasonOf(dup), 'duplicate');

  const untouched = clone();
  assert.equal(await reasonOf(untouched), null);
});

test('checkpoints: a forged signature, a foreign key and a wrong covered hash are refused', async () => {
  const { events, publicKey } = record(30, { every: 10 });
  const cpIdx = events.findIndex((e) => e.event.op === 'checkpoint');
  const reencode = (mut: (p: any) => void) => {
    const out = events.map((e) => ({ event: e.event, bytes: Buffer.from(e.bytes) }));
    const ev = codec.decode(out[cpIdx]!.bytes).event;
    mut(ev.payload);
    const buf = Buffer.alloc(4096);
    const end = codec.encodeInto(ev, buf, 0);
    out[cpIdx] = { event: ev, bytes: Buffer.from(buf.subarray(0, end)) };
    return out.slice(0, cpIdx + 1);
  };
  const badSig = reencode((p) => { p.signature = Buffer.from(p.signature); p.signature[3] ^= 1; });
  assert.equal(await reasonOf(badSig), 'bad_signature');

  const other = loadOrCreateSigningKey(mkdtempSync(join(tmpdir(), 'vexfs-audit-other-')));
  assert.equal(await reasonOf(events, { trustedKeys: [other.publicKey] }), 'untrusted_key');
  assert.equal(await reasonOf(events, { trustedKeys: [publicKey] }), null);

  const wrongHash = reencode((p) => { p.checkpointSeq = p.checkpointSeq - 1; });
  assert.equal(await reasonOf(wrongHash), 'bad_signature');
});

test('several nodes interleaved verify independently; a node not starting at seq 1 is a gap', async () => {
  const a = record(25, { node: 'a' }).events;
  const b = record(25, { node: 'b' }).events;
  const mixed: LoggedEvent[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) { if (a[i]) mixed.push(a[i]!); if (b[i]) mixed.push(b[i]!); }
  const r = await verify(batches(mixed, 7));
  assert.equal(r.ok, true, JSON.stringify(r.finding));
  assert.deepEqual(Object.keys(r.nodes).sort(), ['a', 'b']);
  const r2 = await verify(batches(b.slice(3)));
  assert.equal(r2.finding?.reason, 'gap');
  const r3 = await verify(batches(b.slice(3)), { start: 'any' });
  assert.equal(r3.ok, true);
});

test('checkpointer options are validated, naming the key', () => {
  const log = createMemoryLog({ codec });
  const em = createEmitter({ node: 'n', log, codec });
  assert.throws(() => attachCheckpointer(em, { every: -1, keyDir: '/tmp/x' }), /every = -1/);
  assert.throws(() => attachCheckpointer(em, { keyDir: '/tmp/x', bogus: 1 } as never), /unknown checkpointer option 'bogus'/);
});

test('with hashing in worker threads, the first bad position and reason are the same as inline', async () => {
  const { events } = record(3000, { every: 100 });
  const clone = () => events.map((e) => ({ event: e.event, bytes: Buffer.from(e.bytes) }));
  const both = async (evs: LoggedEvent[]) => {
    const inline = await verify(batches(evs, 300), { workers: 0 });
    const pooled = await verify(batches(evs, 300), { workers: 2, workersAfter: 0 });
    assert.deepEqual(pooled.finding, inline.finding);
    return pooled.finding;
  };
  assert.equal(await both(clone()), null);
  const flip = clone();
  const fb = flip[2000]!.bytes;
  fb[fb.length - 40] = fb[fb.length - 40]! ^ 1;
  assert.equal((await both(flip))?.reason, 'hash_mismatch');
  // an edit before a structural fault: the edit is reported (it comes first)
  const both2 = clone();
  const b2 = both2[900]!.bytes;
  b2[b2.length - 40] = b2[b2.length - 40]! ^ 1;
  both2.splice(1500, 1);
  const f2 = await both(both2);
  assert.equal(f2?.reason, 'hash_mismatch');
  assert.equal(f2?.position, 900);
  const drop = clone(); drop.splice(2500, 1);
  assert.equal((await both(drop))?.reason, 'gap');
});
