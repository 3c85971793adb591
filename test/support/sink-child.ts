/**
 * A sink process for the effectively-once test: writes a fixed, deterministic stream of
 * events in fixed-size batches, committing its position to a file after each
 * acknowledged write (the runner's contract), until the stream is done. Killed at random
 * and restarted by the test, it resumes from the committed position, so the batch after a
 * kill is often one the store already acknowledged. Writes are pipelined as the bridge does
 * for a sink with maxInFlight > 1.
 * Usage: tsx sink-child.ts <json options>
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createClickhouseSink } from '../../src/sinks/clickhouse/clickhouse-sink.js';
import { makeEvents } from './clickhouse.js';

interface ChildOptions { url: string; dataDir: string; database: string; posFile: string; total: number; batch: number; pauseMs: number; seed: string }
const o = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;

const readPos = () => (existsSync(o.posFile) ? Number(readFileSync(o.posFile, 'utf8')) : 0);
const commit = (pos: number) => { writeFileSync(`${o.posFile}.tmp`, String(pos)); renameSync(`${o.posFile}.tmp`, o.posFile); };

const sink = createClickhouseSink(o.url ? { url: o.url, database: o.database, dataDir: o.dataDir } : { dataDir: o.dataDir, database: o.database });
await sink.ready();
let pos = readPos();
process.stdout.write(`ready ${pos}\n`);
// As the bridge drives a pipelining sink: up to sink.maxInFlight writes outstanding, each
// position committed in order once its write is acknowledged.
const inFlight: { end: number; done: Promise<void> }[] = [];
let next = pos;
while (pos < o.total) {
  while (next < o.total && inFlight.length < (sink.maxInFlight ?? 1)) {
    const from = next, end = Math.min(next + o.batch, o.total);
    inFlight.push({ end, done: sink.write({ lane: 'normal', events: makeEvents(o.seed, from, end), position: { kind: 'journal', token: `journal:n1:${from + 1}-${end}` } }) });
    next = end;
  }
  const head = inFlight.shift()!;
  await head.done;
  commit(head.end);
  pos = head.end;
  if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
}
await sink.close();
process.stdout.write(`done ${pos}\n`);
