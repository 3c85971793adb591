import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload } from '../../src/events/payloads.js';
import { inlinedEventSchema } from '../../src/events/schema.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { confluentFraming, createBackoff, decodeAny, registryHasOurSchema, resolveKafkaOptions, singleObjectFraming, trackAvailability } from '../../src/log/kafka/index.js';
import { createShipper, openJournal } from '../../src/log/index.js';

const codec = createEventCodec();

function sampleBody(): { bytes: Buffer; seq: number } {
  const log = createMemoryLog({ codec });
  createEmitter({ node: 'n1', log, codec }).emit({ kind: 'fs', op: 'write', key: '/a', payload: fsPayload({ path: '/a', size: 3 }) });
  return { bytes: log.events[0]!.bytes, seq: 1 };
}

/** A tiny stand-in for a Confluent schema registry: POST /subjects/<s>/versions → {"id"}. */
async function fakeRegistry(status = 200): Promise<{ url: string; requests: { url: string; body: any; type: string }[]; close: () => Promise<void> }> {
  const requests: { url: string; body: any; type: string }[] = [];
  const srv = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => {
      if (req.method === 'GET') {
        // GET /schemas/ids/42 → our schema; 43 → another schema; anything else → 404
        const id = req.url?.split('/').pop();
        const schema = id === '42' ? JSON.stringify(inlinedEventSchema(codec.schemas)) : id === '43' ? JSON.stringify({ type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] }) : null;
        res.writeHead(schema ? 200 : 404, { 'content-type': 'application/json' });
        res.end(schema ? JSON.stringify({ schema }) : JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
        return;
      }
      requests.push({ url: req.url!, body: JSON.parse(data || '{}'), type: String(req.headers['content-type']) });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? JSON.stringify({ id: 42 }) : JSON.stringify({ error_code: 409, message: 'Schema being registered is incompatible' }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, requests, close: () => new Promise((r) => srv.close(() => r())) };
}

test('Confluent framing: registers the full schema per <topic>-value, frames 00 + id, decodes back', async () => {
  const reg = await fakeRegistry();
  try {
    const framing = await confluentFraming(codec, reg.url, ['vexfs.fs.v1', 'vexfs.vector.v1']);
    assert.equal(framing.kind, 'confluent');
    assert.deepEqual(reg.requests.map((r) => r.url), ['/subjects/vexfs.fs.v1-value/versions', '/subjects/vexfs.vector.v1-value/versions']);
    assert.deepEqual(JSON.parse(reg.requests[0]!.body.schema), inlinedEventSchema(codec.schemas));
    assert.match(reg.requests[0]!.type, /schemaregistry/);
    const { bytes } = sampleBody();
    const framed = framing.encode('vexfs.fs.v1', bytes);
    assert.equal(framed[0], 0);
    assert.equal(framed.readUInt32BE(1), 42);
    assert.deepEqual(framed.subarray(5), bytes);
    const ev = framing.decode(framed);
    assert.equal(ev.op, 'write');
    assert.throws(() => decodeAny(codec, framed, new Set([7])), (e: any) => e.code === 'VEXFS_UNKNOWN_SCHEMA' && /id 42/.test(e.message));
  } finally { await reg.close(); }
});

test('a reader asks the registry about an unknown Confluent id and accepts it only for our schema', async () => {
  const reg = await fakeRegistry();
  try {
    assert.equal(await registryHasOurSchema(codec, reg.url, 42), true);
    assert.equal(await registryHasOurSchema(codec, reg.url, 43), false);
    assert.equal(await registryHasOurSchema(codec, reg.url, 99), false);
  } finally { await reg.close(); }
});

test('a registry that refuses the schema, or cannot be reached, gives a clear coded error', async () => {
  const reg = await fakeRegistry(409);
  try {
    await assert.rejects(confluentFraming(codec, reg.url, ['vexfs.fs.v1']), (e: any) => e.code === 'VEXFS_UNKNOWN_SCHEMA' && /HTTP 409/.test(e.message) && e.retriable === false);
  } finally { await reg.close(); }
  await assert.rejects(confluentFraming(codec, 'http://127.0.0.1:1', ['vexfs.fs.v1']), (e: any) => e.code === 'VEXFS_BROKER_UNAVAILABLE' && e.retriable === true);
});

test('single-object framing: C3 01 + fingerprint; anything else is refused with a reason', () => {
  const f = singleObjectFraming(codec);
  const { bytes } = sampleBody();
  const v = f.encode('t', bytes);
  assert.deepEqual([...v.subarray(0, 2)], [0xc3, 0x01]);
  assert.deepEqual(v.subarray(2, 10), codec.fingerprint);
  assert.equal(f.decode(v).key, '/a');
  assert.throws(() => f.decode(Buffer.from('hello')), (e: any) => e.code === 'VEXFS_AVRO_DECODE' && /neither/.test(e.message));
});

test('Kafka and shipper options are validated, naming the key', async () => {
  const bad: [object, string][] = [
    [{ brokers: [] }, 'brokers'],
    [{ brokers: ['nohostport'] }, 'brokers'],
    [{ brokers: ['h:1'], partitions: 0 }, 'partitions'],
    [{ brokers: ['h:1'], topicPrefix: 'a b' }, 'topicPrefix'],
    [{ brokers: ['h:1'], schemaRegistryUrl: 'ftp://x' }, 'schemaRegistryUrl'],
    [{ brokers: ['h:1'], replicationFactor: 0 }, 'replicationFactor'],
    [{ brokers: ['h:1'], acks: 1 }, 'acks'],
  ];
  for (const [o, key] of bad) assert.throws(() => resolveKafkaOptions(o as never), (e: any) => e.code === 'VEXFS_CONFIG_INVALID' && e.context.key === key, key);
  const ok = resolveKafkaOptions({ brokers: ['h:1'] });
  assert.equal(ok.topicPrefix, 'vexfs');
  assert.equal(ok.partitions, 3);
  assert.ok(Object.isFrozen(ok));
  const dir = (await import('node:fs')).mkdtempSync('/tmp/vexfs-shipopt-');
  const journal = await openJournal({ dir, log: { info() {}, warn() {} } });
  try {
    assert.throws(() => createShipper({ journal, brokers: ['h:1'], batchSize: 0 }), (e: any) => e.code === 'VEXFS_CONFIG_INVALID' && e.context.key === 'batchSize');
    assert.throws(() => createShipper({ journal: {} as never, brokers: ['h:1'] }), (e: any) => e.code === 'VEXFS_CONFIG_INVALID' && e.context.key === 'journal');
    assert.throws(() => createShipper({ journal, brokers: ['h:1'], bogus: 1 } as never), (e: any) => e.code === 'VEXFS_CONFIG_INVALID' && e.context.key === 'bogus');
  } finally { await journal.close(); (await import('node:fs')).rmSync(dir, { recursive: true }); }
});

test('backoff grows exponentially with jitter up to the max; availability logs once per transition', () => {
  const mid = createBackoff({ initialMs: 100, maxMs: 1000, jitter: 0.2, random: () => 0.5 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => mid.next()), [100, 200, 400, 800, 1000, 1000]);
  mid.reset();
  assert.equal(mid.next(), 100);
  const low = createBackoff({ initialMs: 100, jitter: 0.2, random: () => 0 });
  const high = createBackoff({ initialMs: 100, jitter: 0.2, random: () => 1 });
  assert.equal(low.next(), 80);
  assert.equal(high.next(), 120);
  const lines: string[] = [];
  const a = trackAvailability({ info: (m) => lines.push(m), warn: (m) => lines.push(m) }, 'Kafka at h:1');
  for (let i = 0; i < 50; i++) a.down(new Error('ECONNREFUSED'));
  a.up(); a.up();
  a.down(new Error('again'));
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /Kafka at h:1 unavailable: ECONNREFUSED/);
  assert.match(lines[1]!, /available again .* 50 failed attempts/);
});
