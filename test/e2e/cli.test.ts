import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnVexfs, waitReady } from '../support/vexfs-process.js';

const run = promisify(execFile);
const VEXFS = fileURLToPath(new URL('../../bin/vexfs', import.meta.url));

/** Runs the vexfs command; resolves with its exit code and output (never rejects on a non-zero exit). */
async function vexfs(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await run(VEXFS, args, { env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', ...env }, timeout: 120_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

test('vexfs: documented exit codes for usage, bad config and a missing daemon', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-cli-'));
  try {
    assert.equal((await vexfs(['--help'])).code, 0);
    assert.equal((await vexfs(['no-such-command'])).code, 2);
    const bad = await vexfs(['validate'], { VEXFS_FSYNC: 'sometimes', VEXFS_DATA_DIR: dir });
    assert.equal(bad.code, 78);
    assert.match(bad.out, /journal\.fsync = "sometimes".*allowed: "lazy", "strict"/);
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ mount: { atrTimeout: 1 } }));
    assert.equal((await vexfs(['validate', '--config', join(dir, 'typo.json')])).code, 78);
    const ok = await vexfs(['validate', '--json'], { VEXFS_DATA_DIR: dir });
    assert.equal(ok.code, 0);
    assert.equal(JSON.parse(ok.out).dataDir, dir);
    const none = await vexfs(['status'], { VEXFS_DATA_DIR: dir });
    assert.equal(none.code, 69, 'no running daemon: dependency unavailable');
    assert.match(none.out, /no running VexFS for data dir/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vexfs demo against a running vexfs up: files, xattr embeddings, similar files, search, and the ransomware-like burst flagged', { timeout: 240_000 }, async () => {
  const root = mkdtempSync(join(process.env.VEXFS_TEST_WORK ?? tmpdir(), 'vexfs-demo-'));
  const env = { VEXFS_DATA_DIR: join(root, 'data'), VEXFS_BACKING: join(root, 'backing'), VEXFS_MOUNTPOINT: join(root, 'mnt'), VEXFS_API_PORT: '0', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' };
  const up = spawnVexfs(['up', '--ready-file', join(root, 'ready.json')], { env, logFile: join(root, 'up.log') });
  try {
    await waitReady(up, join(root, 'ready.json'), 120_000);
    const demo = await vexfs(['demo', '--files', '120', '--wait', '60'], env);
    assert.equal(demo.code, 0, demo.out);
    assert.match(demo.out, /1-doc\d\.txt → .*demo\/finance\/doc\d\.txt/, 'the nearest file to a finance doc is a finance doc');
    assert.match(demo.out, /recipes\/doc\d\.txt/, 'text search finds the recipes');
    assert.match(demo.out, /anomaly: mass_modification \(critical\)/);
    const status = await vexfs(['status', '--json'], env);
    assert.equal(status.code, 0, status.out);
    assert.ok(JSON.parse(status.out).stats.totals.fs > 500);
    const tail = await vexfs(['tail', '--from-beginning', '--no-follow', '--kind', 'vector', '--json', '-n', '3'], env);
    assert.equal(tail.code, 0, tail.out);
    assert.equal(tail.out.trim().split('\n').filter((l) => l.startsWith('{')).length, 3);
    // the demo renamed exactly 120 files to .locked: `vexfs sql` (through the daemon) sees each rename once
    let renames = -1;
    for (let i = 0; i < 20 && renames !== 120; i++) {
      const sql = await vexfs(['sql', '--format', 'csv', "SELECT count() AS n FROM fs_events FINAL WHERE op = 'rename' AND path2 LIKE '%.locked'"], env);
      assert.equal(sql.code, 0, sql.out);
      renames = Number(sql.out.trim().split('\n').pop());
      if (renames !== 120) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.equal(renames, 120);
  } finally {
    const code = await up.stop();
    assert.equal(readFileSync('/proc/mounts', 'utf8').includes(join(root, 'mnt')), false);
    assert.equal(code, 0, up.log().slice(-2000));
    rmSync(root, { recursive: true, force: true });
  }
});

test('vexfs infra start/stop: a local Kafka broker and ClickHouse server, printed as exports, stopped by pid', { timeout: 180_000 }, async () => {
  const { freePort, alive } = await import('../../src/infra/process-util.js');
  const dir = mkdtempSync(join(process.env.VEXFS_TEST_WORK ?? tmpdir(), 'vexfs-infra-'));
  const env = { VEXFS_DATA_DIR: dir };
  try {
    const start = await vexfs(['infra', 'start', '--kafka-port', String(await freePort())], env);
    assert.equal(start.code, 0, start.out);
    const kafka = /export KAFKA_BROKERS=(\S+)\s+# pid (\d+)/.exec(start.out);
    const ch = /export CLICKHOUSE_URL=(\S+)\s+# pid (\d+)/.exec(start.out);
    assert.ok(kafka && ch, start.out);
    assert.ok(alive(Number(kafka[2])) && alive(Number(ch[2])));
    const pong = await fetch(`${ch[1]}/?query=SELECT%201`);
    assert.equal((await pong.text()).trim(), '1');
    const again = await vexfs(['infra', 'start'], env);
    assert.match(again.out, /already running/);
    const stop = await vexfs(['infra', 'stop'], env);
    assert.equal(stop.code, 0, stop.out);
    assert.ok(!alive(Number(kafka[2])) && !alive(Number(ch[2])), 'both stopped by pid');
  } finally {
    await vexfs(['infra', 'stop'], env);
    rmSync(dir, { recursive: true, force: true });
  }
});
