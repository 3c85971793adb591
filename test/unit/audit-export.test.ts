import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { createEmitter } from '../../src/events/emitter.js';
import { createEventCodec } from '../../src/events/codec.js';
import { fsPayload } from '../../src/events/payloads.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { attachCheckpointer } from '../../src/audit/checkpointer.js';
import { loadOrCreateSigningKey } from '../../src/audit/signing-key.js';
import { exportEvents, manifestPathOf, verifyExport } from '../../src/audit/export.js';
import { readContainer } from '../../src/audit/container-file.js';

const codec = createEventCodec();

function recordLog(n: number, keyDir: string) {
  const log = createMemoryLog({ codec });
  let t = 1_700_000_000_000_000;
  const em = attachCheckpointer(createEmitter({ node: 'n1', log, codec, nowMicros: () => (t += 1000) }), { every: 10, intervalMs: 0, keyDir });
  for (let i = 0; i < n; i++) em.emit({ kind: 'fs', op: 'write', key: `/d/f${i % 5}`, payload: fsPayload({ path: `/d/f${i % 5}`, size: 4, result: 4, offset: i * 4, uid: 1000, pid: 42 }) });
  em.stop();
  return log;
}

async function blockOffsets(file: string): Promise<number[]> {
  const out: number[] = [];
  for await (const b of readContainer(file)) for (const e of b) out.push(e.offset!);
  return out;
}

test('export writes a standard Avro container + manifest that verifies offline; each tamper is named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-export-'));
  try {
    const key = loadOrCreateSigningKey(join(dir, 'keys'));
    const log = recordLog(80, join(dir, 'keys'));
    const file = join(dir, 'range.avro');
    const m = await exportEvents(log.read({ batchSize: 13 }), { file, fromSeq: 20, toSeq: 50, key });
    // range 20..50 extended to the next checkpoint (the one after seq 50)
    assert.equal(m.nodes.n1!.firstSeq, 20);
    assert.ok(m.nodes.n1!.lastSeq > 50);
    assert.equal(log.events[m.nodes.n1!.lastSeq - 1]!.event.op, 'checkpoint');
    assert.ok(m.checkpoints.length >= 3);
    assert.equal(m.events, m.nodes.n1!.lastSeq - 19);

    // any Avro tool reads it: avsc's own container decoder with the schema in the header
    const seqs: number[] = [];
    await new Promise<void>((resolve, reject) => {
      avro.createFileDecoder(file).on('data', (r: { seq: number }) => seqs.push(r.seq)).on('end', resolve).on('error', reject);
    });
    assert.equal(seqs.length, m.events);
    assert.equal(seqs[0], 20);

    const good = await verifyExport(file, { trustedKeys: [key.publicKey] });
    assert.equal(good.ok, true, JSON.stringify(good.finding));

    const bytes = readFileSync(file);
    const offs = await blockOffsets(file);
    const block = (i: number) => bytes.subarray(offs[i]!, offs[i + 1] ?? bytes.length);
    const tampered = async (name: string, content: Buffer) => {
      const f = join(dir, `${name}.avro`);
      writeFileSync(f, content);
      copyFileSync(manifestPathOf(file), manifestPathOf(f));
      return (await verifyExport(f)).finding;
    };

    const flip = Buffer.from(bytes);
    const at = flip.indexOf(Buffer.from('/d/f'), offs[10]);
    flip[at + 3] = flip[at + 3]! ^ 0x02;
    assert.equal((await tampered('flip', flip))?.reason, 'hash_mismatch');

    const drop = Buffer.concat([bytes.subarray(0, offs[7]), bytes.subarray(offs[8])]);
    const fd = await tampered('drop', drop);
    assert.equal(fd?.reason, 'gap');
    assert.equal(fd?.seq, 28); // seq 27 missing, noticed at 28
    assert.match(fd!.message, /seq 27/);

    const reorder = Buffer.concat([bytes.subarray(0, offs[5]), block(6), block(5), bytes.subarray(offs[7])]);
    assert.equal((await tampered('reorder', reorder))?.reason, 'reordered');

    // replace the event of block 4 with a different, validly encoded one (same seq and prevHash, own hash right)
    const ev4 = log.events[20 + 4 - 1]!.event;
    const forged = { ...ev4, payload: fsPayload({ path: '/d/forged', size: 1, result: 1 }) };
    const buf = Buffer.alloc(4096);
    const end = codec.encodeInto(forged, buf, 0);
    const body = buf.subarray(0, end);
    const sync = bytes.subarray(offs[1]! - 16, offs[1]!);
    const header = Buffer.from([2, ...zz(body.length)]);
    const replace = Buffer.concat([bytes.subarray(0, offs[4]), header, body, sync, bytes.subarray(offs[5])]);
    const fr = await tampered('replace', replace);
    assert.equal(fr?.reason, 'chain_broken');
    assert.equal(fr?.seq, 25);

    assert.equal((await tampered('truncate', bytes.subarray(0, bytes.length - 30)))?.reason, 'truncated');
    assert.equal((await tampered('cut', bytes.subarray(0, offs[offs.length - 3])))?.reason, 'truncated');

    const appended = Buffer.concat([bytes, Buffer.alloc(0)]);
    const mf = join(dir, 'edited.avro');
    writeFileSync(mf, appended);
    const man = JSON.parse(readFileSync(manifestPathOf(file), 'utf8'));
    man.range.toSeq = 60;
    writeFileSync(manifestPathOf(mf), JSON.stringify(man));
    assert.equal((await verifyExport(mf)).finding?.reason, 'bad_signature');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function zz(n: number): number[] {
  const out: number[] = [];
  let v = n * 2;
  while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v >>>= 7; }
  out.push(v);
  return out;
}
