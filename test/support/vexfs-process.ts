import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, waitUntil } from '../../src/infra/process-util.js';
import type { RunInfo } from '../../src/cli/run-file.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What `vexfs up --ready-file` writes once every part is serving (the daemon's run file). */
export type ReadyInfo = RunInfo;

/** A `vexfs <args>` child process (own process group), its log in `logFile`. */
export interface VexfsChild {
  child: ChildProcess;
  logFile: string;
  log(): string;
  /** SIGINT (graceful), then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export function spawnVexfs(args: string[], opts: { env?: NodeJS.ProcessEnv; logFile: string; cwd?: string }): VexfsChild {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, ['--import', `file://${join(ROOT, 'node_modules/tsx/dist/loader.mjs')}`, join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: opts.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', fd, fd], detached: true,
  });
  closeSync(fd);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => { exitCode = code; r(code); }));
  return {
    child,
    logFile: opts.logFile,
    log: () => (existsSync(opts.logFile) ? readFileSync(opts.logFile, 'utf8') : ''),
    async stop(graceMs = 20_000) {
      if (exitCode !== undefined) return exitCode;
      try { process.kill(child.pid!, 'SIGINT'); } catch { /* gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Waits (bounded) until the child wrote its ready file; fails early with the log if it died. */
export async function waitReady(c: VexfsChild, readyFile: string, timeoutMs = 90_000): Promise<ReadyInfo> {
  await waitUntil(`vexfs ready file ${readyFile}`, async () => {
    if (!alive(c.child.pid!) || c.child.exitCode !== null) throw new Error(`vexfs exited early:\n${c.log().slice(-4000)}`);
    return existsSync(readyFile);
  }, timeoutMs, 250);
  return JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyInfo;
}
