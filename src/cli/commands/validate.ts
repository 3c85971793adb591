import type { Command } from 'commander';
import { configDocs } from '../../config/config.js';
import { action, configFrom, type GlobalOptions } from '../context.js';
import { color } from '../output.js';

/** `vexfs validate`: checks the configuration; exit 78 when it is bad. */
export function register(program: Command): void {
  program.command('validate')
    .description('check the configuration (file + environment); exit code 78 when it is invalid')
    .option('--print-docs', 'print the configuration reference (Markdown) instead')
    .action(action(async (o: { printDocs?: boolean }) => {
      if (o.printDocs) { process.stdout.write(configDocs()); return; }
      const g = program.opts<GlobalOptions>();
      const cfg = configFrom(g);
      if (g.json) console.log(JSON.stringify(cfg, null, 2));
      else console.log(`${color.green('config ok')} (${cfg.source ?? 'defaults + environment'}; ${cfg.brokerMode ? `broker mode: ${cfg.kafka.brokers.join(',')}` : 'embedded mode'}; data in ${cfg.dataDir})`);
    }));
}
