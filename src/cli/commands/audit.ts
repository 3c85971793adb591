import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { join } from 'node:path';
import { runAuditVerify, runAuditHistory, runAuditLs, runAuditStat, runAuditCat, runAuditExport, type AuditSource } from '../../audit/index.js';
import { runReplay } from '../../replay/index.js';
import type { VexfsConfig } from '../../config/config.js';
import { action, configFrom, type GlobalOptions } from '../context.js';
import { journalDir, storeConfig } from '../compose.js';
import { color, ExitCodes, printTable } from '../output.js';

interface SourceFlags { file?: string; kafka?: boolean; fromOffset?: string; fromTime?: string }
const sourceFlags = (c: Command) => c
  .option('--file <export.avro>', 'read an exported Avro container file (its manifest beside it) instead of the journal')
  .option('--kafka', 'read the Kafka topics (broker mode) instead of the journal')
  .option('--from-offset <n>', 'Kafka: start every partition at this offset')
  .option('--from-time <iso>', 'Kafka: start at this time');

function sourceOf(cfg: VexfsConfig, o: SourceFlags): AuditSource {
  if (o.file) return { file: o.file };
  if (o.kafka) {
    return { kafka: { brokers: cfg.kafka.brokers, topics: ['fs', 'vector', 'semantic', 'system'].map((k) => `${cfg.kafka.topicPrefix}.${k}.v1`),
      ...(o.fromOffset !== undefined ? { fromOffset: Number(o.fromOffset) } : {}), ...(o.fromTime ? { fromTimeMs: Date.parse(o.fromTime) } : {}) } };
  }
  return { journalDir: journalDir(cfg) };
}

/** A progress bar on a terminal (stderr); silent otherwise. */
function progress(label: string) {
  if (!process.stderr.isTTY) return { update: (_n: number) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({ format: `${label} {value} events · {rate}/s`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  const t0 = Date.now();
  bar.start(0, 0, { rate: 0 });
  return { update: (n: number) => bar.update(n, { rate: Math.round(n / Math.max(0.001, (Date.now() - t0) / 1000)) }), stop: () => bar.stop() };
}

const fmtTs = (us: number) => (us ? new Date(us / 1000).toISOString() : '');

/** `vexfs audit …` and `vexfs replay`. */
export function register(program: Command): void {
  const g = () => program.opts<GlobalOptions>();
  const audit = program.command('audit').description('prove the event log is complete and untampered, and answer who-did-what from events alone');

  sourceFlags(audit.command('verify')
    .description('check per-node seq has no gap, the hash chain is intact and signed checkpoints are valid; exit 3 naming the first bad position')
    .option('--public-key <file...>', 'more trusted Ed25519 public keys (PEM)'))
    .action(action(async (o: SourceFlags & { publicKey?: string[] }) => {
      const cfg = configFrom(g());
      const bar = progress('verifying');
      const report = await runAuditVerify({ ...sourceOf(cfg, o), ...(o.file ? {} : { keyDir: join(cfg.dataDir, 'keys') }), ...(o.publicKey ? { publicKeys: o.publicKey } : {}), onProgress: (p) => bar.update(p.events) });
      bar.stop();
      if (g().json) console.log(JSON.stringify(report, null, 2));
      else if (report.ok) console.log(`${color.green('verified')}: ${report.events} events, ${report.checkpoints} signed checkpoints, nodes ${Object.keys(report.nodes).join(', ')}`);
      else console.log(`${color.red(`FAILED: ${report.finding!.reason}`)} at ${JSON.stringify(report.finding!.location ?? report.finding!.position)} (node ${report.finding!.node}, seq ${report.finding!.seq}): ${report.finding!.message}`);
      if (!report.ok) process.exit(ExitCodes.VERIFY_FAILED);
    }));

  sourceFlags(audit.command('history').description('every operation on a path and its earlier names across renames: who, when, result').argument('<path>')
    .option('--mutating', 'only operations that change something').option('--until <time>', 'up to this time (ISO-8601)'))
    .action(action(async (path: string, o: SourceFlags & { mutating?: boolean; until?: string }) => {
      const cfg = configFrom(g());
      const rows = await runAuditHistory({ ...sourceOf(cfg, o), path, ...(o.mutating ? { mutatingOnly: true } : {}), ...(o.until ? { until: o.until } : {}) });
      if (g().json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows.map((r) => { const x = r as unknown as Record<string, unknown>; return { time: fmtTs(Number(x.ts)), seq: x.seq, op: x.op, path: x.path, path2: x.path2 ?? '', result: x.errno ? `errno ${x.errno}` : 'ok', uid: x.uid, pid: x.pid }; }));
    }));

  sourceFlags(audit.command('ls').description('a directory as it was at a time, rebuilt from events alone').argument('<dir>').option('--at <time>', 'ISO-8601 time (default now)'))
    .action(action(async (dir: string, o: SourceFlags & { at?: string }) => {
      const cfg = configFrom(g());
      const rows = await runAuditLs({ ...sourceOf(cfg, o), dir, ...(o.at ? { at: o.at } : {}) });
      if (g().json) console.log(JSON.stringify(rows, null, 2)); else printTable(rows as unknown as Array<Record<string, unknown>>);
    }));

  sourceFlags(audit.command('stat').description('a file\'s metadata at a time, rebuilt from events alone').argument('<path>').option('--at <time>', 'ISO-8601 time (default now)'))
    .action(action(async (path: string, o: SourceFlags & { at?: string }) => {
      const cfg = configFrom(g());
      console.log(JSON.stringify(await runAuditStat({ ...sourceOf(cfg, o), path, ...(o.at ? { at: o.at } : {}) }), null, 2));
    }));

  sourceFlags(audit.command('cat').description('which content a file had at a time, proven by write content hashes (mount.contentHash on); --content checks a candidate file').argument('<path>')
    .option('--at <time>', 'ISO-8601 time (default now)').option('--content <file>', 'a candidate content to prove or refute'))
    .action(action(async (path: string, o: SourceFlags & { at?: string; content?: string }) => {
      const cfg = configFrom(g());
      const proof = await runAuditCat({ ...sourceOf(cfg, o), path, ...(o.at ? { at: o.at } : {}), ...(o.content ? { contentFile: o.content } : {}) });
      console.log(JSON.stringify(proof, null, 2));
      if ((proof as unknown as { matches?: boolean }).matches === false) process.exit(ExitCodes.VERIFY_FAILED);
    }));

  audit.command('export').description('write a range of events to an Avro container file plus a signed manifest that `audit verify --file` checks offline')
    .requiredOption('--out <file>', 'output .avro file (manifest: <file>.manifest.json)')
    .option('--from <time>', 'ISO-8601 start').option('--to <time>', 'ISO-8601 end')
    .option('--from-seq <n>', 'first seq', (v) => Number(v)).option('--to-seq <n>', 'last seq', (v) => Number(v))
    .option('--kafka', 'read the Kafka topics instead of the journal')
    .action(action(async (o: { out: string; from?: string; to?: string; fromSeq?: number; toSeq?: number; kafka?: boolean }) => {
      const cfg = configFrom(g());
      const m = await runAuditExport({ ...sourceOf(cfg, { kafka: o.kafka }), out: o.out, keyDir: join(cfg.dataDir, 'keys'),
        ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.fromSeq !== undefined ? { fromSeq: o.fromSeq } : {}), ...(o.toSeq !== undefined ? { toSeq: o.toSeq } : {}) });
      console.log(g().json ? JSON.stringify(m, null, 2) : `exported ${(m as unknown as { events?: number }).events ?? ''} events to ${o.out} (manifest ${o.out}.manifest.json)`);
    }));

  program.command('replay')
    .description('rebuild state from events: a file catalog, a vector index, or ClickHouse (backfill, deduplicated)')
    .option('--into <target>', 'catalog | vector | clickhouse', 'catalog')
    .option('--from-seq <n>', 'first seq', (v) => Number(v)).option('--to-seq <n>', 'last seq', (v) => Number(v))
    .option('--from <time>', 'ISO-8601 start').option('--to <time>', 'ISO-8601 end')
    .option('--kafka', 'replay from the Kafka topics instead of the journal')
    .option('--dry-run', 'read and count only')
    .action(action(async (o: { into: 'catalog' | 'vector' | 'clickhouse'; fromSeq?: number; toSeq?: number; from?: string; to?: string; kafka?: boolean; dryRun?: boolean }) => {
      const cfg = configFrom(g());
      const src = sourceOf(cfg, { kafka: o.kafka });
      const bar = progress(`replaying into ${o.into}`);
      const report = await runReplay({
        ...(src.journalDir ? { journalDir: src.journalDir } : { kafka: src.kafka! }), into: o.into,
        ...(o.fromSeq !== undefined ? { fromSeq: o.fromSeq } : {}), ...(o.toSeq !== undefined ? { toSeq: o.toSeq } : {}),
        ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.dryRun ? { dryRun: true } : {}),
        ...(o.into === 'clickhouse' ? { clickhouse: storeConfig(cfg) } : {}), onProgress: (p) => bar.update(p.events),
      });
      bar.stop();
      const { catalog: _c, ...printable } = report;
      console.log(g().json ? JSON.stringify(printable, null, 2) : `${report.dryRun ? 'dry run: ' : ''}${report.events} events (seq ${report.firstSeq}–${report.lastSeq}) in ${Math.round(report.elapsedMs)} ms; state ${JSON.stringify((report as unknown as { stateHashes?: unknown }).stateHashes ?? {})}`);
    }));
}
