import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMount, removeTree, fsTriples } from '../support/fuse-mount.js';
import type { FsPayload } from '../../src/events/types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPS = Number(process.env.VEXFS_MODEL_OPS ?? 20_000);
/** Journal ops the model can predict one by one (stat/read/readdir may be answered from the kernel cache; readlink also fires when the kernel follows a link). */
const MATCHED = new Set(['create', 'write', 'ftruncate', 'truncate', 'mkdir', 'rmdir', 'unlink', 'rename', 'symlink', 'link', 'chmod']);

interface Report {
  seed: number; ops: number; counts: Record<string, number>; mismatches: string[]; tree: number;
  expected: Array<{ i: number; op: string; path: string; errno: number; events: Array<[string, string, number, ('' | '?' | number)?]> }>;
}

const CONFIGS = [
  { name: 'kernel caching off (attrTimeout 0, entryTimeout 0)', ops: OPS, mount: { attrTimeout: 0, entryTimeout: 0, kernelCache: false }, flags: '' },
  { name: 'shipped caching defaults, no hard links', ops: Math.ceil(OPS / 5), mount: {}, flags: 'nolinks' },
];

for (const cfg of CONFIGS) test(`model-based random test, ${cfg.name}: ${cfg.ops} operations on the mount agree with a reference directory, one journalled event each`, { timeout: 180_000 }, async () => {
  const m = await startMount(cfg.mount);
  const ref = join(m.dir, 'reference');
  mkdirSync(ref);
  const seed = Number(process.env.VEXFS_MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const out = join(m.dir, 'report.json');
  let report: Report;
  try {
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      const d = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/fuse-model-driver.ts'), m.mountpoint, ref, String(cfg.ops), String(seed), out, cfg.flags], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
      const timer = setTimeout(() => { d.kill('SIGKILL'); reject(new Error('model driver did not finish in 140 s')); }, 140_000);
      d.on('exit', (code) => { clearTimeout(timer); code === 0 ? resolve() : reject(new Error(`driver exited ${code}\n${m.log()}`)); });
    });
    report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    console.log(`# seed ${seed}: ${report.ops} ops in ${Date.now() - t0} ms ${JSON.stringify(report.counts)}, final tree ${report.tree} entries`);
  } finally {
    assert.equal(await m.stop(), 0, `mount exits cleanly on SIGTERM:\n${m.log()}`);
  }
  try {
    assert.deepEqual(report.mismatches, [], `seed ${seed}: mount and reference disagree`);
    const fsEvents = (await m.events()).filter((e) => e.kind === 'fs');
    const all = fsTriples(fsEvents);
    const journalIdx: number[] = [];
    const journal = all.filter(([op], k) => MATCHED.has(op) && journalIdx.push(k) > 0);
    const sizeAt = (jj: number): number => (fsEvents[journalIdx[jj]!]!.payload as FsPayload).size;
    let j = 0;
    let kernelAnswered = 0;
    let failuresJournalled = 0;
    for (const x of report.expected) {
      if (x.errno === 0) {
        for (const [op, path, errno, q = ''] of x.events) {
          const ev = [op, path, errno];
          const hit = journal[j]?.[0] === op && journal[j]?.[1] === path && journal[j]?.[2] === errno;
          if (!hit && q === '?') continue;
          assert.deepEqual(journal[j], ev, `seed ${seed}: op #${x.i} ${x.op} ${x.path} expects event ${JSON.stringify(ev)} at journal position ${j}, found ${JSON.stringify(journal[j])}; journal around: ${JSON.stringify(journal.slice(Math.max(0, j - 6), j + 3))}; all events around: ${JSON.stringify(all.slice(Math.max(0, journalIdx[j]! - 30), journalIdx[j]! + 3))}`);
          if (typeof q === 'number') {
            // The write events of one write(2) add up to its bytes.
            let bytes = sizeAt(j++);
            while (bytes < q && journal[j]?.[0] === op && journal[j]?.[1] === path && journal[j]?.[2] === errno) bytes += sizeAt(j++);
            assert.equal(bytes, q, `seed ${seed}: op #${x.i} ${x.op} ${x.path}: write events add up to ${bytes} bytes, expected ${q}`);
          } else j++;
        }
      } else if (journal[j]?.[1] === x.path && journal[j]?.[2] === x.errno) {
        failuresJournalled++;
        j++;
      } else {
        kernelAnswered++; // e.g. EEXIST/ENOENT decided by the kernel from its lookup: no request reached the daemon
      }
    }
    assert.equal(j, journal.length, `seed ${seed}: ${journal.length - j} journalled events match no operation: ${JSON.stringify(journal.slice(j, j + 5))}`);
    console.log(`# ${j} events matched; failures: ${failuresJournalled} journalled by the daemon, ${kernelAnswered} answered by the kernel`);
    assert.ok(failuresJournalled > 0, 'some failures reach the daemon (ENOTEMPTY, ...) and are journalled');
    const sys = (await m.events()).filter((e) => e.kind === 'system').map((e) => e.op);
    assert.deepEqual(sys, ['mount', 'unmount']);
  } finally {
    removeTree(m.dir);
  }
});
