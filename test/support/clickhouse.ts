import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClickhouseServer, type ClickhouseServer } from '../../src/infra/clickhouse-server.js';
import { fsPayload, semanticPayload, systemPayload, vectorPayload } from '../../src/events/payloads.js';
import type { Kind, VexEvent } from '../../src/events/types.js';
import { randomName } from './kafka.js';

/**
 * Test access to ClickHouse: CLICKHOUSE_URL when set (scripts/test.sh starts one server
 * per run), otherwise a Debian clickhouse-server started for this test file; and one chDB
 * data directory per test process (chDB allows one per process).
 */
let own: ClickhouseServer | undefined;

export async function testClickhouseUrl(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.CLICKHOUSE_URL) return { url: process.env.CLICKHOUSE_URL, stop: async () => {} };
  own ??= await startClickhouseServer();
  const s = own;
  return { url: s.url, stop: async () => { await s.stop(); own = undefined; } };
}

let chdbDir: string | undefined;
/** The chDB data directory of this test process (a temp dir, made once). */
export function testDataDir(): string {
  chdbDir ??= mkdtempSync(join(process.env.VEXFS_TEST_WORK ?? tmpdir(), 'vexfs-chdb-'));
  return chdbDir;
}

/** A random database name, so runs never collide. */
export function randomDb(prefix = 'vexfs_t'): string {
  return randomName(prefix).replace(/[^A-Za-z0-9_]/g, '_');
}

/** A deterministic UUID (version 7 layout) from a seed and an index. */
export function detUuid(seed: string, i: number): string {
  const h = createHash('sha256').update(`${seed}:${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-${'89ab'[Number.parseInt(h[16]!, 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const BASE_US = 1_764_064_800_000_000; // 2025-11-25T10:00:00Z
const OPS = ['getattr', 'read', 'write', 'open', 'readdir', 'create', 'unlink', 'rename'];

/** Event number `i` of a fixed, deterministic stream (fs mostly, some vector, semantic and system). */
export function makeEvent(seed: string, i: number, node = 'n1', baseUs = BASE_US): VexEvent {
  const id = detUuid(seed, i);
  const ts = baseUs + i * 1000;
  const m = i % 20;
  const kind: Kind = m < 14 ? 'fs' : m < 17 ? 'vector' : m < 19 ? 'semantic' : 'system';
  const base = { id, node, seq: i + 1, ts, kind, prevHash: Buffer.alloc(32), hash: Buffer.alloc(32) };
  if (kind === 'fs') {
    const op = OPS[i % OPS.length]!;
    const failed = i % 37 === 0;
    return { ...base, op, priority: 'normal', key: `/d${i % 7}/f${i % 50}.txt`, payload: fsPayload({ path: `/d${i % 7}/f${i % 50}.txt`, size: 4096, result: failed ? -2 : op === 'read' || op === 'write' ? 4096 : 0, errno: failed ? 2 : 0, latencyUs: 20 + (i % 100) * 3, uid: 1000 + (i % 3), pid: 4000 + (i % 5) }) };
  }
  if (kind === 'vector') {
    const op = i % 2 ? 'search' : 'upsert';
    return { ...base, op, priority: 'normal', key: 'docs', payload: vectorPayload({ collection: 'docs', ids: [`v${i}`], dim: 4, metric: 'cosine', k: op === 'search' ? 3 : 0, resultIds: op === 'search' ? ['a', "b'q", 'c\td'] : [], distances: op === 'search' ? [0.1, 0.2, 0.3] : [], latencyUs: 50 + (i % 10) }) };
  }
  if (kind === 'semantic') {
    const anomaly = m === 17;
    return { ...base, op: anomaly ? 'anomaly' : 'window', priority: anomaly ? 'critical' : 'bulk', key: 'op:write', payload: semanticPayload(anomaly
      ? { type: 'anomaly', dimension: 'op', group: 'write', windowStart: ts - 10_000_000, windowEnd: ts, anomalyType: 'latency_spike', severity: i % 3 ? 'warning' : 'critical', score: 4.2, topPaths: ['/d1/f1.txt'], evidence: { baseline: '20', note: 'tab\there' } }
      : { type: 'window', dimension: 'op', group: 'write', windowStart: ts - 10_000_000, windowEnd: ts, count: 100, errors: 1, bytes: 4096, rate: 10, latencyP50Us: 20, latencyP95Us: 40, latencyP99Us: 80 }) };
  }
  return { ...base, op: 'checkpoint', priority: 'critical', key: 'system', payload: systemPayload({ type: 'checkpoint', message: 'line1\nline2', attrs: { k: 'v' }, checkpointSeq: i }) };
}

/** Events [from, to) of the stream. */
export function makeEvents(seed: string, from: number, to: number, node = 'n1', baseUs = BASE_US): VexEvent[] {
  const out: VexEvent[] = [];
  for (let i = from; i < to; i++) out.push(makeEvent(seed, i, node, baseUs));
  return out;
}
