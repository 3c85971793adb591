import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createEmitter } from '../../src/events/emitter.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { clusteredSet, readFvecs, readIvecs, recallAtK, siftsmallDir } from '../../src/producers/vector/datasets.js';
import { createVectorService, type VectorService } from '../../src/producers/vector/index.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function service(): Promise<VectorService> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vexfs-recall-'));
  dirs.push(dataDir);
  // The memory log decodes every event; recall is about the index, so events stay on but cheap enough here.
  return createVectorService({ emitter: createEmitter({ node: 'n1', log: createMemoryLog() }), dataDir, snapshotEvery: 0 });
}

/** Loads siftsmall into a new collection made with `spec`, searches every query; null (after a visible skip) without the dataset. */
async function siftsmallRecall(t: { skip(msg: string): void }, spec: { M?: number; efConstruction?: number; ef?: number }): Promise<{ recall: number; info: { M: number; efConstruction: number; ef: number } } | null> {
  const dir = siftsmallDir();
  if (dir === null) {
    t.skip('siftsmall not found (set VEXFS_DATASETS or place it at ../shared/datasets/siftsmall): recall on real data NOT checked');
    return null;
  }
  const base = readFvecs(path.join(dir, 'siftsmall_base.fvecs'));
  const queries = readFvecs(path.join(dir, 'siftsmall_query.fvecs'));
  const truth = readIvecs(path.join(dir, 'siftsmall_groundtruth.ivecs'));
  assert.equal(base.count, 10_000);
  const svc = await service();
  const info = svc.createCollection({ name: 'sift', dim: base.dim, metric: 'l2', ...spec });
  const items = Array.from({ length: base.count }, (_, i) => ({ id: String(i), vector: base.row(i) }));
  for (let i = 0; i < items.length; i += 1000) svc.upsertBatch('sift', items.slice(i, i + 1000));
  const results = Array.from({ length: queries.count }, (_, i) => svc.search('sift', queries.row(i), { k: 10 }).map((h) => Number(h.id)));
  return { recall: recallAtK(results, truth, 10), info };
}

test('siftsmall: recall@10 >= 0.99 against the published ground truth (skips visibly without the dataset)', async (t) => {
  const r = await siftsmallRecall(t, { M: 16, efConstruction: 200, ef: 64 });
  if (r === null) return;
  t.diagnostic(`siftsmall recall@10 = ${r.recall} (M 16, efConstruction 200, ef 64)`);
  assert.ok(r.recall >= 0.99, `recall@10 ${r.recall} >= 0.99`);
});

test('siftsmall with the service defaults (M, efConstruction, ef as a user gets them): recall@10 >= 0.99 (skips visibly without the dataset)', async (t) => {
  const r = await siftsmallRecall(t, {});
  if (r === null) return;
  const { recall, info } = r;
  t.diagnostic(`siftsmall recall@10 = ${recall} (defaults: M ${info.M}, efConstruction ${info.efConstruction}, ef ${info.ef})`);
  assert.ok(recall >= 0.99, `recall@10 ${recall} >= 0.99`);
});

test('synthetic clustered set (seeded): HNSW recall@10 >= 0.98 for l2, cosine and ip against exact search', async (t) => {
  const { base, queries } = clusteredSet({ count: 6000, queries: 150, dim: 48, clusters: 40, seed: 42 });
  const svc = await service();
  for (const metric of ['l2', 'cosine', 'ip'] as const) {
    svc.createCollection({ name: metric, dim: 48, metric, M: 16, efConstruction: 150, ef: 64 });
    const items = Array.from({ length: base.count }, (_, i) => ({ id: `/s/${i}`, vector: base.row(i) }));
    for (let i = 0; i < items.length; i += 2000) svc.upsertBatch(metric, items.slice(i, i + 2000));
    const approx: string[][] = [];
    const exact: string[][] = [];
    for (let i = 0; i < queries.count; i++) {
      approx.push(svc.search(metric, queries.row(i), { k: 10 }).map((h) => h.id));
      exact.push(svc.search(metric, queries.row(i), { k: 10, exact: true }).map((h) => h.id));
    }
    const recall = recallAtK(approx, exact, 10);
    t.diagnostic(`${metric}: recall@10 = ${recall}`);
    assert.ok(recall >= 0.98, `${metric} recall@10 ${recall} >= 0.98`);
  }
});
