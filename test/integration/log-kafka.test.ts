import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload, systemPayload, vectorPayload } from '../../src/events/payloads.js';
import { createKafkaLog, createShipper, openJournal, readKafkaTopic, topicOf, type LogSink } from '../../src/log/index.js';
import { kafkaClient, randomName, testKafka } from '../support/kafka.js';

const codec = createEventCodec();
let brokers: string[];
let stopKafka: () => Promise<void>;
const quiet: LogSink = { info() {}, warn() {} };

before(async () => { ({ brokers, stop: stopKafka } = await testKafka()); });
after(async () => { await stopKafka?.(); });

test('journal → shipper → Kafka: every event arrives once, keyed, with headers, and decodes to the journal event', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-ship-'));
  const prefix = randomName('t');
  const journal = await openJournal({ dir, log: quiet }, codec);
  const shipper = createShipper({ journal, brokers, topicPrefix: prefix, partitions: 3, log: quiet }, codec);
  try {
    const em = createEmitter({ node: 'node-a', log: journal, codec });
    for (let i = 0; i < 2500; i++) {
      em.emit({ kind: 'fs', op: i % 2 ? 'write' : 'read', key: `/dir/f${i % 13}`, payload: fsPayload({ path: `/dir/f${i % 13}`, size: i }) });
      if (i % 500 === 0) em.emit({ kind: 'vector', op: 'upsert', key: 'docs', payload: vectorPayload({ collection: 'docs', ids: [`v${i}`], dim: 2, vectors: [Buffer.from(new Float32Array([i, 1]).buffer)] }) });
    }
    em.emit({ kind: 'system', op: 'checkpoint', key: 'node-a', payload: systemPayload({ type: 'checkpoint' }) });
    await shipper.drain(30_000);
    assert.equal(journal.shippedSeq, em.seq);
    assert.equal(shipper.unshipped, 0);

    const topics = (['fs', 'vector', 'semantic', 'system'] as const).map((k) => topicOf(prefix, k));
    const admin = kafkaClient(brokers).admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics });
    await admin.disconnect();
    for (const t of meta.topics) assert.equal(t.partitions.length, 3, `${t.name} created with 3 partitions`);

    const seen = new Map<number, { topic: string; key: string }>();
    for await (const recs of readKafkaTopic({ brokers, topics })) {
      for (const r of recs) {
        assert.ok(!seen.has(r.event.seq), `seq ${r.event.seq} once`);
        seen.set(r.event.seq, { topic: r.topic, key: r.event.key });
        assert.equal(r.topic, topicOf(prefix, r.event.kind));
        assert.deepEqual(codec.hashOf(r.bytes), r.event.hash);
      }
    }
    assert.equal(seen.size, em.seq);
    // the Kafka EventLog reads one node's events back in seq order across topics and partitions
    const klog = await createKafkaLog({ brokers, topicPrefix: prefix, node: 'node-a', createTopics: false, log: quiet }, codec);
    let expect = 1;
    let prev: Buffer | null = null;
    for await (const batch of klog.read({ from: 1 })) {
      for (const { event } of batch) {
        assert.equal(event.seq, expect++);
        if (prev) assert.deepEqual(event.prevHash, prev);
        prev = event.hash;
      }
    }
    assert.equal(expect - 1, em.seq);
    await klog.close();

    // keys and headers as the contract says
    const consumer = kafkaClient(brokers).consumer({ groupId: randomName('g') });
    await consumer.connect();
    await consumer.subscribe({ topics: [topicOf(prefix, 'system')], fromBeginning: true });
    const msg = await new Promise<any>((resolve) => { void consumer.run({ eachMessage: async ({ message }) => resolve(message) }); });
    await consumer.disconnect();
    assert.equal(msg.key.toString(), 'node-a');
    assert.equal(msg.headers.node.toString(), 'node-a');
    assert.equal(msg.headers.seq.toString(), String(em.seq));
    assert.equal(msg.value[0], 0xc3);
    assert.equal(msg.value[1], 0x01);
  } finally {
    await shipper.stop();
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Kafka EventLog: append buffers, flush awaits acks, read returns the node in seq order', async () => {
  const prefix = randomName('k');
  const log = await createKafkaLog({ brokers, topicPrefix: prefix, node: 'n-k', partitions: 2, log: quiet }, codec);
  try {
    const em = createEmitter({ node: 'n-k', log, codec });
    for (let i = 0; i < 300; i++) em.emit({ kind: 'fs', op: 'write', key: `/k${i % 5}`, payload: fsPayload({ path: `/k${i % 5}` }) });
    await log.flush();
    assert.equal(log.buffered, 0);
    const seqs: number[] = [];
    for await (const b of log.read({ from: 101 })) seqs.push(...b.map((e) => e.event.seq));
    assert.deepEqual(seqs, Array.from({ length: 200 }, (_, i) => i + 101));
  } finally { await log.close(); }
});

test('an unreachable broker: the shipper logs one line, backs off, the journal keeps growing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-ship-'));
  const lines: string[] = [];
  const log: LogSink = { info: (m) => lines.push('info ' + m), warn: (m) => lines.push('warn ' + m) };
  const journal = await openJournal({ dir, log: quiet }, codec);
  const shipper = createShipper({ journal, brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200, backoff: { initialMs: 20, maxMs: 100 }, gaugeIntervalMs: 20, log }, codec);
  try {
    const em = createEmitter({ node: 'n1', log: journal, codec });
    const t0 = Date.now();
    for (let i = 0; i < 1000; i++) em.emit({ kind: 'fs', op: 'write', key: '/x', payload: fsPayload({ path: '/x' }) });
    assert.ok(Date.now() - t0 < 1000, 'producers are not blocked');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(shipper.brokerDown, true);
    assert.equal(shipper.unshipped, 1000);
    assert.equal(journal.shippedSeq, 0);
    const downLines = lines.filter((l) => l.includes('unavailable'));
    assert.equal(downLines.length, 1, `one line while down, got:\n${lines.join('\n')}`);
    assert.match(downLines[0]!, /Kafka at 127\.0\.0\.1:1 unavailable/);
  } finally {
    await shipper.stop();
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a schema registry URL, values on the real broker are Confluent-framed and read back', async () => {
  const { createServer } = await import('node:http');
  const { inlinedEventSchema } = await import('../../src/events/schema.js');
  const subjects: string[] = [];
  // a small stand-in for the registry API (no real Schema Registry runs on these machines)
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') { subjects.push(decodeURIComponent(req.url!.split('/')[2]!)); res.end(JSON.stringify({ id: 7 })); return; }
      res.end(JSON.stringify({ schema: JSON.stringify(inlinedEventSchema(codec.schemas)) }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as import('node:net').AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-ship-cf-'));
  const prefix = randomName('cf');
  const journal = await openJournal({ dir, log: quiet }, codec);
  const shipper = createShipper({ journal, brokers, topicPrefix: prefix, schemaRegistryUrl: url, log: quiet }, codec);
  try {
    const em = createEmitter({ node: 'cf', log: journal, codec });
    for (let i = 0; i < 50; i++) em.emit({ kind: 'fs', op: 'write', key: '/cf', payload: fsPayload({ path: '/cf', size: i }) });
    await shipper.drain(30_000);
    assert.ok(subjects.includes(`${prefix}.fs.v1-value`), subjects.join(','));
    const seqs: number[] = [];
    for await (const recs of readKafkaTopic({ brokers, topics: [topicOf(prefix, 'fs')], schemaRegistryUrl: url })) seqs.push(...recs.map((r) => r.event.seq));
    assert.deepEqual(seqs, Array.from({ length: 50 }, (_, i) => i + 1));
    // without the registry (or the id) the same values are refused with UNKNOWN_SCHEMA
    await assert.rejects(async () => { for await (const _ of readKafkaTopic({ brokers, topics: [topicOf(prefix, 'fs')] })) { /* drain */ } }, (e: any) => e.code === 'VEXFS_AVRO_DECODE' && /schema id 7/.test(e.message));
  } finally {
    await shipper.stop();
    await journal.close();
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
