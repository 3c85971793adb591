import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnService, stopPid, waitUntil } from './process-util.js';

/**
 * Runs Debian's `clickhouse-server` (18.16 here) without systemd: a copy of the stock
 * config with free ports and every path moved into one directory, started detached,
 * ready once `SELECT 1` answers over HTTP, stopped by pid.
 */

export interface ClickhouseServer {
  /** HTTP URL for clients, e.g. http://127.0.0.1:41234 */
  url: string;
  pid: number;
  /** Directory holding config, data and logs. */
  dir: string;
  stop(): Promise<void>;
}

export interface ClickhouseServerOptions {
  /** Working directory for config, data and logs; default a new temp dir. Reusing one keeps the data. */
  dir?: string;
  /** HTTP port; default a free port. */
  httpPort?: number;
  /** Server binary; default /usr/sbin/clickhouse-server. */
  binary?: string;
  /** Stock config to copy; default /etc/clickhouse-server/config.xml. */
  stockConfig?: string;
  /** Bounded wait for readiness; default 30 s. */
  readyTimeoutMs?: number;
}

/** Starts a server on 127.0.0.1 and resolves once it answers `SELECT 1`. */
export async function startClickhouseServer(opts: ClickhouseServerOptions = {}): Promise<ClickhouseServer> {
  const binary = opts.binary ?? '/usr/sbin/clickhouse-server';
  const stock = opts.stockConfig ?? '/etc/clickhouse-server/config.xml';
  if (!existsSync(binary)) throw new Error(`ClickHouse server binary ${binary} not found (install Debian's clickhouse-server, see scripts/setup.sh)`);
  if (!existsSync(stock)) throw new Error(`stock ClickHouse config ${stock} not found`);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vexfs-clickhouse-'));
  for (const d of ['data', 'data/tmp', 'data/user_files', 'data/format_schemas', 'log']) mkdirSync(join(dir, d), { recursive: true });
  const httpPort = opts.httpPort ?? (await freePort());
  const tcpPort = await freePort();
  const interPort = await freePort();
  const data = join(dir, 'data') + '/';
  const config = readFileSync(stock, 'utf8')
    .replace(/<http_port>\d+<\/http_port>/, `<http_port>${httpPort}</http_port>`)
    .replace(/<tcp_port>\d+<\/tcp_port>/, `<tcp_port>${tcpPort}</tcp_port>`)
    .replace(/<interserver_http_port>\d+<\/interserver_http_port>/, `<interserver_http_port>${interPort}</interserver_http_port>`)
    // listen on loopback only; the stock file leaves listen_host to the built-in default
    .replace(/<max_connections>/, '<listen_host>127.0.0.1</listen_host>\n    <max_connections>')
    .replaceAll('/var/lib/clickhouse/', data)
    .replaceAll('/var/log/clickhouse-server/', join(dir, 'log') + '/')
    // 10 GB x2 caches by default: keep a test server small
    .replace(/<uncompressed_cache_size>\d+</, '<uncompressed_cache_size>268435456<')
    .replace(/<mark_cache_size>\d+</, '<mark_cache_size>268435456<');
  writeFileSync(join(dir, 'config.xml'), config);
  const users = join(stock, '..', 'users.xml');
  if (existsSync(users)) copyFileSync(users, join(dir, 'users.xml'));
  const child = spawnService(binary, [`--config-file=${join(dir, 'config.xml')}`], join(dir, 'log', 'stdout.log'));
  const pid = child.pid!;
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = () => stopPid(pid, 15_000);
  try {
    await waitUntil(`ClickHouse server at ${url} (logs: ${join(dir, 'log')})`, async () => {
      if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
      const res = await fetch(`${url}/?query=SELECT%201`, { signal: AbortSignal.timeout(2000) });
      return res.ok && (await res.text()).trim() === '1';
    }, opts.readyTimeoutMs ?? 30_000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid, dir, stop };
}
