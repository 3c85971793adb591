import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer } from '../../src/api/server.js';
import { ApiClientError, createClient } from '../../src/client/index.js';
import { CASES, RANK } from './api-cases.js';
import { createFakeDeps } from './api-fakes.js';

/**
 * Every endpoint × every caller (no token, an unknown token, viewer, operator, admin):
 * allowed callers get a 2xx, lower roles 403 VEXFS_FORBIDDEN, missing/unknown tokens 401
 * VEXFS_UNAUTHORIZED, and public routes answer everyone.
 */

const TOKENS = { 'viewer-token-1': 'viewer', 'operator-token-1': 'operator', 'admin-token-1': 'admin' } as const;
const V = [0.1, 0.2, 0.3];

const CALLERS: Array<{ who: string; token?: string; role?: 'viewer' | 'operator' | 'admin' }> = [
  { who: 'no token' },
  { who: 'unknown token', token: 'not-a-real-token' },
  { who: 'viewer', token: 'viewer-token-1', role: 'viewer' },
  { who: 'operator', token: 'operator-token-1', role: 'operator' },
  { who: 'admin', token: 'admin-token-1', role: 'admin' },
];

for (const caller of CALLERS) {
  test(`every endpoint as ${caller.who}`, async () => {
    const fx = createFakeDeps();
    const api = await startApiServer(fx.deps, { port: 0, tokens: { ...TOKENS } });
    try {
      const client = createClient({ url: api.url, token: caller.token, timeoutMs: 5000 });
      for (const c of CASES) {
        // fixture state each call expects: 'docs' with two vectors, 'scratch' present, 'fresh' absent
        const names = (await fx.vectors.listCollections()).map((x) => x.name);
        if (!names.includes('docs')) fx.vectors.createCollection({ name: 'docs', dim: 3, metric: 'l2' });
        if (!names.includes('scratch')) fx.vectors.createCollection({ name: 'scratch', dim: 3, metric: 'l2' });
        if (names.includes('fresh')) fx.vectors.drop('fresh');
        fx.vectors.upsert('docs', '/docs/a.txt', Float32Array.from(V));
        fx.vectors.upsert('docs', '/docs/b.txt', Float32Array.from([0.3, 0.2, 0.1]));

        const allowed = c.need === 'public' || (caller.role !== undefined && RANK[caller.role] >= RANK[c.need]);
        const expected = allowed ? 'ok' : caller.token === undefined || caller.role === undefined ? 401 : 403;
        let got: 'ok' | number;
        let code = '';
        try {
          await c.call(client);
          got = 'ok';
        } catch (err) {
          if (!(err instanceof ApiClientError)) throw err;
          got = err.status;
          code = err.code;
        }
        assert.equal(got, expected, `${c.route} as ${caller.who}: expected ${expected}, got ${got} ${code}`);
        if (expected === 401) assert.equal(code, 'VEXFS_UNAUTHORIZED', c.route);
        if (expected === 403) assert.equal(code, 'VEXFS_FORBIDDEN', c.route);
      }
      // a refused write changed nothing; an allowed one did
      assert.equal(fx.vectors.calls.includes('create fresh'), caller.role === 'admin');
      assert.equal(fx.vectors.calls.includes('upsertBatch docs 1'), caller.role === 'operator' || caller.role === 'admin');
      assert.equal(fx.replays.length, caller.role === 'operator' || caller.role === 'admin' ? 1 : 0);
    } finally {
      await api.close();
    }
  });
}

test('whoami reports the role of each token', async () => {
  const fx = createFakeDeps();
  const api = await startApiServer(fx.deps, { port: 0, tokens: { ...TOKENS } });
  try {
    for (const [token, role] of Object.entries(TOKENS)) {
      assert.deepEqual(await createClient({ url: api.url, token }).whoami(), { role });
    }
    // a token in the URL counts only on the live stream (EventSource cannot send headers), never elsewhere
    const res = await fetch(`${api.url}/auth/whoami?token=operator-token-1`);
    assert.equal(res.status, 401);
  } finally {
    await api.close();
  }
});

test('auth: false makes every caller admin (local development)', async () => {
  const fx = createFakeDeps();
  const api = await startApiServer(fx.deps, { port: 0, auth: false });
  try {
    const c = createClient({ url: api.url });
    assert.deepEqual(await c.whoami(), { role: 'admin' });
    await c.createCollection({ name: 'open', dim: 2 });
    assert.equal((await c.describeCollection('open')).metric, 'cosine');
  } finally {
    await api.close();
  }
});
