import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEventCodec } from '../../src/events/codec.js';
import { openJournal, verifyJournal } from '../../src/log/journal/index.js';

const CHILD_TS = fileURLToPath(new URL('../support/journal-child.ts', import.meta.url));
const KILLS = 22;

/**
 * Bundles the child once into plain ESM next to its source, so each of the restarts costs a bare
 * `node` start instead of loading tsx again (about 1 s each on this machine). It must sit two
 * levels below the repository root like src/events/schema.ts, whose import.meta.url locates the
 * .avsc files.
 */
async function bundleChild(): Promise<string> {
  const { build } = await import('esbuild');
  const out = fileURLToPath(new URL(`../support/.journal-child-${randomBytes(4).toString('hex')}.mjs`, import.meta.url));
  await build({ entryPoints: [CHILD_TS], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'error' });
  return out;
}

/** Runs the child until it acknowledged something past `minSeq`, lets it run a random while, SIGKILLs it; returns its highest ack. */
function runAndKill(child_js: string, dir: string, minSeq: number): Promise<{ acked: number; started: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [child_js, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = -1;
    let started = -1;
    let rest = '';
    let killTimer: NodeJS.Timeout | null = null;
    let stderr = '';
    const guard = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child made no progress in 30 s: ${stderr}`)); }, 30_000);
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('start ')) { started = Number(l.slice(6)); continue; }
        const seq = Number(l);
        if (Number.isInteger(seq)) acked = Math.max(acked, seq);
      }
      if (!killTimer && acked > minSeq) killTimer = setTimeout(() => child.kill('SIGKILL'), 5 + Math.floor(Math.random() * 120));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal} before the kill: ${stderr}`));
      else resolve({ acked, started });
    });
  });
}

test(`journal survives SIGKILL at ${KILLS} random points: every acknowledged event is read back in order, no gap, chain intact`, { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-crash-'));
  const childJs = await bundleChild();
  try {
    let acked = 0;
    for (let k = 0; k < KILLS; k++) {
      const r = await runAndKill(childJs, dir, acked);
      assert.ok(r.started >= acked, `restart ${k} resumed at seq ${r.started}, after every acknowledged event (${acked})`);
      acked = Math.max(acked, r.acked);
    }
    const v = verifyJournal(dir);
    assert.ok(v.problem === null || v.problem.kind === 'torn', `no damage but a possible torn tail: ${JSON.stringify(v.problem)}`);
    const codec = createEventCodec();
    const j = await openJournal({ dir, log: { info() {}, warn() {} } }, codec);
    let expect = 1;
    let prev: Buffer = Buffer.alloc(32);
    for await (const batch of j.read({ from: 1, batchSize: 5000 })) {
      for (const { event, bytes } of batch) {
        assert.equal(event.seq, expect, 'gap-free, in order');
        assert.deepEqual(event.prevHash, prev, `prevHash of seq ${event.seq}`);
        assert.deepEqual(codec.hashOf(bytes), event.hash, `hash of seq ${event.seq}`);
        prev = event.hash;
        expect++;
      }
    }
    const last = expect - 1;
    assert.ok(last >= acked, `read back ${last} events, at least the ${acked} acknowledged`);
    assert.ok(j.segments().length > 1, 'the run crossed segment rolls');
    await j.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(childJs, { force: true });
  }
});
