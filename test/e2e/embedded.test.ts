import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { createClient } from '../../src/client/index.js';
import { hashEmbedding } from '../../src/demo/hash-embedding.js';
import { waitUntil } from '../../src/infra/process-util.js';
import { spawnVexfs, waitReady } from '../support/vexfs-process.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

const metricValue = (text: string, name: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
};

test('npm start (vexfs up) embedded: files on the mount become chDB rows, metrics move, a burst raises an anomaly the page shows', { timeout: 240_000 }, async (t) => {
  const root = mkdtempSync(join(process.env.VEXFS_TEST_WORK ?? tmpdir(), 'vexfs-e2e-'));
  const readyFile = join(root, 'ready.json');
  const env = { VEXFS_DATA_DIR: join(root, 'data'), VEXFS_BACKING: join(root, 'backing'), VEXFS_MOUNTPOINT: join(root, 'mnt'), VEXFS_API_PORT: '0', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' };
  const up = spawnVexfs(['up', '--ready-file', readyFile], { env, logFile: join(root, 'up.log') });
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    const info = await waitReady(up, readyFile, 120_000);
    assert.equal(info.mode, 'embedded');
    const client = createClient({ url: info.api, token: info.token });
    const mnt = info.mountpoint;

    // an application uses the mount
    await mkdir(join(mnt, 'docs'));
    for (let i = 0; i < 40; i++) await writeFile(join(mnt, 'docs', `note${i}.txt`), `note number ${i}\n`);
    assert.equal(await readFile(join(mnt, 'docs', 'note7.txt'), 'utf8'), 'note number 7\n');
    assert.equal(readFileSync(join(info.backing, 'docs', 'note7.txt'), 'utf8'), 'note number 7\n', 'the backing directory holds the file');
    // an embedding through the xattr, then the similar-files directory
    await run('setfattr', ['-n', 'user.vexfs.embedding', '-v', JSON.stringify(Array.from(hashEmbedding('note number seven', 384))), join(mnt, 'docs', 'note7.txt')]);
    await run('setfattr', ['-n', 'user.vexfs.embedding', '-v', JSON.stringify(Array.from(hashEmbedding('note number eight', 384))), join(mnt, 'docs', 'note8.txt')]);
    const hits = await client.search('files', { id: '/docs/note7.txt', k: 1 });
    assert.equal(hits.hits[0]?.id, '/docs/note8.txt');

    // rows reach chDB through journal → processors → sink
    await waitUntil('fs rows in chDB', async () => {
      const r = await client.sql("SELECT count() AS n FROM fs_events WHERE op = 'create' AND path LIKE '/docs/note%'");
      return Number(r.rows[0]?.n) === 40;
    }, 60_000, 500);
    const vec = await client.sql("SELECT count() AS n FROM vector_events WHERE op = 'upsert'");
    assert.ok(Number(vec.rows[0]?.n) >= 2, 'vector events are rows too');
    const metrics = await client.metrics();
    assert.ok(metricValue(metrics, 'vexfs_fuse_ops_total', 'op="create",result="ok"') >= 40, 'fuse op counter moved');
    assert.ok(metricValue(metrics, 'vexfs_events_emitted_total', 'kind="fs"') >= 120, 'emitted events counter moved');

    // a ransomware-like burst: files rewritten and renamed to .locked
    await mkdir(join(mnt, 'victims'));
    for (let i = 0; i < 300; i++) await writeFile(join(mnt, 'victims', `f${i}.docx`), `doc ${i}\n`);
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 300; i++) {
      await writeFile(join(mnt, 'victims', `f${i}.docx`), Buffer.alloc(4096, 1));
      await rename(join(mnt, 'victims', `f${i}.docx`), join(mnt, 'victims', `f${i}.docx.locked`));
    }
    await waitUntil('a mass_modification anomaly', async () => (await client.anomalies(50)).some((a) => a.anomalyType === 'mass_modification'), 60_000, 500);
    const stored = await client.sql("SELECT count() AS n FROM anomalies WHERE anomaly_type = 'mass_modification'");
    assert.ok(Number(stored.rows[0]?.n) >= 1, 'the anomaly is a ClickHouse row');

    // the page shows it
    if (!existsSync(CHROMIUM)) t.diagnostic(`page check skipped: ${CHROMIUM} is not installed`);
    else {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${info.api}/#token=${info.token}`);
      await page.waitForSelector('#anomalies li[data-id]', { timeout: 20_000 });
      assert.match((await page.textContent('#anomalies')) ?? '', /mass_modification/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'e2e-embedded.png'), fullPage: true });
    }
  } finally {
    await browser?.close().catch(() => {});
    const code = await up.stop();
    t.diagnostic(`vexfs up exited with ${code}`);
    const mounted = readFileSync('/proc/mounts', 'utf8').includes(join(root, 'mnt'));
    if (mounted) await run('umount', ['-l', join(root, 'mnt')]).catch(() => {});
    assert.equal(mounted, false, 'Ctrl-C unmounts');
    assert.equal(code, 0, `clean exit; log:\n${up.log().slice(-3000)}`);
    rmSync(root, { recursive: true, force: true });
  }
});
