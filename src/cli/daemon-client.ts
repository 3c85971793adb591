import type { VexfsConfig } from '../config/config.js';
import { createClient, type VexfsClient } from '../client/index.js';
import { ErrorCodes, VexfsError } from '../errors.js';
import { readRunInfo, type RunInfo } from './run-file.js';

/** A client for the `vexfs up` serving this data dir (its URL and token come from <dataDir>/run.json). */
export function daemonClient(cfg: VexfsConfig, opts: { url?: string; token?: string } = {}): { client: VexfsClient; info: RunInfo | null } {
  const info = readRunInfo(cfg.dataDir);
  const url = opts.url ?? info?.api;
  if (!url) {
    throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, `no running VexFS for data dir ${cfg.dataDir}: start it with \`npm start\` (or \`vexfs up\`), or pass --url and --token`, { retriable: true, context: { dataDir: cfg.dataDir } });
  }
  return { client: createClient({ url, token: opts.token ?? process.env.VEXFS_TOKEN ?? info?.token }), info };
}
