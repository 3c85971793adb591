import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startApiServer } from '../../src/api/server.js';
import { ApiClientError, createClient, type StreamMessage } from '../../src/client/index.js';
import { createFakeDeps, emitFs } from './api-fakes.js';

test('client: no answer is ApiClientError status 0, VEXFS_UNREACHABLE, retriable', async () => {
  // a port that was free a moment ago: nothing listens there
  const port = await new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
  const c = createClient({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 });
  await assert.rejects(c.health(), (e: unknown) => e instanceof ApiClientError && e.status === 0 && e.code === 'VEXFS_UNREACHABLE' && e.retriable);
  const sub = c.subscribe({}, () => {});
  await assert.rejects(sub.ready, (e: unknown) => e instanceof ApiClientError && e.code === 'VEXFS_UNREACHABLE');
});

test('client: ready() returns the 503 report; missing ids are null/false; errors carry the API code', async () => {
  const fx = createFakeDeps({ readiness: [{ name: 'store', check: async () => ({ ok: false, detail: 'down' }) }] });
  const api = await startApiServer(fx.deps, { port: 0, tokens: { 'operator-token-1': 'operator' } });
  try {
    const c = createClient({ url: api.url, token: 'operator-token-1' });
    const r = await c.ready();
    assert.equal(r.ready, false);
    assert.equal(r.code, 'VEXFS_NOT_READY');
    fx.vectors.createCollection({ name: 'docs', dim: 2, metric: 'l2' });
    assert.equal(await c.getVector('docs', '/nope'), null);
    assert.equal(await c.deleteVector('docs', '/nope'), false);
    await assert.rejects(c.getVector('ghost', '/x'), (e: unknown) => e instanceof ApiClientError && e.status === 404 && e.code === 'VEXFS_UNKNOWN_COLLECTION' && !e.retriable);
    await assert.rejects(c.createCollection({ name: 'x', dim: 2 }), (e: unknown) => e instanceof ApiClientError && e.status === 403 && /needs admin/.test(e.message));
  } finally {
    await api.close();
  }
});

test('client: events() is an async iterable that ends when its signal aborts', async () => {
  const fx = createFakeDeps();
  const api = await startApiServer(fx.deps, { port: 0, auth: false });
  try {
    const c = createClient({ url: api.url });
    const ac = new AbortController();
    const got: StreamMessage[] = [];
    const reading = (async () => {
      for await (const m of c.events({ kinds: ['fs'], prefix: '/a' }, ac.signal)) {
        got.push(m);
        if (got.length === 2) ac.abort();
      }
    })();
    const end = Date.now() + 3000;
    while (fx.hub.size < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10)); // stats + anomalies + this stream
    emitFs(fx.emitter, '/b/skip');
    emitFs(fx.emitter, '/a/1');
    emitFs(fx.emitter, '/a/2');
    emitFs(fx.emitter, '/a/3');
    await reading;
    assert.deepEqual(got.map((m) => (m.type === 'event' ? m.event.key : m.type)), ['/a/1', '/a/2']);
  } finally {
    await api.close();
  }
});
