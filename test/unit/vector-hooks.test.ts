import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ErrorCodes, VexfsError } from '../../src/errors.js';
import { createEmitter } from '../../src/events/emitter.js';
import type { VexEvent } from '../../src/events/types.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { createVectorSemanticHooks, createVectorService, rebuildFromEvents } from '../../src/producers/vector/index.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function setup() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vexfs-hooks-'));
  dirs.push(dataDir);
  const log = createMemoryLog();
  const emitter = createEmitter({ node: 'n1', log });
  const svc = await createVectorService({ emitter, dataDir, log, defaultDim: 3, defaultMetric: 'l2' });
  const hooks = createVectorSemanticHooks(svc);
  const vectorEvents = () => log.events.map((e) => e.event).filter((e): e is VexEvent<'vector'> => e.kind === 'vector');
  return { svc, hooks, log, vectorEvents };
}
const f32 = (...xs: number[]) => Buffer.from(new Float32Array(xs).buffer);

test('setEmbedding: float32 LE bytes or JSON text; the default collection is created on first use; getEmbedding returns float32 bytes', async () => {
  const { svc, hooks, vectorEvents } = await setup();
  hooks.setEmbedding('/a.txt', f32(1, 0, 0), null);
  hooks.setEmbedding('/b.txt', Buffer.from(' [0.9, 0.1, 0]\n'), null);
  assert.deepEqual(svc.describe('files').dim, 3);
  assert.deepEqual(hooks.getEmbedding('/a.txt'), f32(1, 0, 0));
  assert.deepEqual(hooks.getEmbedding('/b.txt'), f32(0.9, 0.1, 0));
  assert.equal(hooks.getEmbedding('/none'), null);
  const ops = vectorEvents().map((e) => e.op);
  assert.deepEqual(ops.slice(0, 3), ['create_collection', 'upsert', 'upsert']);
  assert.equal(vectorEvents()[1]!.payload.params.source, 'xattr');
});

test('similar: nearest first, the file itself excluded; no embedding lists nothing', async () => {
  const { hooks, vectorEvents } = await setup();
  hooks.setEmbedding('/a', f32(0, 0, 0), null);
  hooks.setEmbedding('/b', f32(1, 0, 0), null);
  hooks.setEmbedding('/dir/c', f32(3, 0, 0), null);
  assert.deepEqual(hooks.similar('/a', 5), [{ path: '/b', distance: 1 }, { path: '/dir/c', distance: 9 }]);
  assert.deepEqual(hooks.similar('/a', 1).map((s) => s.path), ['/b']);
  assert.deepEqual(hooks.similar('/nothing', 5), []);
  const s = vectorEvents().filter((e) => e.op === 'search');
  assert.equal(s.length, 2);
  assert.equal(s[0]!.payload.params.similarTo, '/a');
});

test('malformed xattr values are refused (EINVAL-class VexfsError) and change nothing', async () => {
  const { svc, hooks, vectorEvents } = await setup();
  hooks.setEmbedding('/a', f32(1, 2, 3), null);
  const bad: Array<[Buffer, string, RegExp]> = [
    [Buffer.alloc(7), ErrorCodes.INVALID_VECTOR, /7 bytes/],
    [Buffer.from('[1,2,'), ErrorCodes.INVALID_VECTOR, /not valid JSON|array of numbers/],
    [Buffer.from('[1, 2]'), ErrorCodes.DIMENSION_MISMATCH, /2 dimensions, the collection expects 3/],
    [f32(1, 2), ErrorCodes.DIMENSION_MISMATCH, /2 dimensions/],
    [Buffer.alloc(0), ErrorCodes.INVALID_VECTOR, /empty/],
  ];
  for (const [value, code, re] of bad) {
    const n = vectorEvents().length;
    assert.throws(() => hooks.setEmbedding('/a', value, null), (e: unknown) => e instanceof VexfsError && e.code === code && re.test(e.message));
    assert.equal(vectorEvents().length, n + 1);
    assert.equal(vectorEvents()[n]!.payload.errorCode, code);
    assert.deepEqual(hooks.getEmbedding('/a'), f32(1, 2, 3));
  }
  assert.throws(() => hooks.setEmbedding('/a', f32(1, 2, 3), 'no-such'), (e: unknown) => e instanceof VexfsError && e.code === ErrorCodes.UNKNOWN_COLLECTION);
  assert.equal(svc.describe('files').count, 1);
});

test('a named collection: the embedding moves there (one embedding per file through the mount)', async () => {
  const { svc, hooks } = await setup();
  svc.createCollection({ name: 'img', dim: 2, metric: 'cosine' });
  hooks.setEmbedding('/p.png', f32(1, 1, 1), null);
  hooks.setEmbedding('/p.png', f32(1, 0), 'img');
  assert.deepEqual(svc.locate('/p.png'), ['img']);
  assert.deepEqual(hooks.getEmbedding('/p.png'), f32(1, 0));
});

test('renamed: a file and a whole directory carry their embeddings; removed and removeEmbedding drop them; replay agrees', async () => {
  const { svc, hooks, log } = await setup();
  hooks.setEmbedding('/a', f32(1, 0, 0), null);
  hooks.setEmbedding('/d/x', f32(0, 1, 0), null);
  hooks.setEmbedding('/d/sub/y', f32(0, 0, 1), null);
  hooks.setEmbedding('/dx', f32(1, 1, 1), null); // shares the prefix '/d' but is not under '/d/'
  hooks.setEmbedding('/target', f32(5, 5, 5), null);
  hooks.renamed('/a', '/target'); // over an existing file: its embedding is replaced
  hooks.renamed('/d', '/e');
  assert.equal(hooks.getEmbedding('/a'), null);
  assert.deepEqual(hooks.getEmbedding('/target'), f32(1, 0, 0));
  assert.deepEqual(hooks.getEmbedding('/e/x'), f32(0, 1, 0));
  assert.deepEqual(hooks.getEmbedding('/e/sub/y'), f32(0, 0, 1));
  assert.deepEqual(hooks.getEmbedding('/dx'), f32(1, 1, 1));
  assert.equal(hooks.getEmbedding('/d/x'), null);
  hooks.removed('/e/x');
  hooks.removeEmbedding('/dx');
  hooks.removed('/never-had-one');
  assert.deepEqual(svc.idsWithPrefix('files', '/').sort(), ['/e/sub/y', '/target']);
  const rebuilt = rebuildFromEvents(log.events.map((e) => e.event));
  assert.deepEqual(rebuilt.collections.get('files')!.idsWithPrefix('/').sort(), ['/e/sub/y', '/target']);
  assert.deepEqual(Array.from(rebuilt.collections.get('files')!.get('/target')!), [1, 0, 0]);
});
