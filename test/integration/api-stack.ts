/** The API over real parts (journal, vector service, chDB, live hub fed by a journal follow), for the API integration tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnomalyFeed } from '../../src/api/anomaly-feed.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { createEventStats } from '../../src/api/event-stats.js';
import { createLiveHub, pumpLogIntoHub, type LiveHub } from '../../src/api/live-hub.js';
import { startApiServer, type RunningApi } from '../../src/api/server.js';
import { sqlPortFromStore, storeReadiness } from '../../src/api/sql-port.js';
import { hashEmbedding } from '../../src/demo/hash-embedding.js';
import { createEmitter, type Emitter } from '../../src/events/emitter.js';
import { openJournal, type Journal } from '../../src/log/journal/index.js';
import { createVectorService, type VectorService } from '../../src/producers/vector/index.js';
import { openStore } from '../../src/sinks/clickhouse/open-store.js';
import type { ClickhouseStore } from '../../src/sinks/clickhouse/store.js';

export const TOKENS = { 'admin-token-0001': 'admin', 'viewer-token-0001': 'viewer', 'operator-token-01': 'operator' } as const;

export interface ApiStack {
  api: RunningApi;
  dir: string;
  journal: Journal;
  emitter: Emitter;
  vectors: VectorService;
  hub: LiveHub;
  store: ClickhouseStore | null;
  close(): Promise<void>;
}

/** Starts the stack in a fresh temp dir; `sql: true` also opens chDB there (slower: the engine loads). */
export async function startApiStack(opts: { sql?: boolean } = {}): Promise<ApiStack> {
  const dir = mkdtempSync(join(process.env.VEXFS_TEST_WORK ?? tmpdir(), 'vexfs-api-'));
  const quiet = { info() {}, warn() {} };
  const journal = await openJournal({ dir: join(dir, 'journal'), log: quiet });
  const emitter = createEmitter({ node: 'api-it', log: journal });
  const vectors = await createVectorService({ emitter, dataDir: dir, log: journal });
  const hub = createLiveHub();
  // everything appended to the journal reaches the live stream, whichever emitter wrote it
  const pump = new AbortController();
  const pumping = pumpLogIntoHub(journal, hub, { signal: pump.signal });
  const stats = createEventStats(hub, { backlog: () => ({ journalUnshipped: journal.tail().seq - journal.shippedSeq }) });
  const anomalies = createAnomalyFeed(hub);
  const store = opts.sql ? await openStore({ dataDir: dir }, { migrate: true }) : null;
  const deps: ApiDeps = {
    vectors, events: hub, stats, anomalies,
    readiness: [
      { name: 'journal', check: async () => ({ ok: true, detail: `seq ${journal.tail().seq}` }) },
      ...(store ? [storeReadiness('clickhouse', store)] : []),
    ],
    embedText: (text, dim) => hashEmbedding(text, dim),
    config: () => ({ dataDir: dir, api: { tokens: TOKENS } }),
    ...(store ? { sql: sqlPortFromStore(store) } : {}),
  };
  const api = await startApiServer(deps, { port: 0, tokens: { ...TOKENS } });
  return {
    api, dir, journal, emitter, vectors, hub, store,
    async close() {
      await api.close();
      pump.abort();
      await pumping.catch(() => {});
      stats.close();
      anomalies.close();
      await vectors.close();
      await store?.close();
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
