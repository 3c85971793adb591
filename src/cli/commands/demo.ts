import type { Command } from 'commander';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readlink, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashEmbedding } from '../../demo/hash-embedding.js';
import { action, configFrom, type GlobalOptions } from '../context.js';
import { daemonClient } from '../daemon-client.js';
import { color } from '../output.js';

const run = promisify(execFile);

const TOPICS: Record<string, string[]> = {
  finance: ['quarterly revenue report for the north region', 'annual budget forecast and revenue plan', 'invoice totals and revenue by customer', 'expense report with budget variance', 'cash flow forecast for next quarter revenue'],
  kernel: ['fuse kernel module request queue and inode cache', 'page cache writeback in the linux kernel', 'kernel scheduler latency and inode locking', 'filesystem inode allocation in the kernel', 'fuse daemon request latency under load'],
  recipes: ['tomato soup recipe with basil and garlic', 'garlic bread recipe with butter and basil', 'pasta recipe with tomato sauce and garlic', 'basil pesto recipe with pine nuts', 'roasted tomato and garlic soup'],
};

/** `vexfs demo`: files, embeddings through xattrs, a search, then a ransomware-like burst the detectors flag. */
export function register(program: Command): void {
  program.command('demo')
    .description('against a running VexFS: write files, attach embeddings (hashing-trick text embedding, no model download), search, then inject a ransomware-like burst and wait for the anomaly')
    .option('--files <n>', 'files renamed and rewritten in the burst', (v) => Number(v), 300)
    .option('--wait <seconds>', 'how long to wait for the anomaly', (v) => Number(v), 60)
    .action(action(async (o: { files: number; wait: number }) => {
      const cfg = configFrom(program.opts<GlobalOptions>());
      const { client, info } = daemonClient(cfg);
      if (!info?.mountpoint) throw new Error('the running VexFS serves no mount (started with --no-mount?)');
      const mnt = info.mountpoint;
      const dim = (await client.describeCollection(cfg.vector.defaultCollection).catch(() => null))?.dim ?? cfg.vector.defaultDim;
      const step = (s: string) => console.log(color.bold(`\n▸ ${s}`));

      step(`writing ${Object.values(TOPICS).flat().length} documents under ${mnt}/demo and attaching embeddings (xattr user.vexfs.embedding)`);
      for (const [topic, texts] of Object.entries(TOPICS)) {
        await mkdir(join(mnt, 'demo', topic), { recursive: true });
        for (const [i, text] of texts.entries()) {
          const file = join(mnt, 'demo', topic, `doc${i}.txt`);
          await writeFile(file, text + '\n');
          await run('setfattr', ['-n', 'user.vexfs.embedding', '-v', JSON.stringify(Array.from(hashEmbedding(text, dim), (x) => Number(x.toFixed(6)))), file]);
        }
      }
      step('files similar to /demo/finance/doc0.txt, as the filesystem lists them (.vexfs/similar/)');
      const simDir = join(mnt, '.vexfs', 'similar', 'demo', 'finance', 'doc0.txt');
      const ranked = (await readdir(simDir)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
      for (const name of ranked.slice(0, 5)) console.log(`  ${name} → ${await readlink(join(simDir, name)).catch(() => '')}`);
      step('search by text through the API: "garlic tomato recipe"');
      const r = await client.search(cfg.vector.defaultCollection, { text: 'garlic tomato recipe', k: 3 });
      for (const h of r.hits) console.log(`  ${h.distance.toFixed(4)}  ${h.id}`);

      step(`injecting a ransomware-like burst: ${o.files} files written, then rewritten and renamed to .locked`);
      const victims = join(mnt, 'demo', 'victims');
      await mkdir(victims, { recursive: true });
      for (let i = 0; i < o.files; i++) await writeFile(join(victims, `file${i}.docx`), `important document ${i}\n`);
      await new Promise((r) => setTimeout(r, 2000));
      const junk = Buffer.alloc(4096, 0x5a);
      for (let i = 0; i < o.files; i++) {
        await writeFile(join(victims, `file${i}.docx`), junk);
        await rename(join(victims, `file${i}.docx`), join(victims, `file${i}.docx.locked`));
      }
      step(`waiting up to ${o.wait} s for the detectors`);
      const deadline = Date.now() + o.wait * 1000;
      const show = (a: Record<string, unknown>): void => {
        console.log(color.yellow(`  anomaly: ${a.anomalyType} (${a.severity}), score ${Number(a.score).toFixed(2)}, group ${a.group ?? ''}`));
      };
      let warned: Record<string, unknown> | null = null;
      // The first phase (many new files) may raise a warning; the renames to .locked raise the
      // critical one (the extension-change rule). Wait for the critical; show the warning too.
      while (Date.now() < deadline) {
        const anomalies = (await client.anomalies(50)).filter((a) => (a as { anomalyType?: string }).anomalyType === 'mass_modification') as unknown as Record<string, unknown>[];
        const critical = anomalies.find((a) => a.severity === 'critical');
        warned ??= anomalies.find((a) => a.severity === 'warning') ?? null;
        if (critical) {
          if (warned) show(warned);
          show(critical);
          console.log(`\nSee it in the web page (${info.api}/), in SQL (./bin/vexfs sql "SELECT * FROM anomalies ORDER BY ts DESC LIMIT 5") and in ./bin/vexfs tail --kind semantic`);
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      if (warned) { show(warned); throw new Error(`only a warning within ${o.wait} s, no critical mass_modification — check \`vexfs status\` and the processors' log`); }
      throw new Error(`no mass_modification anomaly within ${o.wait} s — check \`vexfs status\` and the processors' log`);
    }));
}
