import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { Bridge } from '../../src/processors/bridge.js';
import { SourceEntry } from '../../src/processors/source-entry.js';
import { VexfsError, ErrorCodes } from '../../src/errors.js';
import type { Batch, Sink } from '../../src/sinks/sink.js';
import { fsEvent } from '../support/traces.js';

/** An in-memory sink (tests only): records batches; `gate` holds writes until released. */
function memorySink(opts: { failTimes?: number; fatal?: boolean } = {}) {
  const batches: Batch[] = [];
  let gate: Promise<void> | null = null;
  let open!: () => void;
  let fails = opts.failTimes ?? 0;
  const sink: Sink & { batches: Batch[]; hold(): void; release(): void } = {
    name: 'memory', batches,
    hold() { gate = new Promise((r) => { open = r; }); },
    release() { const g = open; gate = null; g(); },
    async write(b) {
      if (gate) await gate;
      if (fails-- > 0) throw new VexfsError(opts.fatal ? ErrorCodes.STORE_REJECTED : ErrorCodes.STORE_UNAVAILABLE, 'boom', { retriable: !opts.fatal });
      batches.push(b);
    },
    async healthcheck() { return { ok: true }; },
    async close() {},
  };
  return sink;
}

test('bridge: flushes on time (flushMs, virtual time) and on size (batchSize)', async () => {
  const sink = memorySink();
  const ts = new TestScheduler(() => {});
  const bridge = new Bridge({ sink, batchSize: 3, flushMs: 10, laneCapacity: 100, scheduler: ts });
  const entry = new SourceEntry('journal', 'journal:n1', 1, 5);
  bridge.push('normal', fsEvent(1, 'write', '/f1'), entry, 1);
  bridge.push('normal', fsEvent(2, 'write', '/f2'), entry, 2);
  await new Promise((r) => setImmediate(r));
  assert.equal(sink.batches.length, 0, 'below batchSize nothing goes before flushMs');
  ts.flush(); // 10 virtual ms pass
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sink.batches.map((b) => b.position.token), ['journal:n1:1-2']);
  for (let i = 3; i <= 5; i++) bridge.push('normal', fsEvent(i, 'write', `/f${i}`), entry, i);
  entry.seal();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sink.batches.map((b) => b.position.token), ['journal:n1:1-2', 'journal:n1:3-5'], 'a full batch goes at once');
  await entry.settled;
});

test('bridge: batches that queue behind a slow write go together in the next one (adaptive batching, up to maxBatch, order kept)', async () => {
  const writes: { n: number; token: string; seqs: number[] }[] = [];
  let release: (() => void) | null = null;
  const sink = { name: 'slow', async write(b: { events: { seq: number }[]; position: { token: string } }) {
    writes.push({ n: b.events.length, token: b.position.token, seqs: b.events.map((e) => e.seq) });
    if (writes.length === 1) await new Promise<void>((r) => { release = r; });
  }, async healthcheck() { return { ok: true }; }, async close() {} };
  const bridge = new Bridge({ sink: sink as never, batchSize: 10, maxBatch: 35, flushMs: 1, laneCapacity: 1000 });
  const entry = new SourceEntry('journal', 'journal:n1', 1, 100);
  const evs = Array.from({ length: 100 }, (_, i) => fsEvent(i, 'write', `/f${i}`));
  for (let i = 0; i < 100; i++) bridge.push('normal', evs[i]!, entry, i + 1);
  entry.seal();
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 1, 'one write in flight per lane');
  release!();
  await bridge.drain();
  await entry.settled;
  assert.deepEqual(writes.map((w) => w.n), [10, 30, 30, 30], 'queued chunks of 10 merged up to maxBatch 35');
  assert.deepEqual(writes.map((w) => w.token), ['journal:n1:1-10', 'journal:n1:11-40', 'journal:n1:41-70', 'journal:n1:71-100']);
  assert.deepEqual(writes.flatMap((w) => w.seqs), evs.map((e) => e.seq), 'order preserved');
});

test('bridge: lanes are separate batches; derived-result tokens carry lane and number', async () => {
  const sink = memorySink();
  const bridge = new Bridge({ sink, batchSize: 2, flushMs: 1, laneCapacity: 100 });
  const entry = new SourceEntry('kafka', 'vexfs.fs.v1:2', 500, 501);
  bridge.push('normal', fsEvent(1, 'write', '/a'), entry, 500);
  for (let i = 0; i < 3; i++) bridge.push('bulk', fsEvent(1, 'window', '/w'), entry, 501);
  bridge.push('critical', fsEvent(1, 'anomaly', '/x'), entry, 501);
  entry.seal();
  await bridge.drain();
  await entry.settled;
  const tokens = sink.batches.map((b) => `${b.lane}=${b.position.token}`).sort();
  assert.deepEqual(tokens, ['bulk=vexfs.fs.v1:2:501-501@bulk#0', 'bulk=vexfs.fs.v1:2:501-501@bulk#1', 'critical=vexfs.fs.v1:2:501-501@critical#0', 'normal=vexfs.fs.v1:2:500-500']);
});

test('bridge: bounded — a slow sink makes hasRoom() false, order is preserved, the entry settles only after the ack', async () => {
  const sink = memorySink();
  sink.hold();
  const bridge = new Bridge({ sink, batchSize: 10, flushMs: 1, laneCapacity: 25 });
  const entry = new SourceEntry('journal', 'journal:n1', 1, 100);
  let pushed = 0;
  const producer = (async () => {
    for (let i = 1; i <= 100; i++) {
      if (!bridge.hasRoom()) await bridge.waitForRoom();
      bridge.push('normal', fsEvent(i, 'write', `/k${i % 3}`), entry, i);
      pushed++;
    }
    entry.seal();
  })();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(pushed, 25, 'the producer waits at the lane capacity');
  let settled = false;
  void entry.settled.then(() => { settled = true; });
  sink.release();
  await producer;
  await bridge.drain();
  await entry.settled;
  assert.ok(settled);
  const seqs = sink.batches.flatMap((b) => b.events.map((e) => e.ts / 1000));
  assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i + 1), 'one write in flight per lane: order preserved');
});

test('bridge: retriable sink errors are retried; a non-retriable one is fatal', async () => {
  const sink = memorySink({ failTimes: 2 });
  const bridge = new Bridge({ sink, batchSize: 1, flushMs: 1, laneCapacity: 10, retryBaseMs: 1, retryMaxMs: 5 });
  const e1 = new SourceEntry('journal', 'journal:n', 1, 1);
  bridge.push('normal', fsEvent(1, 'write', '/a'), e1, 1);
  e1.seal();
  await e1.settled;
  assert.equal(sink.batches.length, 1);

  const bad = memorySink({ failTimes: 1, fatal: true });
  let fatal: unknown = null;
  const b2 = new Bridge({ sink: bad, batchSize: 1, flushMs: 1, laneCapacity: 10, onFatal: (e) => { fatal = e; } });
  b2.push('normal', fsEvent(1, 'write', '/a'), new SourceEntry('journal', 'journal:n', 1, 1), 1);
  await assert.rejects(b2.drain(), /boom/);
  assert.equal((fatal as VexfsError).code, ErrorCodes.STORE_REJECTED);
});

test('bridge: a pipelining sink (maxInFlight 2) gets a second full batch while the first is written; releases, retries and order stay in lane order', async () => {
  const calls: string[] = [];
  const gates = new Map<string, () => void>();
  let failNext = 0;
  const sink: Sink = {
    name: 'piped', maxInFlight: 2,
    async write(b) {
      const t = b.position.token;
      calls.push(t);
      await new Promise<void>((r) => gates.set(t, r));
      gates.delete(t);
      if (failNext > 0) { failNext--; throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, 'down', { retriable: true }); }
    },
    async healthcheck() { return { ok: true }; }, async close() {},
  };
  const bridge = new Bridge({ sink, batchSize: 10, maxBatch: 20, flushMs: 1, laneCapacity: 1000, retryBaseMs: 1, retryMaxMs: 2 });
  const entry = new SourceEntry('journal', 'journal:n1', 1, 70);
  const tick = () => new Promise((r) => setTimeout(r, 5));
  for (let i = 1; i <= 15; i++) bridge.push('normal', fsEvent(i, 'write', `/f${i}`), entry, i);
  await tick();
  assert.deepEqual(calls, ['journal:n1:1-10'], 'a partial batch waits behind the write in flight (it coalesces)');
  for (let i = 16; i <= 50; i++) bridge.push('normal', fsEvent(i, 'write', `/f${i}`), entry, i);
  await tick();
  assert.deepEqual(calls, ['journal:n1:1-10', 'journal:n1:11-30'], 'a full maxBatch goes alongside: two in flight, no more');
  // the second acknowledges first: nothing is released before the first is
  gates.get('journal:n1:11-30')!();
  await tick();
  assert.equal(bridge.acked.normal, 0, 'released in lane order only');
  assert.equal(calls.length, 2, 'an acknowledged write holds its slot until it is released');
  gates.get('journal:n1:1-10')!();
  await tick();
  assert.equal(bridge.acked.normal, 30);
  assert.deepEqual(calls.slice(2), ['journal:n1:31-50'], 'then the next full batch goes');
  // both in flight fail: the retries go in order, the later one only after the earlier is acknowledged
  failNext = 2;
  for (let i = 51; i <= 70; i++) bridge.push('normal', fsEvent(i, 'write', `/f${i}`), entry, i);
  entry.seal();
  await tick();
  assert.deepEqual(calls.slice(2), ['journal:n1:31-50', 'journal:n1:51-70'], 'two in flight again');
  gates.get('journal:n1:31-50')!(); gates.get('journal:n1:51-70')!();
  await tick(); await tick();
  assert.deepEqual(calls.slice(4), ['journal:n1:31-50'], 'the later batch is not re-sent before the earlier one is acknowledged');
  gates.get('journal:n1:31-50')!();
  await tick(); await tick();
  assert.deepEqual(calls.slice(5), ['journal:n1:51-70']);
  gates.get('journal:n1:51-70')!();
  await bridge.drain();
  await entry.settled;
  assert.equal(bridge.acked.normal, 70);
});
