/**
 * FUSE benchmark (metric definitions: ../shared/BENCHMARKS.md, fuse section). All figures in one run:
 * an empty-handler fuse-native mount (the ceiling), a no-op C libfuse 2 mount (the physical limit),
 * our filesystem with events on and off, with its shipped caching options, and the native backing
 * directory. Clients are C processes (bench/c/loadgen.c) compiled with gcc into a temp dir.
 * Usage: tsx bench/fuse.ts [--seconds 10]   (or FUSE_BENCH_SECONDS; FUSE_BENCH_SEQ_MIB, default 256; FUSE_BENCH_DIR,
 *   default the OS temp dir; writes bench/results/fuse.json)
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmitter } from '../src/events/emitter.js';
import { fsPayload } from '../src/events/payloads.js';
import type { EventLog } from '../src/log/event-log.js';
import { openJournal, readJournal } from '../src/log/journal/index.js';
import { mountsAt } from '../src/producers/fuse/mount.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

if (process.argv[2] === 'ceiling-child') {
  // The ceiling: fuse-native with handlers that answer at once (an in-memory namespace so the kernel
  // sends exactly the requests it sends to a real filesystem) and count what they served.
  // argv: ceiling-child <mountpoint> <attrTimeout> <entryTimeout>
  const Fuse = createRequire(import.meta.url)('fuse-native');
  let requests = 0;
  const t = Date.now();
  type St = { mode: number; uid: number; gid: number; size: number; nlink: number; mtime: number; atime: number; ctime: number };
  const dir: St = { mode: 0o40755, uid: 0, gid: 0, size: 4096, nlink: 2, mtime: t, atime: t, ctime: t };
  const file = (size: number): St => ({ mode: 0o100644, uid: 0, gid: 0, size, nlink: 1, mtime: t, atime: t, ctime: t });
  const nodes = new Map<string, St>([['/', dir], ['/f', file(4096)]]);
  type Cb = (...a: any[]) => void;
  const timeout = (v: string): number | string => (v === '0' ? '0' : Number(v));
  const fuse = new Fuse(process.argv[3], {
    getattr(path: string, cb: Cb) { requests++; const st = nodes.get(path); return st ? cb(0, st) : cb(-2); },
    fgetattr(path: string, _fd: number, cb: Cb) { requests++; const st = nodes.get(path); return st ? cb(0, st) : cb(-2); },
    create(path: string, _mode: number, cb: Cb) { requests++; nodes.set(path, file(0)); cb(0, 1); },
    open(_path: string, _flags: number, cb: Cb) { requests++; cb(0, 1); },
    mkdir(path: string, _mode: number, cb: Cb) { requests++; nodes.set(path, dir); cb(0); },
    write(path: string, _fd: number, _buf: Buffer, len: number, pos: number, cb: Cb) {
      requests++;
      const st = nodes.get(path);
      if (st && pos + len > st.size) st.size = pos + len;
      cb(len);
    },
    getxattr(_path: string, _name: string, _pos: number, cb: Cb) { requests++; cb(-61); },
    flush(_path: string, _fd: number, cb: Cb) { requests++; cb(0); },
    release(_path: string, _fd: number, cb: Cb) { requests++; cb(0); },
  }, { attrTimeout: timeout(process.argv[4] ?? '0'), entryTimeout: timeout(process.argv[5] ?? '0'), timeout: false });
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
  const SECS = secsArg > 0 ? Number(process.argv[secsArg + 1]) : Number(process.env.FUSE_BENCH_SECONDS ?? 10);
  if (!(SECS >= 1)) throw new Error(`--seconds / FUSE_BENCH_SECONDS must be a number ≥ 1 (got ${SECS})`);
  const ROUNDS = 3;
  /** Seconds of one round of an interleaved events-on/off comparison (ROUNDS rounds ≈ SECS per figure). */
  const ROUND_SECS = Math.max(1, SECS / ROUNDS);
  const SEQ_MIB = Number(process.env.FUSE_BENCH_SEQ_MIB ?? 256);
  const PROCS = 8;
  // FUSE_BENCH_DIR: where backing directories, journals and mountpoints go (default the OS temp dir;
  // /dev/shm takes a contended disk out of the comparison).
  const tmp = mkdtempSync(join(process.env.FUSE_BENCH_DIR ?? tmpdir(), 'vexfs-bench-fuse-'));
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
  const rate = (r: { n: number; secs: number }): number => r.n / r.secs;
  /** Two loads at the same time, PROCS/2 processes each: both see the same machine at every moment. */
  const sideBySide = async (a: Array<string | number>, b: Array<string | number>): Promise<[{ n: number; secs: number }, { n: number; secs: number }]> => {
    const one = (args: Array<string | number>) => new Promise<{ n: number; secs: number }>((res, rej) => {
      execFile(join(bin, 'loadgen'), args.map(String), { encoding: 'utf8', timeout: 120_000 }, (err, out) => {
        if (err) return rej(err);
        const [n, s] = out.trim().split(' ');
        res({ n: Number(n), secs: Number(s) });
      });
    });
    return Promise.all([one(a), one(b)]);
  };
  const log = (m: string): void => { process.stderr.write(`bench fuse: ${m}\n`); };
  const metrics: Record<string, Metric> = {};
  const children: ChildProcess[] = [];
  const mounts: string[] = [];
  const notes: string[] = [];

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

  async function ceilingMount(name: string, attrTimeout: number, entryTimeout: number) {
    const mnt = join(tmp, name);
    const m = await spawnMount(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/fuse.ts'), 'ceiling-child', mnt, String(attrTimeout), String(entryTimeout)], mnt, (o) => o.includes('READY'));
    return { ...m, mnt, requests: async () => Number(/REQUESTS (\d+)/.exec(await m.stop())?.[1] ?? NaN) };
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
  const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
  /** ROUNDS interleaved rounds of `run` on each target (a, b, a, b, …): per-round rates and their medians. */
  function interleaved(run: (target: string, round: number) => { n: number; secs: number }, a: string, b: string) {
    const ra: number[] = [];
    const rb: number[] = [];
    let na = 0;
    let nb = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const x = run(a, i); ra.push(rate(x)); na += x.n;
      const y = run(b, i); rb.push(rate(y)); nb += y.n;
    }
    return { a: median(ra), b: median(rb), ra, rb, na, nb, ratios: ra.map((v, i) => v / rb[i]!) };
  }
  const fmt = (xs: number[]): string => xs.map((x) => Math.round(x)).join('/');

  try {
    // 1. Ceiling, caching off: empty fuse-native handlers, stat() of one file.
    log('ceiling (empty fuse-native handlers), caching off: stat');
    const ceil = await ceilingMount('ceil', 0, 0);
    const ceilStat = loadgen('stat', join(ceil.mnt, 'f'), SECS, PROCS);
    const ceilReq = await ceil.requests();
    metrics.ceiling_fuse_ops_per_s = { value: Math.round(ceilReq / ceilStat.secs), unit: 'requests/s', better: 'higher' };
    metrics.ceiling_stat_per_s = { value: Math.round(rate(ceilStat)), unit: 'ops/s', better: 'higher' };

    // 2. Ceiling with the caching options VexFS ships (attr/entry 1 s): small files, same client.
    log('ceiling, shipped caching options: small files');
    const ceilS = await ceilingMount('ceil-small', 1, 1);
    const ceilSmall = loadgen('smallfiles', ceilS.mnt, SECS, PROCS);
    const ceilSmallReq = await ceilS.requests();
    metrics.ceiling_small_files_per_s = { value: Math.round(rate(ceilSmall)), unit: 'files/s', better: 'higher' };
    metrics.ceiling_small_files_requests_per_s = { value: Math.round(ceilSmallReq / ceilSmall.secs), unit: 'requests/s', better: 'higher' };
    metrics.ceiling_requests_per_small_file = { value: round3(ceilSmallReq / ceilSmall.n), unit: 'requests', better: 'lower' };

    // 3. The physical limit: a no-op C libfuse 2 filesystem.
    log('no-op C libfuse 2 filesystem');
    const cfs = await spawnMount(join(bin, 'noopfs'), ['-f', '-o', 'attr_timeout=0,entry_timeout=0', join(tmp, 'cfs')], join(tmp, 'cfs'), () => true);
    const cStat = loadgen('stat', join(tmp, 'cfs', 'f'), SECS, PROCS);
    const cReq = Number((await cfs.stop()).trim().split('\n').pop());
    metrics.limit_c_fuse_ops_per_s = { value: Math.round(cReq / cStat.secs), unit: 'requests/s', better: 'higher' };
    metrics.limit_c_stat_per_s = { value: Math.round(rate(cStat)), unit: 'ops/s', better: 'higher' };

    // 4. Ours, caching off, events on and off mounted side by side; stat in interleaved rounds.
    log(`vexfs events on / off, caching off: stat, ${ROUNDS} interleaved rounds`);
    const on = await ourMount('on', { attrTimeout: 0, entryTimeout: 0 });
    const off = await ourMount('off', { attrTimeout: 0, entryTimeout: 0, events: false });
    const st = interleaved((mnt) => loadgen('stat', join(mnt, 'f'), ROUND_SECS, PROCS), on.mnt, off.mnt);
    // The same comparisons with both loads running at once (4 + 4 processes): robust to a machine whose
    // load changes from second to second, which interleaved rounds only average out.
    log('side by side: events on | events off, events on | ceiling (caching off, stat)');
    const ceil2 = await ceilingMount('ceil2', 0, 0);
    const half = PROCS / 2;
    const [rOn, rOff] = await sideBySide(['stat', join(on.mnt, 'f'), SECS, half], ['stat', join(off.mnt, 'f'), SECS, half]);
    const [rOn2, rCeil] = await sideBySide(['stat', join(on.mnt, 'f'), SECS, half], ['stat', join(ceil2.mnt, 'f'), SECS, half]);
    const [sOn, sOff, sOn2, sCeil] = [rate(rOn), rate(rOff), rate(rOn2), rate(rCeil)];
    await ceil2.stop();
    metrics.stat_ratio_to_ceiling_side_by_side = { value: round3(sOn2 / sCeil), unit: 'ratio', better: 'higher' };
    metrics.stat_events_overhead_side_by_side = { value: round3(1 - sOn / sOff), unit: 'ratio', better: 'lower' };
    notes.push(`side by side stat/s: on ${Math.round(sOn)} | off ${Math.round(sOff)}; on ${Math.round(sOn2)} | ceiling ${Math.round(sCeil)}`);
    await on.stop();
    await off.stop();
    const onStatEvents = await countEvents(on.dataDir);
    const reqPerStat = sum(onStatEvents) / (st.na + rOn.n + rOn2.n);
    metrics.fuse_ops_per_s = { value: Math.round(st.a * reqPerStat), unit: 'requests/s', better: 'higher' };
    metrics.stat_events_on_caching_off_per_s = { value: Math.round(st.a), unit: 'ops/s', better: 'higher' };
    metrics.fuse_ops_events_off_per_s = { value: Math.round(st.b * reqPerStat), unit: 'requests/s', better: 'higher' };
    metrics.stat_events_off_caching_off_per_s = { value: Math.round(st.b), unit: 'ops/s', better: 'higher' };
    notes.push(`stat caching off, per round events on/off: ${fmt(st.ra)} / ${fmt(st.rb)} stat/s`);

    // 5. Ours with the shipped caching options, events on and off side by side: stat, small files, sequential I/O.
    log(`vexfs events on / off, shipped caching options: small files, ${ROUNDS} interleaved rounds`);
    const def = await ourMount('defaults', {});
    const defOff = await ourMount('defaults-off', { events: false });
    const defStat = loadgen('stat', join(def.mnt, 'f'), Math.min(SECS, 5), PROCS);
    metrics.stat_per_s = { value: Math.round(rate(defStat)), unit: 'ops/s', target: 50000, better: 'higher' };
    const sm = interleaved((mnt, i) => { mkdirSync(join(mnt, `r${i}`)); return loadgen('smallfiles', join(mnt, `r${i}`), ROUND_SECS, PROCS); }, def.mnt, defOff.mnt);
    metrics.small_files_per_s = { value: Math.round(sm.a), unit: 'files/s', target: 8000, better: 'higher' };
    metrics.small_files_events_off_per_s = { value: Math.round(sm.b), unit: 'files/s', better: 'higher' };
    metrics.small_files_ratio_to_ceiling = { value: round3(sm.a / metrics.ceiling_small_files_per_s.value), unit: 'ratio', better: 'higher' };
    notes.push(`small files per round events on/off: ${fmt(sm.ra)} / ${fmt(sm.rb)} files/s`);
    log('side by side: events on | events off, events on | ceiling (shipped caching, small files)');
    const ceilS2 = await ceilingMount('ceil-small2', 1, 1);
    for (const d of ['s0', 's1']) mkdirSync(join(def.mnt, d));
    mkdirSync(join(defOff.mnt, 's0'));
    const [qOn, qOff] = await sideBySide(['smallfiles', join(def.mnt, 's0'), SECS, half], ['smallfiles', join(defOff.mnt, 's0'), SECS, half]);
    const [qOn2, qCeil] = await sideBySide(['smallfiles', join(def.mnt, 's1'), SECS, half], ['smallfiles', ceilS2.mnt, SECS, half]);
    const [fOn, fOff, fOn2, fCeil] = [rate(qOn), rate(qOff), rate(qOn2), rate(qCeil)];
    await ceilS2.stop();
    metrics.events_overhead_side_by_side = { value: round3(1 - fOn / fOff), unit: 'ratio', better: 'lower' };
    metrics.small_files_ratio_to_ceiling_side_by_side = { value: round3(fOn2 / fCeil), unit: 'ratio', better: 'higher' };
    notes.push(`side by side small files/s: on ${Math.round(fOn)} | off ${Math.round(fOff)}; on ${Math.round(fOn2)} | ceiling ${Math.round(fCeil)}`);
    await def.stop();
    await defOff.stop();
    const defEvents = await countEvents(def.dataDir);
    // Every event of that mount ÷ files made on it: includes the directory set-up (mkdirs and their lookups) and the cached stat phase.
    metrics.requests_per_small_file = { value: round3(sum(defEvents) / (sm.na + qOn.n + qOn2.n)), unit: 'requests', better: 'lower' };

    log('vexfs sequential write/read (shipped options, events on)');
    const seq = await ourMount('seq', {});
    const w = loadgen('seqwrite', join(seq.mnt, 'big'), SEQ_MIB);
    metrics.seq_write_mb_s = { value: Math.round(w.n / 1048576 / w.secs), unit: 'MB/s', better: 'higher' };
    const r = loadgen('seqread', join(seq.mnt, 'big'));
    metrics.seq_read_mb_s = { value: Math.round(r.n / 1048576 / r.secs), unit: 'MB/s', target: 300, better: 'higher' };
    await seq.stop();
    const seqEvents = await countEvents(seq.dataDir);
    metrics.write_requests_per_mib = { value: round3((seqEvents.write ?? 0) / SEQ_MIB), unit: 'requests', better: 'lower' };

    // 6. What one fs event costs the JS thread (the part of every request that events off saves):
    // emitter (stamp, Avro encode, SHA-256 chain) with and without the journal's write(2).
    log('event cost (emitter + journal, in process)');
    {
      const N = 100_000;
      const payload = (i: number) => fsPayload({ path: '/p0/f1', path2: null, ino: i, fd: -1, offset: 0, size: 0, result: 0, errno: 0, latencyUs: 12, mode: null, name: null, contentHash: null, uid: 0, gid: 0, pid: 1 });
      const time = (em: ReturnType<typeof createEmitter>): number => {
        const t0 = performance.now();
        for (let i = 0; i < N; i++) em.emit({ kind: 'fs', op: 'getattr', key: '/p0/f1', payload: payload(i) });
        return ((performance.now() - t0) * 1000) / N;
      };
      // as the mount emits: deferred appends, 8 per event-loop turn (8 client processes), each group awaited
      const timeGrouped = async (em: ReturnType<typeof createEmitter>): Promise<number> => {
        const t0 = performance.now();
        for (let i = 0; i < N; i += 8) {
          for (let k = i; k < i + 8; k++) em.emit({ kind: 'fs', op: 'getattr', key: '/p0/f1', payload: payload(k) }, true);
          await em.durable();
        }
        return ((performance.now() - t0) * 1000) / N;
      };
      const noWrite = { tail: () => ({ seq: 0, hash: Buffer.alloc(32) }), append() {}, strict: false, flush: async () => {} } as unknown as EventLog;
      const jl = await openJournal({ dir: join(tmp, 'emit-journal'), fsync: 'lazy' });
      const withJournal: number[] = [];
      const withoutWrite: number[] = [];
      const grouped: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        withoutWrite.push(time(createEmitter({ node: 'bench', log: noWrite, validate: false })));
        withJournal.push(time(createEmitter({ node: 'bench', log: jl, validate: false })));
        grouped.push(await timeGrouped(createEmitter({ node: 'bench', log: jl, validate: false })));
      }
      await jl.close();
      metrics.event_emit_grouped_us = { value: round3(median(grouped)), unit: 'µs/event', better: 'lower' };
      metrics.event_emit_us = { value: round3(median(withJournal)), unit: 'µs/event', better: 'lower' };
      metrics.event_emit_without_write_us = { value: round3(median(withoutWrite)), unit: 'µs/event', better: 'lower' };
    }

    // 7. The native backing directory.
    log('native directory');
    const nat = join(tmp, 'native');
    mkdirSync(nat);
    writeFileSync(join(nat, 'f'), Buffer.alloc(4096, 'f'));
    const natStat = loadgen('stat', join(nat, 'f'), Math.min(SECS, 5), PROCS);
    metrics.native_stat_per_s = { value: Math.round(rate(natStat)), unit: 'ops/s', better: 'higher' };
    const natSmall = loadgen('smallfiles', nat, Math.min(SECS, 5), PROCS);
    metrics.native_small_files_per_s = { value: Math.round(rate(natSmall)), unit: 'files/s', better: 'higher' };
    const nw = loadgen('seqwrite', join(nat, 'big'), SEQ_MIB);
    metrics.native_seq_write_mb_s = { value: Math.round(nw.n / 1048576 / nw.secs), unit: 'MB/s', better: 'higher' };
    const nr = loadgen('seqread', join(nat, 'big'));
    metrics.native_seq_read_mb_s = { value: Math.round(nr.n / 1048576 / nr.secs), unit: 'MB/s', better: 'higher' };

    metrics.stat_ratio_to_ceiling = { value: round3(metrics.fuse_ops_per_s.value / metrics.ceiling_fuse_ops_per_s.value), unit: 'ratio', target: 0.7, better: 'higher' };
    metrics.stat_events_off_ratio_to_ceiling = { value: round3(metrics.fuse_ops_events_off_per_s.value / metrics.ceiling_fuse_ops_per_s.value), unit: 'ratio', better: 'higher' };
    metrics.events_overhead_ratio = { value: round3(1 - median(sm.ratios)), unit: 'ratio', target: 0.15, better: 'lower' };
    metrics.stat_events_overhead_ratio = { value: round3(1 - median(st.ratios)), unit: 'ratio', better: 'lower' };
    metrics.requests_per_stat_caching_off = { value: round3(reqPerStat), unit: 'requests', better: 'lower' };

    const result = {
      bench: 'fuse',
      at: new Date().toISOString(),
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version },
      conditions: `${PROCS} C client processes (bench/c/loadgen.c) for every figure. Ceiling = fuse-native with empty handlers over an in-memory namespace (requests counted in the handlers). ` +
        `stat: one file, ${SECS} s per figure (native and shipped-options ${Math.min(SECS, 5)} s); caching off = attr_timeout=0, entry_timeout=0; ` +
        `ours events on and off mounted side by side and measured in ${ROUNDS} interleaved rounds of ${round3(ROUND_SECS)} s (median; requests = stats × ${round3(reqPerStat)} requests per stat counted from the events-on journal). ` +
        `stat_per_s with the shipped options (attrTimeout 1 s, entryTimeout 1 s, kernelCache off, events on, fsync lazy). ` +
        `Small files (create + 4 KiB write + close, each process in its own directory) with the shipped caching options, on the ceiling (attr/entry 1 s, ${SECS} s) and on ours events on/off in ${ROUNDS} interleaved rounds (median); ` +
        `events_overhead_ratio = 1 − median of the per-round on/off ratios. ` +
        `*_side_by_side: the two loads run at the same time, ${PROCS / 2} processes each, ${SECS} s (small files: each load in a fresh directory). ` +
        `Sequential: one ${SEQ_MIB} MiB file in 1 MiB calls on a fresh shipped-options mount (events on) (write then fsync; read after reopen, kernelCache off so pages come from the daemon; native reads the same kind of just-written file from the page cache). ` +
        `${notes.join('; ')}. Events per op: small-files mount ${JSON.stringify(defEvents)}; sequential mount ${JSON.stringify(seqEvents)}; caching-off stat mount ${JSON.stringify(onStatEvents)}. ` +
        `event_emit_us: ${ROUNDS} × 100,000 fs events through createEmitter (validate off, as the mount) into a lazy journal in the same directory, median; without_write: the same emitter over a log whose append does nothing; grouped: deferred appends as the mount makes them, 8 per event-loop turn, each group's write awaited. ` +
        `Directories under ${process.env.FUSE_BENCH_DIR ?? tmpdir()}. Load average at start/end: ${load0} / ${loadavg().map((x) => x.toFixed(1)).join(' ')} (the machine is shared).`,
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
