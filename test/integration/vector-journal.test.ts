/**
 * The vector service on the real journal: a restart after a crash (no final snapshot) loads the
 * last snapshot and replays the vector events written after it from the journal's segment files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createEmitter } from '../../src/events/emitter.js';
import { openJournal, readJournal } from '../../src/log/journal/index.js';
import { clusteredSet, seededRandom } from '../../src/producers/vector/datasets.js';
import { createVectorService, rebuildFromEvents } from '../../src/producers/vector/index.js';
import type { VexEvent } from '../../src/events/types.js';

test('journal: snapshot, more writes, crash, restart = snapshot + replay of the journal tail; events rebuild the same state', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vexfs-vecj-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const jdir = path.join(dir, 'journal');
  const { base, queries } = clusteredSet({ count: 3000, queries: 30, dim: 32, clusters: 30, seed: 5 });
  const r = seededRandom(9);

  let journal = await openJournal({ dir: jdir, fsync: 'strict' });
  let emitter = createEmitter({ node: 'vj', log: journal });
  const live = await createVectorService({ emitter, dataDir: dir, log: journal, snapshotEvery: 0 });
  live.createCollection({ name: 'v', dim: 32, metric: 'cosine' });
  live.upsertBatch('v', Array.from({ length: 2000 }, (_, i) => ({ id: `/a/${i}`, vector: base.row(i) })));
  live.snapshot();
  live.upsertBatch('v', Array.from({ length: 1000 }, (_, i) => ({ id: `/b/${i}`, vector: base.row(2000 + i) })));
  live.delete('v', ['/a/1', '/a/2', '/b/3']);
  live.rename('v', [['/a/10', '/c/10']]);
  live.upsert('v', '/a/20', Array.from({ length: 32 }, () => r() - 0.5));
  const count = live.describe('v').count;
  const vectors = new Map(['/c/10', '/a/20', '/b/999'].map((id) => [id, live.get('v', id)]));
  const expected = Array.from({ length: queries.count }, (_, i) => live.search('v', queries.row(i), { k: 10, exact: true }));
  await journal.flush();
  // Crash: the journal is closed (its bytes are on disk), the service never writes a final snapshot.
  await journal.close();

  journal = await openJournal({ dir: jdir, fsync: 'strict' });
  emitter = createEmitter({ node: 'vj', log: journal });
  const restarted = await createVectorService({ emitter, dataDir: dir, log: journal, snapshotEvery: 0 });
  const st = restarted.stats();
  assert.ok(st.snapshotSeq > 0, 'the snapshot was loaded');
  assert.ok(st.replayed >= 4, `the writes after the snapshot were replayed (${st.replayed})`);
  assert.equal(restarted.describe('v').count, count);
  for (const [id, v] of vectors) assert.deepEqual(restarted.get('v', id), v, id);
  for (const id of ['/a/1', '/b/3', '/a/10']) assert.equal(restarted.get('v', id), null, id);
  for (let i = 0; i < queries.count; i++) {
    assert.deepEqual(restarted.search('v', queries.row(i), { k: 10, exact: true }), expected[i], `query ${i}`);
  }
  await journal.close();

  // The journal alone (no snapshot) rebuilds the same vectors.
  const events: VexEvent[] = [];
  for await (const b of readJournal(jdir)) for (const e of b) events.push(e.event);
  const rebuilt = rebuildFromEvents(events).collections.get('v')!;
  assert.equal(rebuilt.size, count);
  for (const [id, v] of vectors) assert.deepEqual(rebuilt.get(id), v, id);
});
