import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload, semanticPayload, vectorPayload } from '../../src/events/payloads.js';
import { AVRO_SCHEMA_DIR } from '../../src/events/schema.js';
import { createShipper, openJournal, topicOf, type LogSink } from '../../src/log/index.js';
import { randomName, testKafka } from '../support/kafka.js';

/** Non-JS Avro: Debian's python3-avro (it is installed for /usr/bin/python3 only) reading with nothing but the .avsc files. */
const PY = '/usr/bin/python3';
const DECODER = fileURLToPath(new URL('../support/avro_decode.py', import.meta.url));
const codec = createEventCodec();
const quiet: LogSink = { info() {}, warn() {} };

function haveTools(): string | null {
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import avro.datafile'], { stdio: 'ignore' }).status !== 0) return 'Debian python3-avro is not installed (scripts/setup.sh installs it)';
  if (spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status !== 0) return 'kcat is not installed (scripts/setup.sh installs it)';
  return null;
}

let brokers: string[];
let stopKafka: () => Promise<void>;
let dir: string;
const prefix = randomName('interop');
const missing = haveTools();

before(async () => {
  if (missing) return;
  ({ brokers, stop: stopKafka } = await testKafka());
  dir = mkdtempSync(join(tmpdir(), 'vexfs-interop-'));
  const journal = await openJournal({ dir, log: quiet }, codec);
  const shipper = createShipper({ journal, brokers, topicPrefix: prefix, partitions: 1, log: quiet }, codec);
  const em = createEmitter({ node: 'py-node', log: journal, codec });
  for (let i = 0; i < 200; i++) {
    em.emit({ kind: 'fs', op: 'write', key: `/py/${i % 4}`, payload: fsPayload({ path: `/py/${i % 4}`, size: i, path2: i % 3 ? null : '/other', contentHash: i % 5 ? null : Buffer.alloc(32, i) }) });
  }
  em.emit({ kind: 'vector', op: 'search', key: 'col', payload: vectorPayload({ collection: 'col', k: 3, resultIds: ['a', 'b'], distances: [0.1, 0.2], params: { ef: '64' } }) });
  em.emit({ kind: 'semantic', op: 'anomaly', key: 'all', payload: semanticPayload({ type: 'anomaly', anomalyType: 'burst', severity: 'high', evidence: { z: '4.2' } }) });
  await shipper.drain(30_000);
  await shipper.stop();
  await journal.close();
});
after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await stopKafka?.();
});

test('kcat reads our fs topic and python3-avro decodes it from the .avsc files (C3 01 + CRC-64-AVRO fingerprint checked)', { timeout: 60_000 }, (t) => {
  if (missing) { t.skip(missing); return; }
  const raw = execFileSync('kcat', ['-C', '-b', brokers.join(','), '-t', topicOf(prefix, 'fs'), '-o', 'beginning', '-e', '-q', '-f', '%S:%s'], { maxBuffer: 64 << 20, timeout: 30_000 });
  const out = execFileSync(PY, [DECODER, 'kcat', AVRO_SCHEMA_DIR], { input: raw, encoding: 'utf8', timeout: 30_000 });
  const recs = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(recs.length, 200);
  recs.forEach((r, i) => {
    assert.equal(r.seq, i + 1);
    assert.equal(r.node, 'py-node');
    assert.equal(r.kind, 'fs');
    assert.equal(r.payload_path, `/py/${i % 4}`);
  });
});

test('python3-avro DataFileReader reads a journal segment (Avro object container file)', { timeout: 60_000 }, (t) => {
  if (missing) { t.skip(missing); return; }
  const seg = join(dir, '00000000000000000001.avro');
  const out = execFileSync(PY, [DECODER, 'container', seg], { encoding: 'utf8', timeout: 30_000 });
  const recs = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(recs.length, 202);
  assert.deepEqual(recs.map((r) => r.seq), Array.from({ length: 202 }, (_, i) => i + 1));
  assert.equal(recs[200].kind, 'vector');
  assert.equal(recs[200].payload_path, 'col');
  assert.equal(recs[201].kind, 'semantic');
});
