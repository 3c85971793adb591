import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/sinks/clickhouse/open-store.js';
import { makeEvents, randomDb, testClickhouseUrl } from '../support/clickhouse.js';

/**
 * Effectively once: a sink child process writes a fixed stream under steady load and is
 * SIGKILLed at random at least 10 times, then runs to the end. Each store must then hold
 * exactly one row per produced event id.
 */

const CHILD = fileURLToPath(new URL('../support/sink-child.ts', import.meta.url));
const TOTAL = 3_000;
// Small batches with a steady pause, and kills within 50–250 ms of ready: a life commits at most
// ~5 of the 100 batches, so 10 lives never finish the stream however fast the machine is.
const BATCH = 30;
const KILLS = 10;

let url = '';
let stopServer: () => Promise<void> = async () => {};
before(async () => { const s = await testClickhouseUrl(); url = s.url; stopServer = s.stop; });
after(async () => { await stopServer(); });

function startChild(opts: object): { child: ChildProcess; ready: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => { out += d; if (/ready \d+/.test(out)) resolve(out); });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before ready: ${err.slice(-500)}`)));
  });
  ready.catch(() => {});
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`[sink-child] exit ${code}: ${err.slice(-800)}\n`);
    resolve(code);
  }));
  return { child, ready, exited };
}

// The two stores run side by side: their children and data are independent.
describe('effectively once', { concurrency: 2 }, () => {
for (const mode of ['chdb', 'server'] as const) {
  test(`effectively once on ${mode}: ${KILLS} SIGKILLs at random, one row per produced event`, { timeout: 180_000 }, async (t) => {
    const work = mkdtempSync(join(process.env.VEXFS_TEST_WORK ?? tmpdir(), `vexfs-eo-${mode}-`));
    const database = randomDb('vexfs_eo');
    const opts = { url: mode === 'server' ? url : '', dataDir: join(work, 'data'), database, posFile: join(work, 'position'), total: TOTAL, batch: BATCH, pauseMs: 50, seed: `eo-${mode}` };
    let kills = 0;
    let current: ReturnType<typeof startChild> | undefined;
    const t0 = Date.now();
    const deadline = t0 + 150_000; // bounded: about 55 s here when the machine is quiet
    try {
      while (kills < KILLS) {
        assert.ok(Date.now() < deadline, `only ${kills} kills before the deadline`);
        current = startChild(opts);
        await current.ready;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
        if (current.child.exitCode !== null) break; // finished before we could kill it
        current.child.kill('SIGKILL');
        await current.exited;
        kills++;
      }
      const pos = existsSync(opts.posFile) ? Number(readFileSync(opts.posFile, 'utf8')) : 0;
      assert.ok(pos < TOTAL, `the stream finished after ${kills} kills: too little load for the test`);
      t.diagnostic(`${kills} kills; committed position ${pos}/${TOTAL} before the final run`);
      const tFinal = Date.now();
      current = startChild(opts);
      await current.ready;
      assert.equal(await current.exited, 0);
      t.diagnostic(`kill phase ${tFinal - t0} ms, final run ${Date.now() - tFinal} ms`);
    } finally {
      if (current && current.child.exitCode === null) { current.child.kill('SIGKILL'); await current.exited; }
    }
    assert.equal(kills, KILLS);
    assert.equal(Number(readFileSync(opts.posFile, 'utf8')), TOTAL);

    const store = await openStore(mode === 'server' ? { url, database } : { dataDir: opts.dataDir, database });
    try {
      const q = async (sql: string) => Number((await store.query(sql)).trim());
      const produced = makeEvents(opts.seed, 0, TOTAL);
      for (const [kind, table] of [['fs', 'fs_events'], ['vector', 'vector_events'], ['semantic', 'semantic_events'], ['system', 'system_events']] as const) {
        const expected = produced.filter((e) => e.kind === kind).length;
        const final = await q(`SELECT count() FROM ${database}.${table} FINAL`);
        const distinct = await q(`SELECT uniqExact(id) FROM ${database}.${table}`);
        const raw = await q(`SELECT count() FROM ${database}.${table}`);
        t.diagnostic(`${table}: produced ${expected}, count() FINAL ${final}, distinct ids ${distinct}, raw rows ${raw}`);
        assert.equal(final, expected, `${table} count() FINAL`);
        assert.equal(distinct, expected, `${table} distinct ids`);
        if (store.dialect === 'modern') assert.equal(raw, expected, `${table}: the dedup token must drop re-written batches`);
      }
      const fsExpected = produced.filter((e) => e.kind === 'fs').length;
      assert.equal(await q(`SELECT countMerge(ops) FROM ${database}.fs_ops_1m`), fsExpected, 'the per-minute rollup counts each event once');
    } finally { await store.close(); }
  });
}
});
