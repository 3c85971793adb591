/**
 * FUSE benchmark (metric definitions: ../shared/BENCHMARKS.md, fuse section). All figures in one run:
 * an empty-handler fuse-native mount (the ceiling), a no-op C libfuse 2 mount (the physical limit),
 * our filesystem with events on and off, with its shipped caching options, and the native backing
 * directory. Clients are C processes (bench/c/loadgen.c) compiled with gcc into a temp dir.
 * Usage: tsx bench/fuse.ts [--seconds 10]   (writes bench/results/fuse.json)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJournal } from '../src/log/journal/index.js';
import { mountsAt } from '../src/producers/fuse/mount.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

if (process.argv[2] === 'ceiling-child') {
  // The ceiling: fuse-native with handlers that answer at once and count what they served.
  const Fuse = createRequire(import.meta.url)('fuse-native');
  let requests = 0;
  const t = Date.now();
  const dir = { mode: 0o40755, uid: 0, gid: 0, size: 4096, nlink: 2, mtime: t, atime: t, ctime: t };
  const file = { mode: 0o100644, uid: 0, gid: 0, size: 4096, nlink: 1, mtime: t, atime: t, ctime: t };
  const fuse = new Fuse(process.argv[3], {
    getattr(path: string, cb: (err: number, st?: unknown) => void) {
      requests++;
      if (path === '/') return cb(0, dir);
      if (path === '/f') return cb(0, file);
      return cb(-2);
    },
  }, { attrTimeout: '0', entryTimeout: '0', timeout: false });
  fuse.mount((err: Error | null) => {
    if (err) { console.error(err); process.exit(1); }
    console.log('READY');
  });
  process.once('SIGTERM', () => fuse.unmount(() => { console.log(`REQUESTS ${requests}`); process.exit(0); }));
} else {
  await main();
}

interface Metric { value: number; unit: string; target?: number; better: 'higher' | 'lower' }

async function main(): Promise<void> {
  const secsArg = process.argv.indexOf('--seconds');
  const SECS = secsArg > 0 ? Number(process.argv[secsArg + 1]) : 10;
  const SMALL_SECS = Math.max(3, Math.round(SECS * 0.6));
  const PROCS = 8;
  const tmp = mkdtempSync(join(tmpdir(), 'vexfs-bench-fuse-'));
  const load0 = loadavg().map((x) => x.toFixed(1)).join(' ');
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  execFileSync('gcc', ['-O2', '-o', join(bin, 'loadgen'), join(ROOT, 'bench/c/loadgen.c')]);
  const fuseFlags = execFileSync('pkg-config', ['fuse', '--cflags', '--libs'], { encoding: 'utf8' }).trim().split(/\s+/);
  execFileSync('gcc', ['-O2', '-o', join(bin, 'noopfs'), join(ROOT, 'bench/c/noopfs.c'), ...fuseFlags]);
  const loadgen = (...args: Array<string | number>): { n: number; secs: number } => {
    const [n, s] = execFileSync(join(bin, 'loadgen'), args.map(String), { encoding: 'utf8', timeout: 120_000 }).trim().split(' ');
    return { n: Number(n), secs: Number(s) };
  };
  const log = (m: string): void => { process.stderr.write(`bench fuse: ${m}\n`); };
  const metrics: Record<string, Metric> = {};
  const children: ChildProcess[] = [];
  const mounts: string[] = [];

  /** Spawns a mount process and waits (bounded) until `ready()` says it serves. */
  async function spawnMount(cmd: string, args: string[], mnt: string, ready: (out: string) => boolean): Promise<{ child: ChildProcess; out: () => string; stop(): Promise<string> }> {
    mkdirSync(mnt, { recursive: true });
    mounts.push(mnt);
    let out = '';
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    child.stdout!.on('data', (d: Buffer) => { out += d; });
    child.stderr!.on('data', (d: Buffer) => { out += d; });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const t0 = Date.now();
    while (!ready(out) || (await mountsAt(mnt)).length === 0) {
      if (child.exitCode !== null || Date.now() - t0 > 30_000) throw new Error(`mount at ${mnt} not ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      child, out: () => out,
      async stop() {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
        try { execFileSync('fusermount', ['-uz', mnt], { stdio: 'ignore' }); } catch { /* already unmounted */ }
        return out;
      },
    };
  }

  async function ourMount(name: string, opts: Record<string, unknown>) {
    const dir = join(tmp, name);
    const backing = join(dir, 'backing');
    mkdirSync(backing, { recursive: true });
    writeFileSync(join(backing, 'f'), Buffer.alloc(4096, 'f'));
    const runOpts = { backing, mountpoint: join(dir, 'mnt'), dataDir: join(dir, 'data'), node: 'bench', ...opts };
    const m = await spawnMount(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/fuse-mount-child.ts'), JSON.stringify(runOpts)], runOpts.mountpoint, (o) => o.includes('READY'));
    return { ...m, mnt: runOpts.mountpoint, backing, dataDir: runOpts.dataDir };
  }

  async function countEvents(dataDir: string): Promise<Record<string, number>> {
    const by: Record<string, number> = {};
    for await (const batch of readJournal(dataDir)) for (const e of batch) if (e.event.kind === 'fs') by[e.event.op] = (by[e.event.op] ?? 0) + 1;
    return by;
  }
  const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

  try {
    // 1. Ceiling: empty fuse-native handlers, caching off.
    log('ceiling (empty fuse-native handlers)');
    const ceil = await spawnMount(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/fuse.ts'), 'ceiling-child', join(tmp, 'ceil')], join(tmp, 'ceil'), (o) => o.includes('READY'));
    const ceilStat = loadgen('stat', join(tmp, 'ceil', 'f'), SECS, PROCS);
    const ceilReq = Number(/REQUESTS (\d+)/.exec(await ceil.stop())?.[1] ?? NaN);
    metrics.ceiling_fuse_ops_per_s = { value: Math.round(ceilReq / ceilStat.secs), unit: 'requests/s', better: 'higher' };
    metrics.ceiling_stat_per_s = { value: Math.round(ceilStat.n / ceilStat.secs), unit: 'ops/s', better: 'higher' };

    // 2. The physical limit: a no-op C libfuse 2 filesystem.
    log('no-op C libfuse 2 filesystem');
    const cfs = await spawnMount(join(bin, 'noopfs'), ['-f', '-o', 'attr_timeout=0,entry_timeout=0', join(tmp, 'cfs')], join(tmp, 'cfs'), () => true);
    const cStat = loadgen('stat', join(tmp, 'cfs', 'f'), SECS, PROCS);
    const cReq = Number((await cfs.stop()).trim().split('\n').pop());
    metrics.limit_c_fuse_ops_per_s = { value: Math.round(cReq / cStat.secs), unit: 'requests/s', better: 'higher' };
    metrics.limit_c_stat_per_s = { value: Math.round(cStat.n / cStat.secs), unit: 'ops/s', better: 'higher' };

    // 3. Ours, events on, caching off: requests counted from the journal.
    log('vexfs, events on, caching off');
    const on = await ourMount('on', { attrTimeout: 0, entryTimeout: 0 });
    const onStat = loadgen('stat', join(on.mnt, 'f'), SECS, PROCS);
    const onReq = sum(await countEvents(on.dataDir));
    metrics.fuse_ops_per_s = { value: Math.round(onReq / onStat.secs), unit: 'requests/s', better: 'higher' };
    metrics.stat_events_on_caching_off_per_s = { value: Math.round(onStat.n / onStat.secs), unit: 'ops/s', better: 'higher' };
    const reqPerStat = onReq / onStat.n;
    const onSmall = loadgen('smallfiles', on.mnt, SMALL_SECS, PROCS);
    metrics.small_files_per_s = { value: Math.round(onSmall.n / onSmall.secs), unit: 'files/s', target: 8000, better: 'higher' };
    const w = loadgen('seqwrite', join(on.mnt, 'big'), 256);
    metrics.seq_write_mb_s = { value: Math.round(w.n / 1048576 / w.secs), unit: 'MB/s', better: 'higher' };
    const r = loadgen('seqread', join(on.mnt, 'big'));
    metrics.seq_read_mb_s = { value: Math.round(r.n / 1048576 / r.secs), unit: 'MB/s', target: 300, better: 'higher' };
    await on.stop();
    const onEvents = await countEvents(on.dataDir);

    // 4. Ours, events off, caching off.
    log('vexfs, events off, caching off');
    const off = await ourMount('off', { attrTimeout: 0, entryTimeout: 0, events: false });
    const offStat = loadgen('stat', join(off.mnt, 'f'), SECS, PROCS);
    metrics.fuse_ops_events_off_per_s = { value: Math.round((offStat.n * reqPerStat) / offStat.secs), unit: 'requests/s', better: 'higher' };
    const offSmall = loadgen('smallfiles', off.mnt, SMALL_SECS, PROCS);
    metrics.small_files_events_off_per_s = { value: Math.round(offSmall.n / offSmall.secs), unit: 'files/s', better: 'higher' };
    await off.stop();

    // 5. Ours with the caching options it ships with (events on).
    log('vexfs, shipped caching options');
    const def = await ourMount('defaults', {});
    const defStat = loadgen('stat', join(def.mnt, 'f'), SECS, PROCS);
    metrics.stat_per_s = { value: Math.round(defStat.n / defStat.secs), unit: 'ops/s', target: 50000, better: 'higher' };
    await def.stop();

    // 6. The native backing directory.
    log('native directory');
    const nat = join(tmp, 'native');
    mkdirSync(nat);
    writeFileSync(join(nat, 'f'), Buffer.alloc(4096, 'f'));
    const natStat = loadgen('stat', join(nat, 'f'), Math.min(SECS, 5), PROCS);
    metrics.native_stat_per_s = { value: Math.round(natStat.n / natStat.secs), unit: 'ops/s', better: 'higher' };
    const natSmall = loadgen('smallfiles', nat, Math.min(SMALL_SECS, 5), PROCS);
    metrics.native_small_files_per_s = { value: Math.round(natSmall.n / natSmall.secs), unit: 'files/s', better: 'higher' };
    const nw = loadgen('seqwrite', join(nat, 'big'), 256);
    metrics.native_seq_write_mb_s = { value: Math.round(nw.n / 1048576 / nw.secs), unit: 'MB/s', better: 'higher' };
    const nr = loadgen('seqread', join(nat, 'big'));
    metrics.native_seq_read_mb_s = { value: Math.round(nr.n / 1048576 / nr.secs), unit: 'MB/s', better: 'higher' };

    metrics.stat_ratio_to_ceiling = { value: round3(metrics.fuse_ops_per_s.value / metrics.ceiling_fuse_ops_per_s.value), unit: 'ratio', target: 0.7, better: 'higher' };
    metrics.events_overhead_ratio = { value: round3(1 - metrics.small_files_per_s.value / metrics.small_files_events_off_per_s.value), unit: 'ratio', target: 0.15, better: 'lower' };
    metrics.requests_per_stat_caching_off = { value: round3(reqPerStat), unit: 'requests', better: 'lower' };

    const result = {
      bench: 'fuse',
      at: new Date().toISOString(),
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version },
      conditions: `stat: ${PROCS} C processes stat() one file for ${SECS} s per figure (native ${Math.min(SECS, 5)} s); caching off = attr_timeout=0, entry_timeout=0 ` +
        `(requests counted in the handlers for the ceiling and the C fs, from the journal for ours; events-off requests = stats × ${round3(reqPerStat)} requests per stat measured with events on); ` +
        `stat_per_s with the shipped options (attrTimeout 1 s, entryTimeout 1 s, kernelCache off, events on, fsync lazy); small files: ${PROCS} C processes, create + 4 KiB write + close, ${SMALL_SECS} s; ` +
        `seq write/read: one 256 MiB file in 1 MiB calls (write then fsync; read after reopen, kernelCache off so pages come from the daemon; native read of the same kind of just-written file, so both read the backing page cache). ` +
        `Events per op in the events-on run: ${JSON.stringify(onEvents)}. Load average at start/end: ${load0} / ${loadavg().map((x) => x.toFixed(1)).join(' ')} (the machine is shared).`,
      metrics,
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/fuse.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const mnt of mounts) { try { execFileSync('fusermount', ['-uz', mnt], { stdio: 'ignore' }); } catch { /* not mounted */ } }
    rmSync(tmp, { recursive: true, force: true });
  }
}

function round3(x: number): number { return Math.round(x * 1000) / 1000; }
