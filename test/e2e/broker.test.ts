import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient as createClickhouseClient } from '@clickhouse/client';
import { readJournal } from '../../src/log/journal/index.js';
import { waitUntil } from '../../src/infra/process-util.js';
import { testKafka, randomName } from '../support/kafka.js';
import { testClickhouseUrl, randomDb } from '../support/clickhouse.js';
import { spawnVexfs, type VexfsChild } from '../support/vexfs-process.js';

const run = promisify(execFile);

test('broker mode: vexfs mount ships to Kafka, two vexfs process instances in one group fill the ClickHouse server — nothing lost, no duplicate rows, the burst is an anomaly', { timeout: 300_000 }, async (t) => {
  const kafka = await testKafka();
  const ch = await testClickhouseUrl();
  const root = mkdtempSync(join(process.env.VEXFS_TEST_WORK ?? tmpdir(), 'vexfs-e2e-broker-'));
  const prefix = randomName('e2e').replace(/-/g, '_');
  const database = randomDb('vexfs_e2e');
  const config = join(root, 'vexfs.json');
  writeFileSync(config, JSON.stringify({ kafka: { topicPrefix: prefix, partitions: 4, groupId: `${prefix}-processors` }, clickhouse: { database }, audit: { checkpointEvery: 0, checkpointIntervalMs: 0 } }));
  const env = { VEXFS_CONFIG: config, KAFKA_BROKERS: kafka.brokers.join(','), CLICKHOUSE_URL: ch.url };
  const children: VexfsChild[] = [];
  const mnt = join(root, 'mnt');
  const db = createClickhouseClient({ url: ch.url, database: 'default' });
  const count = async (sql: string) => Number(((await (await db.query({ query: sql, format: 'JSONEachRow' })).json()) as Array<{ n: string }>)[0]?.n ?? 0);
  try {
    const mountReady = join(root, 'mount.ready');
    const mount = spawnVexfs(['mount', join(root, 'backing'), mnt, '--data-dir', join(root, 'node'), '--ready-file', mountReady], { env, logFile: join(root, 'mount.log') });
    children.push(mount);
    for (const i of [1, 2]) children.push(spawnVexfs(['process', '--data-dir', join(root, `proc${i}`), '--ready-file', join(root, `proc${i}.ready`)], { env, logFile: join(root, `proc${i}.log`) }));
    await waitUntil('vexfs mount', async () => {
      for (const c of children) if (c.child.exitCode !== null) throw new Error(`a role exited early:\n${c.log().slice(-3000)}`);
      return existsSync(mountReady) && existsSync(join(root, 'proc1.ready')) && existsSync(join(root, 'proc2.ready'));
    }, 120_000, 300);

    await mkdir(join(mnt, 'docs'));
    for (let i = 0; i < 60; i++) await writeFile(join(mnt, 'docs', `n${i}.txt`), `note ${i}\n`);
    await mkdir(join(mnt, 'victims'));
    for (let i = 0; i < 200; i++) await writeFile(join(mnt, 'victims', `f${i}.docx`), `doc ${i}\n`);
    for (let i = 0; i < 200; i++) {
      await writeFile(join(mnt, 'victims', `f${i}.docx`), Buffer.alloc(4096, 1));
      await rename(join(mnt, 'victims', `f${i}.docx`), join(mnt, 'victims', `f${i}.docx.locked`));
    }
    // every fs event of the node's journal must become exactly one row
    let journalFs = 0;
    const ids = new Set<string>();
    for await (const batch of readJournal(join(root, 'node', 'journal'))) for (const { event } of batch) if (event.kind === 'fs') { journalFs++; ids.add(event.id); }
    assert.ok(journalFs > 2000, `journal holds ${journalFs} fs events`);
    await waitUntil(`${journalFs} fs rows in ${database}`, async () => (await count(`SELECT count() AS n FROM ${database}.fs_events FINAL`)) >= journalFs, 120_000, 1000);
    assert.equal(await count(`SELECT count() AS n FROM ${database}.fs_events FINAL`), journalFs, 'no row lost, none doubled (FINAL)');
    assert.equal(await count(`SELECT uniqExact(id) AS n FROM ${database}.fs_events`), journalFs, 'distinct ids = events');
    await waitUntil('a mass_modification anomaly row', async () => (await count(`SELECT count() AS n FROM ${database}.anomalies WHERE anomaly_type = 'mass_modification'`)) >= 1, 60_000, 1000);
    // both processors took part (the group shared the partitions)
    await run('true');
    const logs = children.slice(1).map((c) => c.log());
    t.diagnostic(`processor logs:\n${logs.map((l) => l.split('\n').slice(-3).join('\n')).join('\n---\n')}`);
  } finally {
    for (const c of children.reverse()) await c.stop(15_000);
    if (readFileSync('/proc/mounts', 'utf8').includes(mnt)) await run('umount', ['-l', mnt]).catch(() => {});
    await db.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
    await db.close();
    await ch.stop();
    await kafka.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
