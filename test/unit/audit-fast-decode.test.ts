import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEmitter } from '../../src/events/emitter.js';
import { createEventCodec } from '../../src/events/codec.js';
import { fsPayload, semanticPayload, systemPayload, vectorPayload } from '../../src/events/payloads.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { createFastDecoder } from '../../src/replay/fast-decode.js';

test('the fast replay decoder returns exactly what codec.decode returns, for every kind', () => {
  const codec = createEventCodec();
  const log = createMemoryLog({ codec });
  const em = createEmitter({ node: 'nœud-1', log, codec });
  em.emit({ kind: 'fs', op: 'write', key: '/ü/a', payload: fsPayload({ path: '/ü/a', path2: null, offset: 2 ** 40, size: 7, result: 7, mode: 0o644, uid: 0, contentHash: Buffer.alloc(32, 7) }) });
  em.emit({ kind: 'fs', op: 'rename', key: '/a', priority: 'critical', payload: fsPayload({ path: '/a', path2: '/b'.repeat(100), errno: 13, result: -13 }) });
  em.emit({ kind: 'vector', op: 'upsert', key: 'docs', payload: vectorPayload({ collection: 'docs', ids: ['x'], dim: 2, vectors: [Buffer.from(new Float32Array([1, 2]).buffer)], params: { a: 'b' } }) });
  em.emit({ kind: 'semantic', op: 'anomaly', key: 'g', payload: semanticPayload({ type: 'anomaly', anomalyType: 'burst', severity: 'high', score: 0.5, sequence: ['a', 'b'] }) });
  em.emit({ kind: 'system', op: 'checkpoint', key: 'n', payload: systemPayload({ type: 'checkpoint', checkpointSeq: 3, checkpointHash: Buffer.alloc(32, 1), signature: Buffer.alloc(64, 2), publicKey: Buffer.alloc(32, 3) }) });
  const fast = createFastDecoder(codec);
  for (const { bytes } of log.events) {
    const want = codec.decode(bytes).event;
    const got = fast(bytes);
    assert.deepEqual({ ...got, prevHash: Buffer.from(got.prevHash), hash: Buffer.from(got.hash), payload: { ...got.payload } }, { ...want, payload: { ...want.payload } });
  }
  assert.throws(() => fast(log.events[0]!.bytes.subarray(0, 50)), /not a VexFS event/);
});
