import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { decodeEmbedding, sharedBufferPool } from '../../producers/vector/index.js';
import { runSql, type SqlFormat } from '../../sinks/clickhouse/run-sql.js';
import { readJournal } from '../../log/journal/index.js';
import { readKafkaTopic } from '../../log/kafka/index.js';
import { eventToJson } from '../../api/event-json.js';
import type { VexEvent } from '../../events/types.js';
import { action, configFrom, type GlobalOptions } from '../context.js';
import { daemonClient } from '../daemon-client.js';
import { readRunInfo } from '../run-file.js';
import { journalDir, storeConfig } from '../compose.js';
import { color, printTable } from '../output.js';

interface Remote { url?: string; token?: string }
const remoteOptions = (c: Command) => c.option('--url <url>', 'API of a running VexFS (default: the one serving the data dir)').option('--token <token>', 'API token (default: from the run file, or $VEXFS_TOKEN)');

/** status, tail, sql, search, collections: the commands that read or query data. */
export function register(program: Command): void {
  const g = () => program.opts<GlobalOptions>();

  remoteOptions(program.command('status').description('health, readiness, event rates, backlog and lags of the running VexFS'))
    .action(action(async (o: Remote) => {
      const cfg = configFrom(g());
      const { client, info } = daemonClient(cfg, o);
      const [health, ready, stats] = await Promise.all([client.health(), client.ready(), client.stats()]);
      if (g().json) { console.log(JSON.stringify({ info, health, ready, stats }, null, 2)); return; }
      console.log(`${color.bold('VexFS')} ${info?.mode ?? ''} · pid ${info?.pid ?? '?'} · up ${Math.round(health.uptimeSec)} s · ${ready.ready ? color.green('ready') : color.red('NOT ready')}`);
      if (info?.mountpoint) console.log(`mount ${info.mountpoint} · api ${info.api}`);
      printTable(ready.checks.map((c) => ({ check: c.name, ok: c.ok ? 'ok' : 'FAIL', detail: c.detail ?? '' })));
      console.log('');
      printTable(Object.keys(stats.totals).map((k) => ({ kind: k, 'events/s': stats.rates[k] ?? 0, total: stats.totals[k] })));
      console.log(`backlog ${JSON.stringify(stats.backlog)} · lags ${JSON.stringify(stats.lags)}`);
      if (stats.topPaths.length) { console.log(''); printTable(stats.topPaths.map((p) => ({ 'top path': p.path, events: p.count }))); }
    }));

  program.command('tail')
    .description('print events as they happen, decoded (from the journal, or from Kafka with --kafka)')
    .option('--from <seq>', 'start at this seq (journal) instead of the end', (v) => Number(v))
    .option('--from-beginning', 'start at the oldest event')
    .option('--kind <kinds>', 'only these kinds, comma-separated (fs,vector,semantic,system)')
    .option('--op <ops>', 'only these ops, comma-separated')
    .option('--prefix <prefix>', 'only events whose key (path or collection) starts with this')
    .option('--kafka', 'read the Kafka topics (broker mode) instead of the journal')
    .option('-n, --limit <n>', 'stop after n events', (v) => Number(v))
    .option('--no-follow', 'stop at the current end')
    .action(action(async (o: { from?: number; fromBeginning?: boolean; kind?: string; op?: string; prefix?: string; kafka?: boolean; limit?: number; follow: boolean }) => {
      const cfg = configFrom(g());
      const kinds = o.kind ? new Set(o.kind.split(',')) : null;
      const ops = o.op ? new Set(o.op.split(',')) : null;
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      const keep = (ev: VexEvent) => (!kinds || kinds.has(ev.kind)) && (!ops || ops.has(ev.op)) && (!o.prefix || ev.key.startsWith(o.prefix));
      let shown = 0;
      const source = o.kafka
        ? readKafkaTopic({ brokers: cfg.kafka.brokers, topics: ['fs', 'vector', 'semantic', 'system'].filter((k) => !kinds || kinds.has(k)).map((k) => `${cfg.kafka.topicPrefix}.${k}.v1`), follow: o.follow, signal: ac.signal })
        : readJournal(journalDir(cfg), { from: o.fromBeginning ? 1 : o.from ?? (await lastSeq(journalDir(cfg))) + 1, follow: o.follow, signal: ac.signal });
      for await (const batch of source as AsyncIterable<Array<{ event: VexEvent }>>) {
        for (const { event } of batch) {
          if (!keep(event)) continue;
          console.log(g().json ? JSON.stringify(eventToJson(event)) : line(event));
          if (o.limit && ++shown >= o.limit) { ac.abort(); return; }
        }
        if (ac.signal.aborted) return;
      }
    }));

  program.command('sql')
    .description('run a SQL query against the analytics store (through the running VexFS, or directly when none runs)')
    .argument('<query>', 'the SQL; tables are described in docs/sql.md')
    .option('-f, --format <format>', 'table | csv | json', 'table')
    .option('--url <url>', 'API of a running VexFS').option('--token <token>', 'API token')
    .action(action(async (query: string, o: Remote & { format: SqlFormat }) => {
      const cfg = configFrom(g());
      const format: SqlFormat = g().json ? 'json' : o.format;
      if (o.url || readRunInfo(cfg.dataDir)) {
        // chDB allows one process per data dir, so while `vexfs up` holds it the query goes through its API.
        const { client } = daemonClient(cfg, o);
        const r = await client.sql(query);
        if (format === 'json') console.log(JSON.stringify(r.rows, null, 2));
        else if (format === 'csv') { console.log(r.columns.map((c) => c.name).join(',')); for (const row of r.rows) console.log(r.columns.map((c) => csv(row[c.name])).join(',')); }
        else printTable(r.rows);
        return;
      }
      process.stdout.write(await runSql(query, { format }, storeConfig(cfg)));
    }));

  remoteOptions(program.command('search')
    .description('find the stored vectors nearest to a file, a vector or a text')
    .argument('[collection]', 'collection (default: the file collection)')
    .option('--id <id>', 'the vector stored under this id (a file path for file embeddings)')
    .option('--text <text>', 'a text, embedded with the demo hashing embedding')
    .option('--vector <json>', 'a JSON array of numbers')
    .option('--vector-file <file>', 'float32 little-endian bytes')
    .option('-k <k>', 'results', (v) => Number(v), 10)
    .option('--ef <ef>', 'HNSW ef', (v) => Number(v))
    .option('--prefix <prefix>', 'only ids starting with this'))
    .action(action(async (collection: string | undefined, o: Remote & { id?: string; text?: string; vector?: string; vectorFile?: string; k: number; ef?: number; prefix?: string }) => {
      const cfg = configFrom(g());
      const { client } = daemonClient(cfg, o);
      const name = collection ?? cfg.vector.defaultCollection;
      const params = { k: o.k, ef: o.ef, prefix: o.prefix };
      const query = o.id ? { id: o.id, ...params }
        : o.text ? { text: o.text, ...params }
        : o.vector ? { vector: JSON.parse(o.vector) as number[], ...params }
        : o.vectorFile ? { vector: Array.from(decodeEmbedding(readFileSync(o.vectorFile), null, sharedBufferPool())), ...params }
        : null;
      if (!query) throw new Error('give one of --id, --text, --vector or --vector-file');
      const r = await client.search(name, query);
      if (g().json) console.log(JSON.stringify(r, null, 2));
      else printTable(r.hits.map((h, i) => ({ rank: i + 1, id: h.id, distance: Number(h.distance.toFixed(6)) })));
    }));

  const coll = program.command('collections').description('list, describe, create and drop vector collections');
  remoteOptions(coll.command('list', { isDefault: true }).description('list collections')).action(action(async (o: Remote) => {
    const { client } = daemonClient(configFrom(g()), o);
    const list = await client.listCollections();
    if (g().json) console.log(JSON.stringify(list, null, 2));
    else printTable(list.map((c) => ({ name: c.name, dim: c.dim, metric: c.metric, count: (c as { count?: number }).count ?? '', M: c.M ?? '', ef: c.ef ?? '' })));
  }));
  remoteOptions(coll.command('create').argument('<name>').requiredOption('--dim <dim>', 'dimension', (v) => Number(v))
    .option('--metric <metric>', 'l2 | cosine | ip', 'cosine').option('--M <M>', 'HNSW M', (v) => Number(v)).option('--ef-construction <n>', 'HNSW efConstruction', (v) => Number(v))
    .option('--ef <ef>', 'default search ef', (v) => Number(v))).action(action(async (name: string, o: Remote & { dim: number; metric: 'l2' | 'cosine' | 'ip'; M?: number; efConstruction?: number; ef?: number }) => {
      const { client } = daemonClient(configFrom(g()), o);
      const info = await client.createCollection({ name, dim: o.dim, metric: o.metric, M: o.M, efConstruction: o.efConstruction, ef: o.ef });
      console.log(g().json ? JSON.stringify(info) : `created ${info.name} (dim ${info.dim}, ${info.metric})`);
    }));
  remoteOptions(coll.command('describe').argument('<name>')).action(action(async (name: string, o: Remote) => {
    const { client } = daemonClient(configFrom(g()), o);
    console.log(JSON.stringify(await client.describeCollection(name), null, 2));
  }));
  remoteOptions(coll.command('drop').argument('<name>')).action(action(async (name: string, o: Remote) => {
    const { client } = daemonClient(configFrom(g()), o);
    await client.dropCollection(name);
    console.log(`dropped ${name}`);
  }));
}

async function lastSeq(dir: string): Promise<number> {
  let last = 0;
  for await (const batch of readJournal(dir, { from: 1 })) last = batch[batch.length - 1]?.event.seq ?? last;
  return last;
}

function csv(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One readable line per event. */
function line(ev: VexEvent): string {
  const t = new Date(ev.ts / 1000).toISOString().slice(11, 23);
  const p = ev.payload as unknown as Record<string, unknown>;
  let detail = '';
  if (ev.kind === 'fs') detail = `${p.path}${p.path2 ? ` → ${p.path2}` : ''} ${p.errno ? color.red(`errno ${p.errno}`) : `= ${p.result}`} ${p.latencyUs}µs pid ${p.pid}`;
  else if (ev.kind === 'vector') detail = `${p.collection} ids=${(p.ids as string[]).slice(0, 3).join(',')}${p.errorCode ? color.red(` ${p.errorCode}`) : ''} ${p.latencyUs}µs`;
  else if (ev.kind === 'semantic') detail = p.type === 'anomaly' ? color.yellow(`${p.anomalyType} ${p.severity} score ${Number(p.score).toFixed(2)} ${p.dimension}=${p.group}`) : `${p.type} ${p.dimension}=${p.group} n=${p.count}`;
  else detail = `${p.type} ${p.message}`;
  return `${color.dim(t)} ${String(ev.seq).padStart(7)} ${ev.kind.padEnd(8)} ${ev.op.padEnd(12)} ${detail}`;
}
