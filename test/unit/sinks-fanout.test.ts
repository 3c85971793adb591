import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFanoutSink, observedSink } from '../../src/sinks/fanout-sink.js';
import type { Batch, Sink } from '../../src/sinks/sink.js';

function fake(name: string, opts: { delayMs?: number; fail?: boolean } = {}): Sink & { got: string[]; closed: boolean } {
  const s = {
    name, got: [] as string[], closed: false,
    async write(b: Batch) {
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 0));
      if (opts.fail) throw new Error(`${name} down`);
      s.got.push(b.position.token);
    },
    async healthcheck() { return { ok: !opts.fail, detail: name }; },
    async close() { s.closed = true; },
  };
  return s;
}
const batch: Batch = { lane: 'normal', events: [], position: { kind: 'journal', token: 'journal:n1:1-10' } };

test('fan-out resolves only after every sink acknowledged', async () => {
  const a = fake('a', { delayMs: 5 });
  const b = fake('b', { delayMs: 40 });
  const f = createFanoutSink([a, b]);
  await f.write(batch);
  assert.deepEqual([a.got, b.got], [['journal:n1:1-10'], ['journal:n1:1-10']]);
  assert.equal(f.name, 'fanout(a,b)');
  await f.close();
  assert.ok(a.closed && b.closed);
});

test('fan-out rejects when one sink fails (after the others settled), and names the sink that is down', async () => {
  const a = fake('a', { delayMs: 20 });
  const f = createFanoutSink([a, fake('b', { fail: true })]);
  await assert.rejects(f.write(batch), /b down/);
  assert.deepEqual(a.got, ['journal:n1:1-10']);
  const h = await f.healthcheck();
  assert.equal(h.ok, false);
  assert.match(h.detail!, /a: ok .*b: down/);
  assert.throws(() => createFanoutSink([]), /non-empty/);
});

test('observedSink observes a batch only after the inner sink acknowledged it', async () => {
  const seen: string[] = [];
  const ok = observedSink(fake('a', { delayMs: 5 }), (b) => seen.push(b.position.token));
  await ok.write(batch);
  assert.deepEqual(seen, ['journal:n1:1-10']);
  const down = observedSink(fake('b', { fail: true }), (b) => seen.push(`bad ${b.position.token}`));
  await assert.rejects(down.write(batch));
  assert.deepEqual(seen, ['journal:n1:1-10']);
});
