import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload } from '../../src/events/payloads.js';
import { freePort } from '../../src/infra/process-util.js';
import { startKafkaBroker, type KafkaBroker } from '../../src/infra/kafka-broker.js';
import { createShipper, openJournal, readKafkaTopic, topicOf, type LogSink } from '../../src/log/index.js';
import { metrics } from '../../src/metrics/registry.js';
import { randomName } from '../support/kafka.js';

const codec = createEventCodec();

async function gauge(): Promise<number> { return (await metrics.journalUnshipped.get()).values[0]?.value ?? -1; }
async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what} not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('shipper catches up after the broker is stopped and started again; nothing is lost', { timeout: 150_000 }, async () => {
  // our own broker (not the shared one): this test stops it, then restarts it on the same port and data dir
  const kdir = mkdtempSync(join(tmpdir(), 'vexfs-kafka-outage-'));
  const port = await freePort();
  let broker: KafkaBroker | null = await startKafkaBroker({ dir: kdir, port });
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-journal-outage-'));
  const lines: string[] = [];
  const log: LogSink = { info: (m) => lines.push('info ' + m), warn: (m) => lines.push('warn ' + m) };
  const prefix = randomName('o');
  const journal = await openJournal({ dir, log }, codec);
  const shipper = createShipper({ journal, brokers: [broker.brokers], topicPrefix: prefix, connectionTimeoutMs: 500, requestTimeoutMs: 5000, backoff: { initialMs: 50, maxMs: 1000 }, gaugeIntervalMs: 50, log }, codec);
  const em = createEmitter({ node: 'n-out', log: journal, codec });
  const emit = (n: number) => { for (let i = 0; i < n; i++) em.emit({ kind: 'fs', op: 'write', key: `/o${i % 9}`, payload: fsPayload({ path: `/o${i % 9}`, size: i }) }); };
  try {
    emit(2000);
    await shipper.drain(30_000);
    assert.equal(journal.shippedSeq, 2000);

    await broker.stop();
    broker = null;
    // producers keep going while Kafka is down: the journal grows, the gauge rises
    const t0 = Date.now();
    for (let k = 0; k < 10; k++) { emit(500); await new Promise((r) => setTimeout(r, 100)); }
    assert.ok(Date.now() - t0 < 5000, 'emitting was never blocked');
    await until('broker seen down', () => shipper.brokerDown, 20_000);
    await until('gauge shows the backlog', async () => (await gauge()) >= 5000, 5000);
    assert.equal(journal.tail().seq, 7000);
    assert.ok(journal.shippedSeq <= 2000 + 1000, 'little or nothing shipped while down');

    broker = await startKafkaBroker({ dir: kdir, port });
    emit(1000);
    await shipper.drain(60_000);
    assert.equal(journal.shippedSeq, 8000);
    await until('gauge back to 0', async () => (await gauge()) === 0, 2000);
    assert.equal(shipper.brokerDown, false);
    assert.equal(lines.filter((l) => /unavailable/.test(l)).length, 1, lines.join('\n'));
    assert.equal(lines.filter((l) => /available again/.test(l)).length, 1, lines.join('\n'));

    const ids = new Set<string>();
    const seqs = new Set<number>();
    for await (const recs of readKafkaTopic({ brokers: [broker.brokers], topics: [topicOf(prefix, 'fs')] })) {
      for (const r of recs) { ids.add(r.event.id); seqs.add(r.event.seq); }
    }
    assert.equal(seqs.size, 8000, 'every seq reached Kafka (duplicates dropped by id)');
    assert.equal(ids.size, 8000);
    for (let s = 1; s <= 8000; s++) assert.ok(seqs.has(s), `seq ${s}`);
  } finally {
    await shipper.stop();
    await journal.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(kdir, { recursive: true, force: true });
  }
});
