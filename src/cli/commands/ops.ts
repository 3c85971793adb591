import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verifyJournal, repairJournal } from '../../log/journal/index.js';
import { action, configFrom, type GlobalOptions } from '../context.js';
import { journalDir } from '../compose.js';
import { color, ExitCodes } from '../output.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** journal check/repair and bench: operator commands. */
export function register(program: Command): void {
  const g = () => program.opts<GlobalOptions>();
  const journal = program.command('journal').description('check or repair the local journal');

  journal.command('check', { isDefault: true })
    .description('scan every segment; report the first damaged position (exit 3) or the event count')
    .action(action(async () => {
      const cfg = configFrom(g());
      const r = verifyJournal(journalDir(cfg));
      if (g().json) console.log(JSON.stringify(r, null, 2));
      else if (!r.problem) console.log(`${color.green('journal ok')}: ${r.events} events in ${r.segments} segments, last seq ${r.lastGoodSeq}`);
      else console.log(`${color.red(`journal ${r.problem.kind}`)} at ${r.problem.file} byte ${r.problem.offset}: ${r.problem.reason}\nlast good seq ${r.lastGoodSeq}. Repair with: vexfs journal repair --file ${r.problem.file} --offset ${r.problem.offset}  (stop VexFS first; see docs/event-log.md)`);
      if (r.problem) process.exit(ExitCodes.VERIFY_FAILED);
    }));

  journal.command('repair')
    .description('truncate the journal at a damaged position (as `journal check` reports it); later segments are quarantined, never deleted')
    .requiredOption('--file <segment>', 'segment file named by `journal check`')
    .requiredOption('--offset <bytes>', 'byte offset named by `journal check`', (v) => Number(v))
    .action(action(async (o: { file: string; offset: number }) => {
      const cfg = configFrom(g());
      const r = repairJournal(journalDir(cfg), { truncateAt: { file: o.file, offset: o.offset } });
      console.log(g().json ? JSON.stringify(r, null, 2) : `repaired: ${r.events} events kept up to seq ${r.lastGoodSeq}; quarantined: ${r.quarantined.join(', ') || 'none'}`);
    }));

  program.command('bench')
    .description('run benchmarks (events, fuse, vector, processors, sink, replay) and rebuild docs/benchmarks.md')
    .argument('[names...]', 'which benchmarks (default all)')
    .action(action(async (names: string[]) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', `${ROOT}bench/run.ts`, ...names], { cwd: ROOT, stdio: 'inherit' });
      process.exit(r.status ?? 1);
    }));
}
