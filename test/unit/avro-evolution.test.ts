import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { AVRO_SCHEMA_DIR, canonicalForm, inlinedEventSchema, loadSchemaSet, type SchemaSet } from '../../src/events/schema.js';
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload, semanticPayload, systemPayload, vectorPayload } from '../../src/events/payloads.js';
import { createMemoryLog } from '../../src/log/memory-log.js';

const HISTORY = join(AVRO_SCHEMA_DIR, 'history');
const versions = readdirSync(HISTORY).filter((d) => /^v\d+$/.test(d)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const current = loadSchemaSet();

/** The envelope as one avsc type with every union wrapped, so random() and resolvers cover every branch. */
function fullType(set: SchemaSet): avro.Type {
  return avro.Type.forSchema(inlinedEventSchema(set), { wrapUnions: 'always' });
}

/** Typical events of every kind, encoded by the current codec. */
function currentSamples(): Buffer[] {
  const log = createMemoryLog();
  const em = createEmitter({ node: 'evo', log });
  em.emit({ kind: 'fs', op: 'rename', key: '/a', payload: fsPayload({ path: '/a', path2: '/b', contentHash: Buffer.alloc(32, 1) }) });
  em.emit({ kind: 'vector', op: 'upsert', key: 'c', payload: vectorPayload({ collection: 'c', ids: ['x'], dim: 2, vectors: [Buffer.alloc(8)], params: { m: '16' } }) });
  em.emit({ kind: 'semantic', op: 'pattern', key: 'p', payload: semanticPayload({ type: 'pattern', sequence: ['open', 'read'], support: 0.2 }) });
  em.emit({ kind: 'system', op: 'checkpoint', key: 'evo', payload: systemPayload({ type: 'checkpoint', checkpointSeq: 3 }) });
  return log.events.map((e) => e.bytes);
}

/** Checks both directions between a writer and a reader schema; throws naming the version on an incompatibility. */
function assertCompatible(oldSet: SchemaSet, newSet: SchemaSet, label: string): void {
  const oldT = fullType(oldSet);
  const newT = fullType(newSet);
  const newReadsOld = newT.createResolver(oldT); // throws when the current reader cannot read old data
  const oldReadsNew = oldT.createResolver(newT); // throws when an old reader cannot read current data
  for (let i = 0; i < 200; i++) {
    const o = oldT.random();
    assert.ok(newT.isValid(newT.fromBuffer(oldT.toBuffer(o), newReadsOld)), `${label}: current reader reads old random #${i}`);
    const n = newT.random();
    assert.ok(oldT.isValid(oldT.fromBuffer(newT.toBuffer(n), oldReadsNew)), `${label}: old reader reads current random #${i}`);
  }
}

test('schema history holds at least version 1 with every contract file', () => {
  assert.ok(versions.includes('v1'), `history versions: ${versions.join(', ')}`);
  for (const v of versions) {
    const files = readdirSync(join(HISTORY, v)).sort();
    assert.deepEqual(files, ['Event.avsc', 'FsPayload.avsc', 'SemanticPayload.avsc', 'SystemPayload.avsc', 'VectorPayload.avsc'], v);
  }
});

for (const v of versions) {
  test(`current contract and history ${v} read each other's data (both directions)`, () => {
    const old = loadSchemaSet(join(HISTORY, v));
    assertCompatible(old, current, v);
    // real events of the current codec decode with the old reader
    const oldT = fullType(old);
    const resolver = oldT.createResolver(fullType(current));
    for (const bytes of currentSamples()) assert.ok(oldT.fromBuffer(bytes, resolver), `${v} reads a current event`);
  });
}

test('the current contract is released: it equals the newest history version (copy it to history/vN+1 when you change it)', () => {
  const newest = versions[versions.length - 1]!;
  assert.equal(canonicalForm(current), canonicalForm(loadSchemaSet(join(HISTORY, newest))), `schemas/avro differs from history/${newest}: add schemas/avro/history/v${Number(newest.slice(1)) + 1}/ with the new files`);
  // and the codec built from the newest history version has the same fingerprint
  assert.deepEqual(createEventCodec(loadSchemaSet(join(HISTORY, newest))).fingerprint, createEventCodec(current).fingerprint);
});

test('the check catches incompatible changes: a new field without default, a removed field without default', () => {
  // a reader that adds a field with no default cannot read old data
  const added = structuredClone(current.json) as Record<string, any>;
  added.FsPayload.fields.push({ name: 'tenant', type: 'string', doc: 'no default: incompatible' });
  const addedSet = setFromJson(added);
  assert.throws(() => assertCompatible(current, addedSet, 'added'), /cannot read .*FsPayload/);
  // removing the default of an added optional field breaks it the same way
  const optional = structuredClone(current.json) as Record<string, any>;
  optional.FsPayload.fields.push({ name: 'tenant', type: ['null', 'string'], default: null, doc: 'optional: compatible' });
  assertCompatible(current, setFromJson(optional), 'optional field');
  delete optional.FsPayload.fields.at(-1).default;
  assert.throws(() => assertCompatible(current, setFromJson(optional), 'default removed'), /cannot read .*FsPayload/);
});

function setFromJson(json: Record<string, any>): SchemaSet {
  const registry: Record<string, avro.Type> = {};
  for (const n of ['FsPayload', 'VectorPayload', 'SemanticPayload', 'SystemPayload', 'Event']) avro.Type.forSchema(json[n], { registry, wrapUnions: 'auto' });
  return { json, event: registry['io.vexfs.events.Event']! };
}
