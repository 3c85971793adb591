import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startApiServer } from '../../src/api/server.js';
import { createClient, type StreamEvent } from '../../src/client/index.js';
import type { VexEvent } from '../../src/events/types.js';
import { createFakeDeps, emitAnomaly, emitFs } from './api-fakes.js';

const TOKEN = 'viewer-token-1';

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('SSE delivers live events in order, with kind / op / prefix filters', async () => {
  const fx = createFakeDeps();
  const api = await startApiServer(fx.deps, { port: 0, tokens: { [TOKEN]: 'viewer' } });
  const client = createClient({ url: api.url, token: TOKEN });
  const all: StreamEvent[] = [];
  const writesUnderDocs: StreamEvent[] = [];
  const semantic: StreamEvent[] = [];
  const subs = [
    client.subscribe({}, (e) => all.push(e)),
    client.subscribe({ kinds: ['fs'], ops: ['write', 'rename'], prefix: '/docs/' }, (e) => writesUnderDocs.push(e)),
    client.subscribe({ kinds: ['semantic'] }, (e) => semantic.push(e)),
  ];
  try {
    await Promise.all(subs.map((s) => s.ready));
    assert.equal((await client.stats()).streamClients, 3);
    emitFs(fx.emitter, '/docs/a.txt', 'write');
    emitFs(fx.emitter, '/docs/a.txt', 'read');
    emitFs(fx.emitter, '/other/b.txt', 'write');
    emitFs(fx.emitter, '/docs/c.txt', 'rename');
    emitAnomaly(fx.emitter);
    await until(() => all.length === 5 && semantic.length === 1 && writesUnderDocs.length === 2, 'all deliveries');
    assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4, 5]);
    assert.deepEqual(writesUnderDocs.map((e) => [e.op, e.payload.path]), [['write', '/docs/a.txt'], ['rename', '/docs/c.txt']]);
    const a = semantic[0]!;
    assert.equal(a.kind, 'semantic');
    assert.equal(a.payload.anomalyType, 'mass_modification');
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(a.prevHash, all[3]!.hash, 'the hash chain is visible on the stream');
  } finally {
    subs.forEach((s) => s.close());
    await Promise.all(subs.map((s) => s.done));
    await api.close();
  }
});

test('SSE: closing the client unsubscribes; closing the server ends open streams', async () => {
  const fx = createFakeDeps();
  const api = await startApiServer(fx.deps, { port: 0, tokens: { [TOKEN]: 'viewer' } });
  const baseline = fx.hub.size; // the stats and anomaly providers subscribe too
  const client = createClient({ url: api.url, token: TOKEN });
  const s1 = client.subscribe({}, () => {});
  const s2 = client.subscribe({}, () => {});
  await Promise.all([s1.ready, s2.ready]);
  assert.equal(fx.hub.size, baseline + 2);
  s1.close();
  await s1.done;
  await until(() => fx.hub.size === baseline + 1, 'server-side unsubscribe');
  const t0 = Date.now();
  await api.close();
  await s2.done;
  assert.ok(Date.now() - t0 < 2000, 'close does not wait for streams to end by themselves');
  assert.equal(fx.hub.size, baseline);
});

test('SSE: a client that does not read loses events only for itself, and is told how many', async () => {
  const fx = createFakeDeps();
  const api = await startApiServer(fx.deps, { port: 0, tokens: { [TOKEN]: 'viewer' }, streamQueue: 500 });
  const fast: StreamEvent[] = [];
  const client = createClient({ url: api.url, token: TOKEN });
  const fastSub = client.subscribe({}, (e) => fast.push(e));
  // a raw socket that stops reading after the headers
  const url = new URL('/events/stream', api.url);
  let slowRes: import('node:http').IncomingMessage | undefined;
  const slowReady = new Promise<void>((resolve, reject) => {
    const r = request(url, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      slowRes = res;
      res.once('data', () => { res.pause(); resolve(); });
    });
    r.on('error', reject);
    r.end();
  });
  const N = 5000;
  try {
    await Promise.all([fastSub.ready, slowReady]);
    // one big event from the emitter, then copies of it published straight into the hub:
    // the test is about the stream's bounded queue, not the emitter's speed
    let template: VexEvent | undefined;
    const off = fx.hub.subscribe((e) => { template = e; });
    emitFs(fx.emitter, `/bulk/${'x'.repeat(2000)}`);
    off();
    for (let i = 0; i < N - 1; i++) {
      fx.hub.publish({ ...template!, seq: i + 2 });
      // bursts of 250, each after the reading client caught up: it is never the slow one
      if (i % 250 === 249) await until(() => fast.length >= i + 2 - 100, 'the reading client to catch up', 10_000);
    }
    await until(() => fast.length === N, 'the reading client gets every event', 15_000);
    // now read the slow stream: events + dropped notices account for every event
    let text = '';
    slowRes!.setEncoding('utf8');
    slowRes!.on('data', (c: string) => { text += c; });
    slowRes!.resume();
    const count = () => {
      const events = (text.match(/^id: /gm) ?? []).length;
      const dropped = [...text.matchAll(/^event: dropped\ndata: (\{.*\})$/gm)].reduce((s, m) => s + (JSON.parse(m[1]!) as { dropped: number }).dropped, 0);
      return { events, dropped };
    };
    await until(() => { const c = count(); return c.events + c.dropped === N; }, 'slow stream accounts for every event', 15_000);
    const c = count();
    assert.ok(c.dropped > 0, 'the slow client overflowed its bounded queue');
    assert.ok(c.events >= 500, `it still got what fitted (${c.events})`);
  } finally {
    fastSub.close();
    slowRes?.destroy();
    await fastSub.done;
    await api.close();
  }
});

test('SSE: the token may come as ?token= (EventSource cannot send headers); a bad one is 401 JSON', async () => {
  const fx = createFakeDeps();
  const api = await startApiServer(fx.deps, { port: 0, tokens: { [TOKEN]: 'viewer' } });
  try {
    const ac = new AbortController();
    const res = await fetch(`${api.url}/events/stream?token=${TOKEN}&kind=fs`, { signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    ac.abort();
    const bad = await fetch(`${api.url}/events/stream?token=nope-nope-nope`);
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { code: string }).code, 'VEXFS_UNAUTHORIZED');
  } finally {
    await api.close();
  }
});
