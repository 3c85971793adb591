import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { startMount, removeTree, type TestMount } from '../support/fuse-mount.js';

const exec = promisify(execFile);
let m: TestMount;

/** Runs a real tool (never a sync call from this process into the mount), bounded. */
async function sh(cmd: string, args: string[], cwd: string, timeout = 60_000): Promise<string> {
  const { stdout } = await exec(cmd, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: m.dir } });
  return stdout;
}

function checksums(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

before(async () => { m = await startMount(); });
after(async () => { if (m) { await m.stop(); removeTree(m.dir); } });

test('git init/add/commit/log/status on the mount', { timeout: 90_000 }, async () => {
  const repo = join(m.mountpoint, 'repo');
  await sh('mkdir', ['-p', repo], m.dir);
  await sh('git', ['init', '-q', '-b', 'main'], repo);
  await sh('git', ['config', 'user.email', 't@example.com'], repo);
  await sh('git', ['config', 'user.name', 'T'], repo);
  await sh('sh', ['-c', 'for i in $(seq 1 40); do mkdir -p src/d$((i % 5)); echo "file $i" > src/d$((i % 5))/f$i.txt; done; echo "# readme" > README.md'], repo);
  await sh('git', ['add', '.'], repo);
  await sh('git', ['commit', '-q', '-m', 'first'], repo);
  await sh('sh', ['-c', 'echo changed >> README.md && git mv src/d1 src/moved && git commit -qam second'], repo);
  const log = await sh('git', ['log', '--oneline'], repo);
  assert.equal(log.trim().split('\n').length, 2);
  assert.match(log, /second/);
  assert.equal((await sh('git', ['status', '--porcelain'], repo)).trim(), '');
  assert.equal((await sh('git', ['fsck', '--no-progress'], repo)).trim(), '');
  assert.equal((await sh('git', ['ls-files'], repo)).trim().split('\n').length, 41);
});

test('tar create/extract round trip keeps every checksum', { timeout: 90_000 }, async () => {
  const src = join(m.dir, 'tar-src');
  for (let i = 0; i < 60; i++) {
    mkdirSync(join(src, `d${i % 6}`), { recursive: true });
    writeFileSync(join(src, `d${i % 6}`, `f${i}.bin`), createHash('sha256').update(String(i)).digest().toString('hex').repeat(1 + i * 37));
  }
  const want = checksums(src);
  await sh('tar', ['-cf', join(m.dir, 'in.tar'), '-C', src, '.'], m.dir);
  await sh('mkdir', ['-p', join(m.mountpoint, 'untar')], m.dir);
  await sh('tar', ['-xf', join(m.dir, 'in.tar'), '-C', join(m.mountpoint, 'untar')], m.dir);
  await sh('tar', ['-cf', join(m.dir, 'out.tar'), '-C', join(m.mountpoint, 'untar'), '.'], m.dir);
  const back = join(m.dir, 'tar-back');
  mkdirSync(back);
  await sh('tar', ['-xf', join(m.dir, 'out.tar'), '-C', back], m.dir);
  assert.equal(want.size, 60);
  assert.deepEqual(checksums(back), want);
  // And the copy on the mount itself, read by sha256sum through the mount.
  const sums = await sh('sh', ['-c', 'find . -type f | sort | xargs sha256sum'], join(m.mountpoint, 'untar'));
  for (const line of sums.trim().split('\n')) {
    const [sum, name] = line.split(/\s+/) as [string, string];
    assert.equal(sum, want.get(name.replace(/^\.\//, '')), name);
  }
});

test('sqlite3: 1,000 inserts then PRAGMA integrity_check', { timeout: 90_000 }, async () => {
  const db = join(m.mountpoint, 'test.db');
  await sh('sqlite3', [db, 'CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);'], m.dir);
  // 1,000 inserts in 20 transactions: each commit exercises sqlite's journal (create, write, fsync, unlink).
  let sql = '';
  for (let tx = 0; tx < 20; tx++) {
    sql += 'BEGIN;';
    for (let i = 0; i < 50; i++) sql += `INSERT INTO t(name, v) VALUES ('row-${tx}-${i}', ${tx * 50 + i}.5);`;
    sql += 'COMMIT;';
  }
  await sh('sqlite3', [db, sql], m.dir);
  await sh('sqlite3', [db, 'CREATE INDEX t_name ON t(name); UPDATE t SET v = v * 2 WHERE id % 3 = 0; DELETE FROM t WHERE id % 10 = 0; VACUUM;'], m.dir);
  assert.equal((await sh('sqlite3', [db, 'PRAGMA integrity_check;'], m.dir)).trim(), 'ok');
  assert.equal((await sh('sqlite3', [db, 'SELECT count(*) FROM t;'], m.dir)).trim(), '900');
});

test('fio random writes with verify=crc32c', { timeout: 90_000 }, async () => {
  const dir = join(m.mountpoint, 'fio');
  await sh('mkdir', ['-p', dir], m.dir);
  const out = await sh('fio', ['--name=vexfs', `--directory=${dir}`, '--rw=randwrite', '--bs=4k', '--size=4m', '--numjobs=2',
    '--ioengine=psync', '--verify=crc32c', '--do_verify=1', '--verify_fatal=1', '--fsync=64', '--output-format=terse', '--group_reporting'], m.dir, 120_000);
  const fields = out.trim().split('\n').pop()!.split(';');
  assert.equal(fields[4], '0', `fio reported errors: ${out}`); // terse field 5: total error count
  const files = (await sh('sh', ['-c', 'for f in *; do stat -c %s "$f"; done'], dir)).trim().split('\n');
  assert.deepEqual(files, ['4194304', '4194304'], 'two 4 MiB job files written and verified');
});

test('the journal holds the tools\' operations: every fs event has a path, op and errno, writes have sizes', { timeout: 30_000 }, async () => {
  await m.stop();
  const events = (await m.events()).filter((e) => e.kind === 'fs');
  assert.ok(events.length > 5_000, `${events.length} events`);
  const ops = new Set(events.map((e) => e.op));
  for (const op of ['getattr', 'create', 'write', 'read', 'rename', 'unlink', 'mkdir', 'fsync', 'release', 'readdir']) assert.ok(ops.has(op), `saw ${op}`);
  assert.ok(events.some((e) => e.op === 'write' && (e.payload as { path: string }).path === '/test.db'));
  const seqs = events.map((e) => e.seq);
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'seq increasing');
});
