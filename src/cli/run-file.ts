import { existsSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../infra/process-util.js';

/** What a running `vexfs up` publishes in `<dataDir>/run.json` (mode 0600) so other commands can reach it. */
export interface RunInfo {
  pid: number;
  api: string;
  token: string;
  mountpoint: string;
  backing: string;
  dataDir: string;
  mode: 'embedded' | 'broker';
  startedAt: string;
}

export const runFile = (dataDir: string) => join(dataDir, 'run.json');

export function writeRunInfo(info: RunInfo, extraPath?: string): void {
  const text = JSON.stringify(info, null, 2);
  for (const p of [runFile(info.dataDir), ...(extraPath ? [extraPath] : [])]) {
    writeFileSync(`${p}.tmp`, text, { mode: 0o600 });
    renameSync(`${p}.tmp`, p);
  }
}

/** The running daemon of this data dir, or null (a stale file of a dead process is ignored). */
export function readRunInfo(dataDir: string): RunInfo | null {
  const f = runFile(dataDir);
  if (!existsSync(f)) return null;
  try {
    const info = JSON.parse(readFileSync(f, 'utf8')) as RunInfo;
    return alive(info.pid) ? info : null;
  } catch { return null; }
}

export function removeRunInfo(dataDir: string): void {
  rmSync(runFile(dataDir), { force: true });
}
