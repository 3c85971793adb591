import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BINARY_TYPES, binaryStructure, RowBinaryWriter, writeBinaryRow } from '../../src/sinks/clickhouse/row-binary.js';
import { eventRow, TABLES, tsvString } from '../../src/sinks/clickhouse/rows.js';
import { fsPayload } from '../../src/events/payloads.js';
import type { Kind } from '../../src/events/types.js';
import { makeEvent } from '../support/clickhouse.js';

/** A RowBinary reader for the types the sink writes, rendering each field as its TSV text (the format the sink used before). */
function readRow(buf: Buffer, pos: { p: number }, types: readonly string[]): string[] {
  const varint = () => { let n = 0, mul = 1, b: number; do { b = buf[pos.p++]!; n += (b & 0x7f) * mul; mul *= 128; } while (b & 0x80); return n; };
  const str = () => { const n = varint(); const s = buf.toString('utf8', pos.p, pos.p + n); pos.p += n; return s; };
  const quote = (s: string) => `'${tsvString(s).replace(/'/g, "\\'")}'`;
  const one = (t: string): string => {
    const p = pos.p;
    switch (t) {
      case 'UUID': {
        pos.p += 16;
        const hex = Buffer.concat([Buffer.from(buf.subarray(p, p + 8)).reverse(), Buffer.from(buf.subarray(p + 8, p + 16)).reverse()]).toString('hex');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      }
      case 'String': return tsvString(str());
      case 'UInt64': pos.p += 8; return String(buf.readBigUInt64LE(p));
      case 'Int64': pos.p += 8; return String(buf.readBigInt64LE(p));
      case 'UInt32': pos.p += 4; return String(buf.readUInt32LE(p));
      case 'Int32': pos.p += 4; return String(buf.readInt32LE(p));
      case 'Float64': pos.p += 8; return String(buf.readDoubleLE(p));
      case 'Array(String)': { const n = varint(); const a: string[] = []; for (let i = 0; i < n; i++) a.push(quote(str())); return `[${a.join(',')}]`; }
      case 'Array(Float32)': { const n = varint(); const a: number[] = []; for (let i = 0; i < n; i++) { a.push(buf.readFloatLE(pos.p)); pos.p += 4; } return `f32[${a.join(',')}]`; }
      default: throw new Error(`type ${t}`);
    }
  };
  return types.map(one);
}

test('RowBinary: every kind decodes to the same fields as its TSV row', () => {
  const w = new RowBinaryWriter(64);
  const tsv: string[][] = [];
  const kinds: Kind[] = [];
  for (let i = 0; i < 40; i++) {
    const ev = makeEvent('rowbinary', i);
    writeBinaryRow(w, ev);
    tsv.push(eventRow(ev).slice(0, -1).split('\t'));
    kinds.push(ev.kind);
  }
  assert.deepEqual(new Set(kinds), new Set(['fs', 'vector', 'semantic', 'system']));
  const pos = { p: 0 };
  for (let i = 0; i < tsv.length; i++) {
    const types = BINARY_TYPES[kinds[i]!];
    assert.equal(types.length, TABLES[kinds[i]!].columns.length, `${kinds[i]} types per column`);
    const got = readRow(w.buf, pos, types);
    assert.equal(pos.p, w.ends[i], `row ${i} ends where the writer says`);
    // Float32 arrays lose precision by design: compare them as float32
    const want = tsv[i]!.map((f, k) => (types[k] === 'Array(Float32)' ? `f32[${JSON.parse(f).map(Math.fround).join(',')}]` : f));
    assert.deepEqual(got, want, `${kinds[i]} row ${i}`);
  }
  assert.equal(pos.p, w.len);
});

test('RowBinary: strings with escapes, unicode, long lengths and nulls', () => {
  const ev = makeEvent('rb-str', 0);
  const path = "/we\tird\n'path\\x\r\0" + 'ü😀'.repeat(50) + 'a'.repeat(200);
  ev.payload = fsPayload({ path, path2: null, name: 'x'.repeat(127), contentHash: Buffer.from([1, 2, 255]) });
  const w = new RowBinaryWriter(8);
  writeBinaryRow(w, ev);
  const got = readRow(w.buf, { p: 0 }, BINARY_TYPES.fs);
  const col = (c: string) => got[TABLES.fs.columns.indexOf(c)];
  assert.equal(col('path'), tsvString(path));
  assert.equal(col('path2'), '');
  assert.equal(col('xattr_name'), 'x'.repeat(127));
  assert.equal(col('content_hash'), '0102ff');
  assert.equal(col('fd'), '-1', 'null ints take the column default');
});

test('RowBinary: fixed-width layouts (UUID halves byte-reversed, two-complement, varint lengths)', () => {
  const w = new RowBinaryWriter(4);
  w.uuid('00112233-4455-6677-8899-AABBCCDDEEFF').i64(-1).u64(2 ** 53 - 1).i32(-2).u32(0xffffffff).str('é'.repeat(100));
  const b = w.buf.subarray(0, w.len);
  assert.equal(b.subarray(0, 16).toString('hex'), '7766554433221100ffeeddccbbaa9988');
  assert.equal(b.readBigInt64LE(16), -1n);
  assert.equal(b.readBigUInt64LE(24), 2n ** 53n - 1n);
  assert.equal(b.readInt32LE(32), -2);
  assert.equal(b.readUInt32LE(36), 0xffffffff);
  assert.deepEqual([...b.subarray(40, 42)], [0xc8, 0x01], '200 bytes: a two-byte varint');
  assert.equal(b.toString('utf8', 42), 'é'.repeat(100));
  assert.match(binaryStructure('fs'), /^`id` UUID, `node` String, `seq` UInt64/);
});

test('RowBinary: values a binary field cannot hold are refused and the row is not written', () => {
  const w = new RowBinaryWriter();
  writeBinaryRow(w, makeEvent('rb-bad', 0));
  const len = w.len;
  const cases: [string, (p: Record<string, unknown>) => void, RegExp][] = [
    ['NaN latency', (p) => { p.latencyUs = Number.NaN; }, /finite number/],
    ['fractional size', (p) => { p.size = 1.5; }, /integer/],
    ['negative UInt64', (p) => { p.ino = -1; }, /integer in \[0/],
    ['Int32 overflow', (p) => { p.uid = 2 ** 31; }, /integer in \[-2\^31/],
    ['string as number', (p) => { p.offset = '12'; }, /integer/],
    ['number as string', (p) => { p.path = 12; }, /expected a string/],
  ];
  for (const [what, mutate, msg] of cases) {
    const ev = makeEvent('rb-bad', 0);
    mutate(ev.payload as unknown as Record<string, unknown>);
    assert.throws(() => writeBinaryRow(w, ev), msg, what);
    assert.equal(w.len, len, `${what}: nothing written`);
  }
  for (const id of ['not-a-uuid', '00112233-4455-6677-8899-aabbccddeefg', '001122334455667788990aabbccddeeff0', '00112233-4455-6677-8899-aabbccddeeé']) {
    const ev = makeEvent('rb-bad', 0);
    ev.id = id;
    assert.throws(() => writeBinaryRow(w, ev), /UUID/, id);
  }
  assert.equal(w.ends.length, 1);
  assert.equal(w.len, len);
});

test('RowBinary: a reset writer (the sink reuses them) writes the same bytes and row ends as a fresh one', () => {
  const evs = Array.from({ length: 40 }, (_, i) => makeEvent('rb-reset', i));
  const fresh = new RowBinaryWriter(64);
  for (const ev of evs) writeBinaryRow(fresh, ev);
  const reused = new RowBinaryWriter(64);
  for (const ev of evs.slice(0, 25).reverse()) writeBinaryRow(reused, ev);
  reused.reset();
  assert.equal(reused.len, 0);
  assert.equal(reused.ends.length, 0);
  for (const ev of evs) writeBinaryRow(reused, ev);
  assert.deepEqual(reused.rows(0, evs.length), fresh.rows(0, evs.length));
  assert.deepEqual(reused.ends, fresh.ends);
});
