import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload, vectorPayload, semanticPayload, systemPayload } from '../../src/events/payloads.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { crc64Avro } from '../../src/events/crc64.js';

const codec = createEventCodec();

test('every kind round-trips and equals avsc full-type encoding', () => {
  const log = createMemoryLog({ codec });
  const em = createEmitter({ node: 'n1', log, codec });
  em.emit({ kind: 'fs', op: 'write', key: '/a', payload: fsPayload({ path: '/a', size: 4096, result: 4096, latencyUs: 12 }) });
  em.emit({ kind: 'vector', op: 'upsert', key: 'docs', payload: vectorPayload({ collection: 'docs', ids: ['x'], dim: 2, vectors: [Buffer.from(new Float32Array([1, 2]).buffer)] }) });
  em.emit({ kind: 'semantic', op: 'anomaly', key: 'all', payload: semanticPayload({ type: 'anomaly', anomalyType: 'mass_read', severity: 'critical', score: 3.5 }) });
  em.emit({ kind: 'system', op: 'start', key: 'n1', payload: systemPayload({ type: 'start', attrs: { pid: '1' } }) });
  assert.equal(log.events.length, 4);
  for (const { event, bytes } of log.events) {
    const wrapped = { ...event, payload: { [`io.vexfs.events.${{ fs: 'Fs', vector: 'Vector', semantic: 'Semantic', system: 'System' }[event.kind]}Payload`]: event.payload } };
    assert.deepEqual(codec.schemas.event.toBuffer(wrapped), bytes, `avsc full type encodes ${event.kind} identically`);
    const back = codec.decode(bytes).event;
    assert.deepEqual(back, event);
    assert.deepEqual(codec.hashOf(bytes), event.hash);
  }
});

test('hash chain links each event to the previous one; seq is gap-free from 1', () => {
  const log = createMemoryLog({ codec });
  const em = createEmitter({ node: 'n1', log, codec });
  for (let i = 0; i < 50; i++) em.emit({ kind: 'fs', op: 'getattr', key: `/f${i}`, payload: fsPayload({ path: `/f${i}` }) });
  assert.deepEqual(log.events[0]!.event.prevHash, Buffer.alloc(32));
  log.events.forEach((e, i) => {
    assert.equal(e.event.seq, i + 1);
    if (i > 0) assert.deepEqual(e.event.prevHash, log.events[i - 1]!.event.hash);
  });
  // a new emitter over the same log continues the chain
  const em2 = createEmitter({ node: 'n1', log, codec });
  const ev = em2.emit({ kind: 'fs', op: 'getattr', key: '/x', payload: fsPayload({ path: '/x' }) });
  assert.equal(ev.seq, 51);
  assert.deepEqual(ev.prevHash, log.events[49]!.event.hash);
});

test('an invalid payload is rejected naming field and value, and nothing is appended', () => {
  const log = createMemoryLog({ codec });
  const em = createEmitter({ node: 'n1', log, codec });
  assert.throws(
    () => em.emit({ kind: 'fs', op: 'write', key: '/a', payload: fsPayload({ path: '/a', size: Number.NaN as number, ino: 1.5 }) }),
    (err: any) => err.code === 'VEXFS_EVENT_INVALID' && /field ino = 1.5/.test(err.message),
  );
  assert.equal(log.events.length, 0);
  assert.equal(em.seq, 0);
});

test('single-object encoding carries the CRC-64-AVRO fingerprint and refuses others', () => {
  const log = createMemoryLog({ codec });
  const em = createEmitter({ node: 'n1', log, codec });
  em.emit({ kind: 'fs', op: 'read', key: '/a', payload: fsPayload({ path: '/a' }) });
  const msg = codec.toSingleObject(log.events[0]!.bytes);
  assert.equal(msg[0], 0xc3); assert.equal(msg[1], 0x01);
  assert.deepEqual(codec.fromSingleObject(msg), log.events[0]!.event);
  const bad = Buffer.from(msg); bad[5] = bad[5]! ^ 0xff;
  assert.throws(() => codec.fromSingleObject(bad), /unknown writer schema fingerprint/);
  assert.throws(() => codec.fromSingleObject(Buffer.from('garbage!garbage')), /not Avro single-object/);
});

test('CRC-64-AVRO matches the Avro reference value for "int"', () => {
  // Avro Java SchemaNormalization.parsingFingerprint64 of "int" = 0x7275d51a3f395c8f (spec test data)
  assert.equal(crc64Avro(Buffer.from('"int"')).toString(16), '7275d51a3f395c8f');
});

test('the native seal writes the same SHA-256 as node:crypto, at any offset, and refuses ranges that do not fit', async () => {
  const { createHash } = await import('node:crypto');
  const { createRequire } = await import('node:module');
  const { seal } = createRequire(import.meta.url)('@vexfs/sha256-batch') as { seal: ((b: Uint8Array, s: number, e: number) => number) | null };
  // setup.sh builds the addon; without it the codec falls back to node:crypto (covered by the test above)
  assert.equal(typeof seal, 'function', 'the @vexfs/sha256-batch addon is built (npm install / scripts/setup.sh)');
  const buf = Buffer.alloc(400);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 31 + 7) & 0xff;
  for (const [s, e] of [[0, 0], [0, 1], [5, 200], [17, 368]] as const) {
    assert.equal(seal!(buf, s, e), e + 32);
    assert.deepEqual(buf.subarray(e, e + 32), createHash('sha256').update(buf.subarray(s, e)).digest());
  }
  assert.equal(seal!(buf, 0, 369), -1, '32 bytes do not fit after 369');
  assert.equal(seal!(buf, 10, 5), -1, 'end before start');
  assert.equal(seal!(buf, -1, 5), -1, 'negative start');
});
