#!/usr/bin/env node
/** The `vexfs` command. Each subcommand lives in src/cli/commands/<name>.ts and registers itself. */
import { Command } from 'commander';
import { register as validate } from './commands/validate.js';
import { register as infra } from './commands/infra.js';
import { register as up } from './commands/up.js';
import { register as data } from './commands/data.js';
import { register as roles } from './commands/roles.js';
import { register as demo } from './commands/demo.js';
import { register as ops } from './commands/ops.js';
import { register as audit } from './commands/audit.js';

const program = new Command();
program
  .name('vexfs')
  .description('VexFS: a filesystem with vector search whose every operation is an event')
  .version('0.1.0')
  .option('-c, --config <file>', 'config file (JSON); default $VEXFS_CONFIG or ./vexfs.json')
  .option('-d, --data-dir <dir>', 'data directory (journal, indexes, chDB, keys)')
  .option('--json', 'print data as JSON')
  .showHelpAfterError()
  .addHelpText('after', `
Exit codes: 0 ok · 1 failure · 2 usage · 3 verification failed · 69 dependency unavailable · 78 bad configuration
Colours are off when NO_COLOR is set or output is not a terminal.`);

for (const reg of [up, roles, data, demo, audit, ops, validate, infra]) reg(program);

program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2);
});
await program.parseAsync(process.argv);
