import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type StreamEvent } from '../../src/client/index.js';
import { hashEmbedding } from '../../src/demo/hash-embedding.js';
import { fsPayload } from '../../src/events/payloads.js';
import { startApiStack, TOKENS } from './api-stack.js';

const TEXTS: Record<string, string> = {
  '/docs/sales-q1.txt': 'quarterly sales report for the north region with revenue and targets',
  '/docs/sales-q2.txt': 'sales report of the north region for the second quarter, revenue up',
  '/docs/kernel.txt': 'kernel panic while mounting the fuse filesystem on boot',
  '/notes/recipe.txt': 'a recipe for bread with flour water salt and yeast',
};

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the API over the real vector service, journal and chDB', async () => {
  const t0 = Date.now();
  const stack = await startApiStack({ sql: true });
  try {
    const admin = createClient({ url: stack.api.url, token: 'admin-token-0001' });
    const operator = createClient({ url: stack.api.url, token: 'operator-token-01' });
    const viewer = createClient({ url: stack.api.url, token: 'viewer-token-0001' });
    const live: StreamEvent[] = [];
    const sub = viewer.subscribe({ kinds: ['vector'] }, (e) => live.push(e));
    await sub.ready;

    assert.equal((await viewer.ready()).ready, true);
    assert.deepEqual((await viewer.ready()).checks.map((c) => [c.name, c.ok]), [['journal', true], ['clickhouse', true]]);

    const info = await admin.createCollection({ name: 'docs', dim: 64, metric: 'cosine' });
    assert.deepEqual([info.name, info.dim, info.metric, info.count], ['docs', 64, 'cosine', 0]);
    const [first, ...rest] = Object.keys(TEXTS);
    await operator.upsert('docs', first!, hashEmbedding(TEXTS[first!]!, 64));
    assert.equal(await operator.upsertBatch('docs', rest.map((id) => ({ id, vector: hashEmbedding(TEXTS[id]!, 64) }))), 3);
    assert.equal((await viewer.describeCollection('docs')).count, 4);

    // files like this one, by text, with a prefix, in a batch
    const like = await viewer.search('docs', { id: '/docs/sales-q1.txt', k: 1 });
    assert.deepEqual(like.hits.map((h) => h.id), ['/docs/sales-q2.txt']);
    const byText = await viewer.search('docs', { text: 'bread recipe with yeast', k: 1 });
    assert.deepEqual(byText.hits.map((h) => h.id), ['/notes/recipe.txt']);
    const inDocs = await viewer.search('docs', { text: 'bread recipe with yeast', k: 4, prefix: '/docs/' });
    assert.ok(inDocs.hits.length > 0 && inDocs.hits.every((h) => h.id.startsWith('/docs/')));
    const batch = await viewer.searchBatch('docs', [hashEmbedding(TEXTS['/docs/kernel.txt']!, 64), hashEmbedding(TEXTS['/notes/recipe.txt']!, 64)], { k: 1 });
    assert.deepEqual(batch.results.map((r) => r[0]!.id), ['/docs/kernel.txt', '/notes/recipe.txt']);
    const got = await viewer.getVector('docs', '/docs/kernel.txt');
    assert.equal(got!.vector.length, 64);
    assert.ok(Math.abs(got!.vector[0]! - hashEmbedding(TEXTS['/docs/kernel.txt']!, 64)[0]!) < 1e-6);

    // the real service's errors, through HTTP
    await assert.rejects(operator.upsert('docs', '/x', [1, 2, 3]), { status: 400, code: 'VEXFS_DIMENSION_MISMATCH' });
    await assert.rejects(admin.createCollection({ name: 'docs', dim: 64 }), { status: 409, code: 'VEXFS_COLLECTION_EXISTS' });
    await assert.rejects(viewer.search('ghost', { vector: [1], k: 1 }), { status: 404, code: 'VEXFS_UNKNOWN_COLLECTION' });
    await assert.rejects(viewer.search('docs', { id: '/docs/kernel.txt', k: 5, ef: 2 }), { status: 400, code: 'VEXFS_INVALID_ARGUMENT' });
    await assert.rejects(admin.createCollection({ name: 'big', dim: 8, M: 1000 }), { status: 400, code: 'VEXFS_INVALID_ARGUMENT' });
    assert.equal(await operator.deleteVector('docs', '/notes/recipe.txt'), true);
    assert.equal(await operator.deleteVector('docs', '/notes/recipe.txt'), false);

    // every vector operation is an event in the journal and on the live stream, failures included
    await until(() => live.some((e) => e.op === 'delete'), 'the delete on the live stream');
    const ops = live.map((e) => e.op);
    for (const op of ['create', 'upsert', 'search', 'delete']) assert.ok(ops.some((o) => o.includes(op)), `${op} in ${ops.join(',')}`);
    assert.ok(live.some((e) => e.payload.errorCode === 'VEXFS_DIMENSION_MISMATCH'), 'the failed upsert is on the stream');
    let inJournal = 0;
    for await (const b of stack.journal.read({ from: 1 })) inJournal += b.filter((x) => x.event.kind === 'vector').length;
    assert.equal(inJournal, live.length, 'the stream carried exactly the journal\'s vector events');

    // live fs events from another emitter path reach stats
    stack.emitter.emit({ kind: 'fs', op: 'write', key: '/docs/a', payload: fsPayload({ path: '/docs/a', size: 10 }) });
    await until(async () => (await viewer.stats()).totals.fs === 1, 'the fs event in stats');
    const stats = await viewer.stats();
    assert.ok((stats.totals.vector ?? 0) >= live.length);
    assert.equal(stats.backlog.journalUnshipped, stack.journal.tail().seq, 'nothing shipped: the backlog is the journal');
    assert.deepEqual(stats.topPaths, [{ path: '/docs/a', count: 1 }]);

    // SQL on real chDB: read-only statements run, writes are refused before reaching it
    const sql = await viewer.sql('SELECT number AS n, toString(number) AS s FROM system.numbers LIMIT 3');
    assert.deepEqual(sql.columns, [{ name: 'n', type: 'UInt64' }, { name: 's', type: 'String' }]);
    assert.deepEqual(sql.rows, [{ n: 0, s: '0' }, { n: 1, s: '1' }, { n: 2, s: '2' }]);
    assert.equal((await viewer.sql('SELECT number FROM system.numbers LIMIT 50', 10)).rowCount, 10);
    const tables = await viewer.sql('SHOW TABLES FROM vexfs');
    assert.ok(tables.rows.length > 0, 'the sink\'s tables exist');
    await assert.rejects(viewer.sql('CREATE TABLE vexfs.x (a UInt8) ENGINE = Memory'), { status: 403, code: 'VEXFS_FORBIDDEN' });
    await assert.rejects(viewer.sql('SELEC 1'), { code: 'VEXFS_FORBIDDEN' });
    await assert.rejects(viewer.sql('SELECT * FROM vexfs.no_such_table'), { status: 422, code: 'VEXFS_STORE_REJECTED' });

    // metrics reflect the real service's work
    const metrics = await viewer.metrics();
    assert.match(metrics, /vexfs_vector_ops_total\{op="[a-z_]*search[a-z_]*",result="ok"\} [1-9]/);
    assert.equal(await viewer.config().catch((e: { status: number }) => e.status), 403);
    assert.deepEqual(await admin.config(), { dataDir: stack.dir, api: { tokens: '<redacted>' } });

    await admin.dropCollection('docs');
    assert.deepEqual(await viewer.listCollections(), []);
    sub.close();
    await sub.done;
  } finally {
    await stack.close();
  }
  assert.ok(Date.now() - t0 < 60_000, `took ${Date.now() - t0} ms`);
  void TOKENS;
});
