import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload } from '../../src/events/payloads.js';
import type { VexEvent } from '../../src/events/types.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import type { EventLog, LoggedEvent } from '../../src/log/event-log.js';
import { ErrorCodes, VexfsError } from '../../src/errors.js';
import { runProcessor } from '../../src/processors/run-processor.js';
import { resolveProcessorOptions } from '../../src/processors/options.js';
import { readCheckpoint } from '../../src/processors/journal-source.js';
import { readFileDeadLetters } from '../../src/processors/dead-letter-file.js';
import type { Batch, Sink } from '../../src/sinks/sink.js';

/** In-memory sink for tests (production code may not use one). */
function memorySink(fail?: (b: Batch) => Error | null): Sink & { events: Map<string, VexEvent>; batches: Batch[] } {
  const events = new Map<string, VexEvent>();
  const batches: Batch[] = [];
  return {
    name: 'memory', events, batches,
    async write(b) { const e = fail?.(b); if (e) throw e; batches.push(b); for (const ev of b.events) events.set(ev.id, ev); },
    async healthcheck() { return { ok: true }; }, async close() {},
  };
}

function fill(log: EventLog, n: number, t0: number): void {
  let t = t0;
  const em = createEmitter({ node: 'n1', log, nowMicros: () => (t += 1000) });
  for (let i = 0; i < n; i++) em.emit({ kind: 'fs', op: i % 4 === 0 ? 'open' : 'read', key: `/a/f${i % 50}`, payload: fsPayload({ path: `/a/f${i % 50}`, pid: 10 + (i % 3), size: 4096, latencyUs: 50 + (i % 7) }) });
}

const small = { windowSize: 1000, historySize: 2000, countSlide: 500, windowMs: 1000, slideMs: 100, patternWindowMs: 1000 };

test('runProcessor (journal): every event and result reaches the sink; checkpoint = last seq; a restart resumes after it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vexfs-proc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = createMemoryLog();
  fill(log, 3000, 1_700_000_000_000_000);
  const sink = memorySink();
  const cp = join(dir, 'processor.checkpoint');
  const h = runProcessor({ source: { kind: 'journal', log, checkpointPath: cp, follow: false, batchSize: 256 }, sink, processors: small });
  const stats = await h.done;
  const fs = [...sink.events.values()].filter((e) => e.kind === 'fs');
  assert.equal(fs.length, 3000);
  assert.equal(stats.processed, 3000);
  assert.equal((await readCheckpoint(cp)).seq, 3000);
  const semantic = [...sink.events.values()].filter((e) => e.kind === 'semantic');
  assert.ok(semantic.some((e) => e.op === 'window' && (e as VexEvent<'semantic'>).payload.type === 'window'), 'window results');
  assert.ok(semantic.some((e) => e.op === 'pattern'), 'pattern results');
  // batches are batchSize (100) unless writes queued behind a slow one (then up to maxBatch, 10,000)
  assert.ok(sink.batches.every((b) => b.events.length <= 10_000 && b.events.every((e) => e.priority === b.lane)));
  assert.ok(sink.batches.filter((b) => b.lane === 'normal').every((b) => /^journal:n1:\d+-\d+$/.test(b.position.token)));

  fill(log, 500, 1_700_000_010_000_000);
  const sink2 = memorySink();
  await runProcessor({ source: { kind: 'journal', log, checkpointPath: cp, follow: false }, sink: sink2, processors: small }).done;
  const seqs = [...sink2.events.values()].filter((e) => e.kind === 'fs').map((e) => e.seq).sort((a, b) => a - b);
  assert.equal(seqs.length, 500);
  assert.equal(seqs[0], 3001);
  assert.equal((await readCheckpoint(cp)).seq, 3500);
});

test('runProcessor (journal, follow): stop() drains, commits and resolves', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vexfs-proc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = createMemoryLog();
  fill(log, 1000, 1_700_000_000_000_000);
  const sink = memorySink();
  const cp = join(dir, 'cp');
  const h = runProcessor({ source: { kind: 'journal', log, checkpointPath: cp }, sink, processors: small });
  const deadline = Date.now() + 5000;
  while (h.stats().committed !== 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  fill(log, 10, 1_700_000_005_000_000);
  // While following, the rate-limited checkpoint still reaches the latest acknowledged seq.
  const until = Date.now() + 5000;
  while ((await readCheckpoint(cp)).seq !== 1010 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await readCheckpoint(cp)).seq, 1010, 'checkpoint written while following');
  const stats = await h.stop();
  assert.equal(stats.committed, 1010);
  assert.equal((await readCheckpoint(cp)).seq, 1010);
  await log.close();
});

test('runProcessor: an unprocessable journal record goes to the dead-letter file and the pipeline goes on', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vexfs-proc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const mem = createMemoryLog();
  fill(mem, 100, 1_700_000_000_000_000);
  const log: EventLog = {
    ...mem,
    async *read(o) {
      for await (const batch of mem.read(o)) {
        const bad: LoggedEvent = { event: { ...batch[0]!.event, kind: 'bogus' as never }, bytes: Buffer.from('xx') };
        yield [bad, ...batch.slice(1)];
      }
    },
  };
  const sink = memorySink();
  const h = runProcessor({ source: { kind: 'journal', log, checkpointPath: join(dir, 'cp'), follow: false }, sink, processors: small });
  const stats = await h.done;
  assert.equal(stats.deadLetters, 1);
  assert.equal([...sink.events.values()].filter((e) => e.kind === 'fs').length, 99);
  const letters = await readFileDeadLetters(join(dir, 'deadletter.jsonl'));
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.code, ErrorCodes.EVENT_INVALID);
  assert.match(letters[0]!.reason, /unknown event kind "bogus"/);
  assert.equal(letters[0]!.source, 'journal:n1:1');
});

test('runProcessor: a non-retriable sink error fails the run without committing past it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vexfs-proc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = createMemoryLog();
  fill(log, 500, 1_700_000_000_000_000);
  const sink = memorySink((b) => (b.events.some((e) => e.seq === 250) ? new VexfsError(ErrorCodes.STORE_REJECTED, 'bad row') : null));
  const cp = join(dir, 'cp');
  await assert.rejects(runProcessor({ source: { kind: 'journal', log, checkpointPath: cp, follow: false, batchSize: 100 }, sink, processors: small }).done, /bad row/);
  assert.ok((await readCheckpoint(cp)).seq < 250);
});

test('config: out-of-range and unknown options are refused at start, naming the key', () => {
  const log = createMemoryLog();
  const sink = memorySink();
  const src = { kind: 'journal' as const, log, checkpointPath: '/tmp/x' };
  const expectInvalid = (f: () => unknown, key: RegExp) => assert.throws(f, (e: unknown) => e instanceof VexfsError && e.code === ErrorCodes.CONFIG_INVALID && key.test(e.message));
  expectInvalid(() => runProcessor({ source: src, sink, processors: { windowSize: -5 } }), /processors\.windowSize = -5/);
  expectInvalid(() => runProcessor({ source: src, sink, processors: { contamination: 0.5 } }), /processors\.contamination = 0\.5 .*< 0\.5/);
  expectInvalid(() => runProcessor({ source: src, sink, processors: { windowMs: -1 } }), /processors\.windowMs/);
  expectInvalid(() => runProcessor({ source: src, sink, processors: { windwSize: 3 } as never }), /processors\.windwSize .*unknown key/);
  expectInvalid(() => runProcessor({ source: { kind: 'kafka', brokers: [] }, sink }), /source\.brokers/);
  expectInvalid(() => runProcessor({ source: src, sink, extra: 1 } as never), /extra .*unknown key/);
  expectInvalid(() => resolveProcessorOptions({ slideMs: 3000, windowMs: 10_000 }), /processors\.slideMs .*divide windowMs/);
  assert.equal(resolveProcessorOptions().windowSize, 10_000);
  assert.ok(Object.isFrozen(resolveProcessorOptions()));
});

test('runProcessor with analyse: false (the store tier, `vexfs sink`) passes every event through and adds no results', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vexfs-proc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = createMemoryLog();
  fill(log, 1500, 1_700_000_000_000_000);
  const sink = memorySink();
  const h = runProcessor({ source: { kind: 'journal', log, checkpointPath: join(dir, 'cp'), follow: false }, sink, processors: small, analyse: false });
  await h.done;
  assert.equal(sink.events.size, 1500);
  assert.equal([...sink.events.values()].filter((e) => e.kind === 'semantic').length, 0);
  assert.equal((await readCheckpoint(join(dir, 'cp'))).seq, 1500);
});
