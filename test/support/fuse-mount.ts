import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJournal } from '../../src/log/journal/index.js';
import type { VexEvent, FsPayload } from '../../src/events/types.js';
import type { RunMountOptions } from '../../src/producers/fuse/options.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = join(ROOT, 'test/support/fuse-mount-child.ts');

/** A mount served by a child process (never by the test process itself). */
export interface TestMount {
  dir: string;
  backing: string;
  mountpoint: string;
  dataDir: string;
  child: ChildProcess;
  log(): string;
  /** SIGTERM (clean unmount after flushing the journal), SIGKILL after graceMs; always leaves nothing mounted. */
  stop(graceMs?: number): Promise<number | null>;
  /** kill -9, leaving the stale mount behind (what a crash does). */
  kill9(): Promise<void>;
  /** Every event in the journal, in seq order. */
  events(): Promise<VexEvent[]>;
}

/** Unmounts whatever is at `mp` (lazy), ignoring "not mounted". */
export function forceUnmount(mp: string): void {
  for (const cmd of [['fusermount', '-uz', mp], ['umount', '-l', mp]] as const) {
    try { execFileSync(cmd[0], cmd.slice(1), { stdio: 'ignore', timeout: 10_000 }); return; } catch { /* next */ }
  }
}

/** Starts a mount child over fresh temp dirs (or the given ones) and waits (bounded) for READY. */
export async function startMount(opts: Partial<RunMountOptions> & { dir?: string } = {}, timeoutMs = 30_000): Promise<TestMount> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vexfs-fuse-'));
  const backing = opts.backing ?? join(dir, 'backing');
  const mountpoint = opts.mountpoint ?? join(dir, 'mnt');
  const dataDir = opts.dataDir ?? join(dir, 'data');
  mkdirSync(backing, { recursive: true });
  const { dir: _d, ...rest } = opts;
  const runOpts = { ...rest, backing, mountpoint, dataDir, node: opts.node ?? 'test-node' };
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(runOpts)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`mount not ready in ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
    const check = (): void => { if (out.includes('READY')) { clearTimeout(t); resolve(); } };
    child.stdout!.on('data', check);
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`mount child exited ${code}:\n${out}`)); });
  });
  let gone = false;
  void exited.then(() => { gone = true; });
  return {
    dir, backing, mountpoint, dataDir, child,
    log: () => out,
    async stop(graceMs = 15_000) {
      if (!gone) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        forceUnmount(mountpoint);
        return code;
      }
      forceUnmount(mountpoint);
      return child.exitCode;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async events() {
      const all: VexEvent[] = [];
      if (!existsSync(dataDir)) return all;
      for await (const batch of readJournal(dataDir)) for (const e of batch) all.push(e.event);
      return all;
    },
  };
}

/** The fs events of a journal as [op, path, errno] triples. */
export function fsTriples(events: VexEvent[]): Array<[string, string, number]> {
  return events.filter((e) => e.kind === 'fs').map((e) => [e.op, (e.payload as FsPayload).path, (e.payload as FsPayload).errno]);
}

/** Removes a test's temp tree once nothing is mounted in it. */
export function removeTree(dir: string): void {
  try { rmSync(dir, { recursive: true, force: true }); } catch { /* a lazily detached mount may still hold it */ }
}

