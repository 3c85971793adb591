import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { createEventCodec } from '../../src/events/codec.js';
import { createEmitter } from '../../src/events/emitter.js';
import { fsPayload } from '../../src/events/payloads.js';
import { openJournal, repairJournal, verifyJournal, readJournal, type Journal, type LogSink } from '../../src/log/journal/index.js';
import { metrics } from '../../src/metrics/registry.js';

const codec = createEventCodec();

function tmp(): string { return mkdtempSync(join(tmpdir(), 'vexfs-journal-')); }
function quietLog(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => { lines.push('info ' + m); }, warn: (m) => { lines.push('warn ' + m); } };
}
function emitN(j: Journal, n: number, node = 'n1') {
  const em = createEmitter({ node, log: j, codec });
  for (let i = 0; i < n; i++) em.emit({ kind: 'fs', op: 'write', key: `/f${i % 7}`, payload: fsPayload({ path: `/f${i % 7}`, size: i, offset: i * 4096 }) });
  return em;
}
async function readAll(j: { read: Journal['read'] }, from = 1) {
  const out = [];
  for await (const b of j.read({ from, batchSize: 333 })) out.push(...b);
  return out;
}
function assertChain(events: { event: { seq: number; prevHash: Buffer; hash: Buffer }; bytes: Buffer }[], firstSeq = 1) {
  let prev: Buffer | null = null;
  events.forEach(({ event, bytes }, i) => {
    assert.equal(event.seq, firstSeq + i, 'gap-free seq');
    if (prev) assert.deepEqual(event.prevHash, prev, `prevHash of seq ${event.seq}`);
    assert.deepEqual(codec.hashOf(bytes), event.hash, `hash of seq ${event.seq}`);
    prev = event.hash;
  });
}

test('append, read from seq N, reopen continues seq and the hash chain', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, log: quietLog() }, codec);
    emitN(j, 500);
    assert.equal(j.tail().seq, 500);
    const tailHash = j.tail().hash;
    const all = await readAll(j);
    assert.equal(all.length, 500);
    assertChain(all);
    const part = await readAll(j, 321);
    assert.equal(part[0]!.event.seq, 321);
    assert.equal(part.length, 180);
    await j.close();
    const j2 = await openJournal({ dir, log: quietLog() }, codec);
    assert.equal(j2.tail().seq, 500);
    assert.deepEqual(j2.tail().hash, tailHash);
    const em = emitN(j2, 10);
    assert.equal(em.seq, 510);
    assertChain(await readAll(j2));
    await j2.close();
    assert.throws(() => emitN(j2, 1), (e: any) => e.code === 'VEXFS_JOURNAL_CLOSED');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a seq that does not follow the tail is refused', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, log: quietLog() }, codec);
    emitN(j, 3);
    const ev = (await readAll(j))[2]!;
    assert.throws(() => j.append(ev.event, ev.bytes), (e: any) => e.code === 'VEXFS_EVENT_INVALID' && /expects seq 4/.test(e.message));
    await j.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('segments roll at segmentBytes; readers cross segments; segment files are standard Avro containers', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, segmentBytes: 64 * 1024, log: quietLog() }, codec);
    emitN(j, 3000);
    const segs = j.segments();
    assert.ok(segs.length >= 5, `rolled into ${segs.length} segments`);
    for (const s of segs) assert.ok(s.bytes <= 64 * 1024, `${s.file} within segmentBytes`);
    assert.equal(segs[0]!.firstSeq, 1);
    for (let i = 1; i < segs.length; i++) assert.equal(segs[i]!.firstSeq, segs[i - 1]!.lastSeq + 1);
    assertChain(await readAll(j));
    await j.flush();
    // avsc's own container decoder reads a segment with nothing but the file
    const got: any[] = [];
    await new Promise<void>((resolve, reject) => avro.createFileDecoder(join(dir, segs[1]!.file)).on('data', (d: any) => got.push(d)).on('end', resolve).on('error', reject));
    assert.equal(got.length, segs[1]!.lastSeq - segs[1]!.firstSeq + 1);
    assert.equal(got[0].seq, segs[1]!.firstSeq);
    await j.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('torn tail: a partial last block is truncated at open, logged with file and offset, counted', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, log: quietLog() }, codec);
    emitN(j, 100);
    await j.close();
    const [seg] = readdirSync(dir).filter((f) => f.endsWith('.avro'));
    const path = join(dir, seg!);
    const goodSize = statSync(path).size;
    appendFileSync(path, Buffer.from([0x02, 0x90, 0x03, 1, 2, 3, 4, 5])); // count 1, size 200, 5 bytes of body
    const before = (await metrics.journalTornTails.get()).values[0]?.value ?? 0;
    const log = quietLog();
    const j2 = await openJournal({ dir, log }, codec);
    assert.equal(j2.tail().seq, 100);
    assert.equal(statSync(path).size, goodSize);
    assert.ok(log.lines.some((l) => l.startsWith('warn torn tail') && l.includes(path) && l.includes(`byte ${goodSize}`)), log.lines.join('\n'));
    assert.equal((await metrics.journalTornTails.get()).values[0]?.value, before + 1);
    emitN(j2, 5);
    assertChain(await readAll(j2));
    await j2.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a torn new segment (header only, cut short) is removed and the previous segment continues', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, segmentBytes: 64 * 1024, log: quietLog() }, codec);
    emitN(j, 1000);
    const last = j.segments().at(-1)!;
    await j.close();
    const nextName = String(last.lastSeq + 1).padStart(20, '0') + '.avro';
    writeFileSync(join(dir, nextName), readFileSync(join(dir, last.file)).subarray(0, 100));
    const log = quietLog();
    const j2 = await openJournal({ dir, segmentBytes: 64 * 1024, log }, codec);
    assert.equal(j2.tail().seq, 1000);
    assert.ok(!readdirSync(dir).includes(nextName));
    assert.ok(log.lines.some((l) => l.includes('removing the segment')));
    await j2.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('corruption in the middle stops with JOURNAL_CORRUPT naming file and offset; repair truncates and quarantines', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, log: quietLog() }, codec);
    emitN(j, 200);
    await j.close();
    const [seg] = readdirSync(dir).filter((f) => f.endsWith('.avro'));
    const path = join(dir, seg!);
    const buf = readFileSync(path);
    const size = buf.length;
    // damage some block in the middle (body or sync marker, whichever lies there)
    const mid = Math.floor(size / 2);
    buf.fill(0xee, mid, mid + 20);
    writeFileSync(path, buf);
    await assert.rejects(openJournal({ dir, log: quietLog() }, codec), (e: any) => e.code === 'VEXFS_JOURNAL_CORRUPT' && e.message.includes(path) && typeof e.context.offset === 'number' && e.context.offset <= mid);
    const dry = repairJournal(dir);
    assert.equal(dry.changed, false);
    assert.equal(dry.problem?.kind, 'corrupt');
    assert.equal(dry.problem?.file, path);
    const offset = dry.problem!.offset;
    const fixed = repairJournal(dir, { truncateAt: { file: dry.problem!.file, offset } });
    assert.equal(fixed.changed, true);
    assert.equal(fixed.problem, null);
    assert.ok(fixed.quarantined.some((f) => f.includes('.quarantined')));
    const j2 = await openJournal({ dir, log: quietLog() }, codec);
    assert.equal(j2.tail().seq, fixed.lastGoodSeq);
    assert.ok(fixed.lastGoodSeq > 50 && fixed.lastGoodSeq < 200);
    assertChain(await readAll(j2));
    await j2.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a reader that meets damage in a sealed segment throws JOURNAL_CORRUPT with the offset', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, segmentBytes: 64 * 1024, log: quietLog() }, codec);
    emitN(j, 1000);
    await j.close();
    const first = join(dir, readdirSync(dir).filter((f) => f.endsWith('.avro')).sort()[0]!);
    const buf = readFileSync(first);
    // damage the framing: the sync marker that ends a block in the middle of the segment (every
    // block ends with it, so the file's last 16 bytes are it)
    const sync = Buffer.from(buf.subarray(buf.length - 16));
    const at = buf.indexOf(sync, 20000);
    buf.fill(0, at, at + 16);
    writeFileSync(first, buf);
    assert.equal(verifyJournal(dir).problem?.file, first);
    await assert.rejects(async () => { for await (const _ of readJournal(dir, { codec })) { /* drain */ } }, (e: any) => e.code === 'VEXFS_JOURNAL_CORRUPT' && e.context.file === first);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a reader refuses an event body damaged in place (zeroed fields that still decode, short of the block length)', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, log: quietLog() }, codec);
    const em = createEmitter({ node: 'n1', log: j, codec });
    // multi-byte varints at the end of the payload: zeroed, each decodes as a 1-byte 0
    for (let i = 0; i < 10; i++) em.emit({ kind: 'fs', op: 'write', key: '/a', payload: fsPayload({ path: '/a', uid: 100_000, gid: 100_000, pid: 100_000 }) });
    await j.close();
    const events = await readAll({ read: (o) => readJournal(dir, { codec, ...o }) });
    const file = join(dir, readdirSync(dir).filter((f) => f.endsWith('.avro'))[0]!);
    const buf = readFileSync(file);
    const body = events[4]!.bytes;
    const start = buf.indexOf(body);
    assert.ok(start > 0);
    const damaged = Buffer.from(body);
    damaged.fill(0, damaged.length - 40);
    assert.ok(codec.decode(damaged).end < damaged.length, 'the damaged body still decodes, short of its length');
    damaged.copy(buf, start);
    writeFileSync(file, buf);
    await assert.rejects(async () => { for await (const _ of readJournal(dir, { codec })) { /* drain */ } }, (e: any) => e.code === 'VEXFS_JOURNAL_CORRUPT' && /event seq 5 decodes to \d+ of its \d+ bytes/.test(e.message));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a following reader sees live appends and stops on abort', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, log: quietLog() }, codec);
    const em = emitN(j, 10);
    const ac = new AbortController();
    const seen: number[] = [];
    const reader = (async () => {
      for await (const b of j.read({ from: 5, follow: true, signal: ac.signal })) {
        for (const e of b) seen.push(e.event.seq);
        if (seen.at(-1) === 60) ac.abort();
      }
    })();
    for (let i = 0; i < 50; i++) {
      em.emit({ kind: 'fs', op: 'read', key: '/x', payload: fsPayload({ path: '/x' }) });
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.race([reader, new Promise((_, rej) => setTimeout(() => rej(new Error('follow timed out')), 5000))]);
    assert.deepEqual(seen, Array.from({ length: 56 }, (_, i) => i + 5));
    await j.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('strict: concurrent appenders awaiting flush share fsyncs; lazy: the timer makes appends durable', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, fsync: 'strict', log: quietLog() }, codec);
    assert.equal(j.strict, true);
    const em = createEmitter({ node: 'n1', log: j, codec });
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 50; i++) {
        em.emit({ kind: 'fs', op: 'write', key: `/w${w}`, payload: fsPayload({ path: `/w${w}` }) });
        await em.durable();
      }
    }));
    assert.equal(j.pendingSync, 0);
    assert.equal(j.tail().seq, 400);
    await j.close();
    const dir2 = tmp();
    const l = await openJournal({ dir: dir2, lazyIntervalMs: 5, log: quietLog() }, codec);
    assert.equal(l.strict, false);
    emitN(l, 100);
    assert.equal(l.pendingSync, 100);
    const t0 = Date.now();
    while (l.pendingSync > 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(l.pendingSync, 0, 'the lazy timer fsynced');
    await l.close();
    rmSync(dir2, { recursive: true, force: true });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('retention deletes only sealed, shipped segments beyond maxBytes / maxAgeMs', async () => {
  const dir = tmp();
  try {
    const log = quietLog();
    const j = await openJournal({ dir, segmentBytes: 64 * 1024, retention: { maxBytes: 150 * 1024 }, log }, codec);
    emitN(j, 3000);
    const n = j.segments().length;
    assert.ok(n >= 5);
    assert.equal(j.segments()[0]!.firstSeq, 1, 'nothing deleted while nothing is shipped');
    await j.recordShipped(1500);
    const after = j.segments();
    assert.ok(after.length < n, 'shipped segments deleted');
    assert.ok(after[0]!.firstSeq > 1);
    for (const s of after.slice(0, -1)) assert.ok(s.lastSeq > 1500 || after.reduce((a, x) => a + x.bytes, 0) <= 150 * 1024);
    assert.ok(after.some((s) => s.firstSeq <= 1500 + 1), 'unshipped segments kept');
    assert.ok(log.lines.some((l) => l.startsWith('info retention deleted')));
    // a reader from seq 1 starts at the oldest kept event
    const all = await readAll(j);
    assert.equal(all[0]!.event.seq, after[0]!.firstSeq);
    await j.close();
    // shipped position survives a reopen
    const j2 = await openJournal({ dir, segmentBytes: 64 * 1024, retention: { maxAgeMs: 1, shippedOnly: false }, log }, codec);
    assert.equal(j2.shippedSeq, 1500);
    // age: back-date every file; everything sealed goes, the active one stays
    const backDate = () => { for (const s of j2.segments()) if (s.sealed) utimesSync(join(dir, s.file), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000)); };
    backDate();
    const reopenedUpTo = j2.segments().at(-1)!.lastSeq;
    emitN(j2, 2000);
    assert.ok(j2.segments()[0]!.firstSeq > reopenedUpTo, 'the back-dated segments went at the first roll');
    // A segment sealed by the last roll is younger than 1 ms only on a fast machine: age those
    // too, and let retention run again (it runs at each roll and each shipped position).
    backDate();
    await j2.recordShipped(j2.segments().at(-1)!.lastSeq);
    assert.equal(j2.segments()[0]!.sealed, false, 'only the active segment is left after the age limit');
    await j2.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('bad options are refused with CONFIG_INVALID naming the key', async () => {
  const bad: [object, string][] = [
    [{ dir: '' }, 'dir'],
    [{ dir: '/tmp/x', fsync: 'sometimes' }, 'fsync'],
    [{ dir: '/tmp/x', segmentBytes: 10 }, 'segmentBytes'],
    [{ dir: '/tmp/x', lazyIntervalMs: 0 }, 'lazyIntervalMs'],
    [{ dir: '/tmp/x', retention: { maxBytes: -1 } }, 'retention.maxBytes'],
    [{ dir: '/tmp/x', retention: { keep: 1 } }, 'retention.keep'],
    [{ dir: '/tmp/x', fsyncc: 'lazy' }, 'fsyncc'],
  ];
  for (const [opts, key] of bad) {
    await assert.rejects(openJournal(opts as never), (e: any) => e.code === 'VEXFS_CONFIG_INVALID' && e.message.includes(`option ${key} `) && e.context.key === key, key);
  }
});

test('an event the schema refuses never reaches the journal', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, log: quietLog() }, codec);
    const em = createEmitter({ node: 'n1', log: j, codec });
    assert.throws(() => em.emit({ kind: 'fs', op: 'write', key: '/a', payload: fsPayload({ path: '/a', size: 1.5 }) }), (e: any) => e.code === 'VEXFS_EVENT_INVALID' && /size/.test(e.message));
    assert.equal(j.tail().seq, 0);
    assert.equal(j.segments().length, 0);
    await j.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('shipped.json that is not a position is refused at open', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'shipped.json'), 'garbage');
    await assert.rejects(openJournal({ dir, log: quietLog() }, codec), (e: any) => e.code === 'VEXFS_JOURNAL_CORRUPT' && e.message.includes('shipped.json'));
    truncateSync(join(dir, 'shipped.json'), 0);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('grouped writes: deferred appends reach the file together at the end of the turn; written() resolves after; order, chain and segment rolls hold', async () => {
  const dir = tmp();
  try {
    const j = await openJournal({ dir, segmentBytes: 64 * 1024, log: quietLog() }, codec);
    assert.equal(j.options.groupWrites, true, 'on by default');
    const em = createEmitter({ node: 'n1', log: j, codec });
    const draft = (i: number) => ({ kind: 'fs' as const, op: 'write', key: `/g${i}`, payload: fsPayload({ path: `/g${i}`, size: i }) });
    const fileBytes = () => readdirSync(dir).filter((f) => f.endsWith('.avro')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    assert.equal(em.durable(), null, 'nothing staged: nothing to wait for');
    em.emit(draft(1));
    const afterFirst = fileBytes();
    for (let i = 2; i <= 50; i++) em.emit(draft(i), true);
    assert.equal(fileBytes(), afterFirst, 'deferred appends are staged, not yet written');
    const wait = em.durable();
    assert.ok(wait instanceof Promise, 'a caller of deferred appends gets something to wait for');
    assert.equal(em.durable(), wait, 'one promise per group');
    await wait;
    assert.ok(fileBytes() > afterFirst, 'written once the turn ended');
    assert.equal(em.durable(), null);
    // a plain append after deferred ones writes them all, in seq order, before returning
    for (let i = 51; i <= 60; i++) em.emit(draft(i), true);
    em.emit(draft(61));
    assert.equal(em.durable(), null, 'the plain append wrote the staged group with it');
    // many deferred appends in one turn cross segment rolls (each group stays in its segment)
    for (let i = 62; i <= 3000; i++) em.emit(draft(i), true);
    await em.durable();
    assert.ok(j.segments().length >= 5, `rolled into ${j.segments().length} segments`);
    const all = await readAll(j);
    assert.equal(all.length, 3000);
    assert.deepEqual(all.map((e) => e.event.seq), Array.from({ length: 3000 }, (_, i) => i + 1));
    assertChain(all);
    // staged events are written by close() too, and survive a reopen
    for (let i = 3001; i <= 3010; i++) em.emit(draft(i), true);
    await j.close();
    const again = await openJournal({ dir, segmentBytes: 64 * 1024, log: quietLog() }, codec);
    assert.equal(again.tail().seq, 3010);
    assertChain(await readAll(again));
    await again.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('grouped writes off (groupWrites: false) or strict: a deferred append returns written', async () => {
  for (const opts of [{ groupWrites: false }, { fsync: 'strict' as const }]) {
    const dir = tmp();
    try {
      const j = await openJournal({ dir, log: quietLog(), ...opts }, codec);
      const em = createEmitter({ node: 'n1', log: j, codec });
      em.emit({ kind: 'fs', op: 'write', key: '/a', payload: fsPayload({ path: '/a' }) }, true);
      assert.equal(j.written?.(), null, `${JSON.stringify(opts)}: nothing staged`);
      assert.equal((await readAll(j)).length, 1);
      await j.close();
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }
});
