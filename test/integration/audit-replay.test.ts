import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, chmod, mkdir, rename, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompressionTypes } from 'kafkajs';
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload } from '../../src/events/payloads.js';
import { openJournal } from '../../src/log/journal/index.js';
import { createVectorService } from '../../src/producers/vector/index.js';
import { attachCheckpointer } from '../../src/audit/checkpointer.js';
import { readContainer } from '../../src/audit/container-file.js';
import { runAuditCat, runAuditExport, runAuditHistory, runAuditLs, runAuditStat, runAuditVerify } from '../../src/audit/index.js';
import { directoryStateHash, runReplay, serviceView, vectorStateHash } from '../../src/replay/index.js';
import { startMount, type TestMount } from '../support/fuse-mount.js';
import { kafkaClient, randomName, testKafka } from '../support/kafka.js';
import { randomDb, testDataDir } from '../support/clickhouse.js';
import { openStore } from '../../src/sinks/clickhouse/open-store.js';

const codec = createEventCodec();
const work = mkdtempSync(join(process.env.VEXFS_TEST_WORK ?? tmpdir(), 'vexfs-audit-it-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A journal recorded through the real journal adapter with signed checkpoints every 50 events. */
async function recordJournal(dir: string, keyDir: string, n: number): Promise<void> {
  const j = await openJournal({ dir, fsync: 'lazy' });
  const em = attachCheckpointer(createEmitter({ node: 'audit-it', log: j, codec }), { every: 50, intervalMs: 0, keyDir });
  for (let i = 0; i < n; i++) {
    const path = `/p${i % 9}/f${i % 31}`;
    em.emit({ kind: 'fs', op: i % 5 === 0 ? 'create' : 'write', key: path, payload: fsPayload({ path, offset: i * 10, size: 10, result: 10, uid: 1000 + (i % 3), pid: 500 + i, mode: i % 5 === 0 ? 0o100640 : null }) });
  }
  em.stop();
  await j.close();
}

const segmentOf = (dir: string) => join(dir, readdirSync(dir).filter((f) => f.endsWith('.avro')).sort()[0]!);
async function blocks(file: string): Promise<number[]> {
  const out: number[] = [];
  for await (const b of readContainer(file)) for (const e of b) out.push(e.offset!);
  return out;
}

describe('audit over a real journal with signed checkpoints', () => {
  const dir = join(work, 'journal');
  const keyDir = join(work, 'keys');
  before(async () => { await recordJournal(dir, keyDir, 400); });

  test('the untouched journal verifies with the trusted key and the last-checkpoint anchor', async () => {
    const r = await runAuditVerify({ journalDir: dir, keyDir });
    assert.equal(r.ok, true, JSON.stringify(r.finding));
    assert.equal(r.nodes['audit-it']!.lastSeq, 400 + 8);
    assert.equal(r.checkpoints, 8);
    assert.equal(r.nodes['audit-it']!.unsignedTail, 0);
  });

  test('tampering with the journal files is detected with the right reason', async () => {
    const seg = segmentOf(dir);
    const bytes = readFileSync(seg);
    const offs = await blocks(seg);
    const block = (i: number) => bytes.subarray(offs[i]!, offs[i + 1] ?? bytes.length);
    const check = async (name: string, content: Buffer) => {
      const d = join(work, `tamper-${name}`);
      cpSync(dir, d, { recursive: true });
      writeFileSync(join(d, seg.split('/').pop()!), content);
      return (await runAuditVerify({ journalDir: d, keyDir })).finding;
    };
    const flip = Buffer.from(bytes);
    const at = flip.indexOf(Buffer.from('/p'), offs[100]);
    flip[at + 2] = flip[at + 2]! ^ 0x01;
    const f1 = await check('flip', flip);
    assert.equal(f1?.reason, 'hash_mismatch');
    assert.equal(f1?.seq, 101);
    assert.match(f1!.location!, /offset \d+/);

    const f2 = await check('drop', Buffer.concat([bytes.subarray(0, offs[200]), bytes.subarray(offs[201])]));
    assert.equal(f2?.reason, 'gap');
    assert.match(f2!.message, /seq 201 .*missing/);

    const f3 = await check('reorder', Buffer.concat([bytes.subarray(0, offs[300]), block(301), block(300), bytes.subarray(offs[302])]));
    assert.equal(f3?.reason, 'reordered');

    // replace seq 151 by a different event that is validly encoded and hashed (only the key is missing to re-sign)
    const data = (b: Buffer) => { let p = 0; while (b[p]! & 0x80) p++; p++; let q = p; while (b[q]! & 0x80) q++; q++; return b.subarray(q, b.length - 16); };
    const e150 = codec.decode(data(block(150))).event;
    const forged = { ...e150, prevHash: Buffer.from(e150.prevHash), payload: fsPayload({ path: '/p0/forged', size: 1, result: 1 }) };
    const buf = Buffer.alloc(4096);
    const end = codec.encodeInto(forged, buf, 0);
    const body = buf.subarray(0, end);
    const sync = bytes.subarray(offs[1]! - 16, offs[1]!);
    const lenV: number[] = []; let v = body.length * 2; while (v >= 0x80) { lenV.push((v & 0x7f) | 0x80); v >>>= 7; } lenV.push(v);
    const f4 = await check('replace', Buffer.concat([bytes.subarray(0, offs[150]), Buffer.from([2, ...lenV]), body, sync, bytes.subarray(offs[151])]));
    assert.equal(f4?.reason, 'chain_broken');
    assert.equal(f4?.seq, 152);

    assert.equal((await check('torn', bytes.subarray(0, bytes.length - 40)))?.reason, 'truncated');
    // a clean cut at a block boundary: only the last-checkpoint anchor in the data directory reveals it
    const f6 = await check('cut', bytes.subarray(0, offs[380]));
    assert.equal(f6?.reason, 'truncated');
    assert.match(f6!.message, /anchor/);
  });

  test('export a range to an Avro file + manifest; it verifies offline and replays', async () => {
    const out = join(work, 'export.avro');
    const m = await runAuditExport({ journalDir: dir, out, fromSeq: 100, toSeq: 200, keyDir });
    assert.equal(m.nodes['audit-it']!.firstSeq, 100);
    assert.ok(m.nodes['audit-it']!.lastSeq >= 200);
    assert.ok(m.signature);
    const r = await runAuditVerify({ file: out, keyDir });
    assert.equal(r.ok, true, JSON.stringify(r.finding));
    const h = await runAuditHistory({ file: out, path: '/p1/f7' }); // written at i = 100
    assert.ok(h.length > 0);
    assert.ok(h.every((x) => x.seq >= 100));
  });
});

describe('replay and audit queries over a real FUSE mount', () => {
  let m: TestMount;
  const times: Record<string, number> = {};
  before(async () => {
    m = await startMount({ dir: join(work, 'fuse'), contentHash: true });
    const mp = m.mountpoint;
    await mkdir(join(mp, 'docs'));
    await writeFile(join(mp, 'docs/a.txt'), 'hello world');
    await rename(join(mp, 'docs/a.txt'), join(mp, 'docs/b.txt'));
    await new Promise((r) => setTimeout(r, 20));
    times.afterFirstRename = Date.now() * 1000;
    await new Promise((r) => setTimeout(r, 20));
    await appendFile(join(mp, 'docs/b.txt'), ' and more');
    await mkdir(join(mp, 'tmp'));
    await writeFile(join(mp, 'tmp/x.bin'), Buffer.alloc(10_000, 1));
    await truncate(join(mp, 'tmp/x.bin'), 3000);
    await writeFile(join(mp, 'tmp/gone'), 'bye');
    await unlink(join(mp, 'tmp/gone'));
    await symlink('../archive/b.txt', join(mp, 'tmp/link'));
    await chmod(join(mp, 'tmp/x.bin'), 0o600);
    await rename(join(mp, 'docs'), join(mp, 'archive'));
    await m.stop();
  });
  after(async () => { await m?.stop(); });

  test('the catalog rebuilt from the journal has the state hash of the real files', async () => {
    const r = await runReplay({ journalDir: m.dataDir });
    assert.ok(r.events > 10);
    const live = directoryStateHash(m.backing);
    assert.equal(r.catalog!.stateHash(), live.hash, `catalog ${r.catalog!.paths().join(',')} vs ${live.entries} entries on disk`);
    const dry = await runReplay({ journalDir: m.dataDir, dryRun: true });
    assert.equal(dry.events, r.events);
    const v = await runAuditVerify({ journalDir: m.dataDir });
    assert.equal(v.ok, true, JSON.stringify(v.finding));
  });

  test('history follows docs/a.txt to archive/b.txt; ls/stat --at show the past; cat proves the content', async () => {
    const h = await runAuditHistory({ journalDir: m.dataDir, path: '/archive/b.txt', mutatingOnly: true });
    const ops = h.map((x) => `${x.op} ${x.path}${x.path2 ? ' -> ' + x.path2 : ''}`);
    assert.ok(ops.includes('create /docs/a.txt'), ops.join('\n'));
    assert.ok(ops.includes('rename /docs/a.txt -> /docs/b.txt'), ops.join('\n'));
    assert.ok(ops.includes('rename /docs -> /archive'), ops.join('\n'));
    assert.ok(h.some((x) => x.op === 'write' && x.path === '/docs/b.txt'));
    const ls = await runAuditLs({ journalDir: m.dataDir, dir: '/docs', at: times.afterFirstRename! });
    assert.deepEqual(ls.map((e) => [e.name, e.size]), [['b.txt', 11]]);
    const st = await runAuditStat({ journalDir: m.dataDir, path: '/tmp/x.bin' });
    assert.equal(st.size, 3000);
    assert.equal(st.mode, 0o600);
    const gone = await runAuditStat({ journalDir: m.dataDir, path: '/tmp/gone' });
    assert.equal(gone.exists, false);
    const proof = await runAuditCat({ journalDir: m.dataDir, path: '/archive/b.txt', contentFile: join(m.backing, 'archive/b.txt') });
    assert.equal(proof.matches, true);
    assert.equal(proof.provenBytes, proof.size);
    const earlier = await runAuditCat({ journalDir: m.dataDir, path: '/docs/b.txt', at: times.afterFirstRename!, contentFile: join(m.backing, 'archive/b.txt') });
    assert.equal(earlier.size, 11);
    assert.equal(earlier.matches, false, 'the file grew after that time');
  });
});

describe('Kafka range, vector rebuild and ClickHouse backfill', () => {
  const dir = join(work, 'journal-k');
  const keyDir = join(work, 'keys-k');
  let brokers: string[] = [];
  let stopKafka = async () => {};
  before(async () => { await recordJournal(dir, keyDir, 300); const k = await testKafka(); brokers = k.brokers; stopKafka = k.stop; });
  after(async () => { await stopKafka(); });

  test('a Kafka topic range verifies and replays to the same catalog as the journal', async () => {
    const topic = randomName('vexfs.audit.it');
    const kafka = kafkaClient(brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages: { key: string; value: Buffer }[] = [];
    for await (const b of readContainer(segmentOf(dir))) for (const e of b) messages.push({ key: String(messages.length % 7), value: codec.toSingleObject(e.bytes) });
    await producer.send({ topic, messages, compression: CompressionTypes.None });
    await producer.disconnect();
    const v = await runAuditVerify({ kafka: { brokers, topics: [topic] }, keyDir });
    assert.equal(v.ok, true, JSON.stringify(v.finding));
    assert.equal(v.events, messages.length);
    const fromKafka = await runReplay({ kafka: { brokers, topics: [topic] } });
    const fromJournal = await runReplay({ journalDir: dir });
    assert.equal(fromKafka.events, fromJournal.events);
    assert.equal(fromKafka.stateHashes.catalog, fromJournal.stateHashes.catalog);
    // from a time: every partition starts at the first message at or after it; nothing before is read
    const none = await runAuditVerify({ kafka: { brokers, topics: [topic], fromTimeMs: Date.now() + 60_000 } });
    assert.equal(none.events, 0);
  });

  test('a vector index rebuilt from events has the state of the live service', async () => {
    const vdir = join(work, 'vector');
    const j = await openJournal({ dir: join(vdir, 'journal') });
    const em = createEmitter({ node: 'vec-it', log: j, codec });
    const svc = await createVectorService({ emitter: em, dataDir: vdir, kernels: 'js' });
    svc.createCollection({ name: 'docs', dim: 4, metric: 'l2' });
    for (let i = 0; i < 60; i++) svc.upsert('docs', `/d/${i}`, [i, i * 2, 1, -i]);
    svc.delete('docs', ['/d/3', '/d/4']);
    svc.rename('docs', [['/d/5', '/d/five']]);
    svc.upsert('docs', '/d/6', [9, 9, 9, 9]);
    const live = vectorStateHash(serviceView(svc));
    await svc.close();
    await j.close();
    const r = await runReplay({ journalDir: join(vdir, 'journal'), into: 'vector' });
    assert.equal(r.stateHashes.vector, live);
  });

  test('replaying into ClickHouse (chDB) twice leaves one row per event', async (t) => {
    const database = randomDb('vexfs_audit');
    const opts = { dataDir: testDataDir(), database };
    const first = await runReplay({ journalDir: dir, into: 'clickhouse', clickhouse: opts, clickhouseBatch: 64 });
    const second = await runReplay({ journalDir: dir, into: 'clickhouse', clickhouse: opts, clickhouseBatch: 64 });
    assert.equal(first.events, second.events);
    const store = await openStore(opts);
    try {
      const fs = Number((await store.query(`SELECT count() FROM ${database}.fs_events`)).trim());
      const sys = Number((await store.query(`SELECT count() FROM ${database}.system_events`)).trim());
      if (store.dialect !== 'modern') t.diagnostic('old dialect: counting with FINAL');
      assert.equal(fs + sys, first.events, `rows: fs ${fs}, system ${sys}; ${await store.query(`SELECT name FROM system.tables WHERE database = '${database}'`)}`);
      assert.equal(Number((await store.query(`SELECT uniqExact(id) FROM ${database}.fs_events`)).trim()), fs);
    } finally {
      await store.close();
    }
  });
});
