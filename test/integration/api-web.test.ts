import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { hashEmbedding } from '../../src/demo/hash-embedding.js';
import { fsPayload, semanticPayload } from '../../src/events/payloads.js';
import { startApiStack } from './api-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

const TEXTS: Record<string, string> = {
  '/docs/sales-q1.txt': 'quarterly sales report for the north region with revenue and targets',
  '/docs/sales-q2.txt': 'sales report of the north region for the second quarter, revenue up',
  '/docs/kernel.txt': 'kernel panic while mounting the fuse filesystem on boot',
  '/notes/recipe.txt': 'a recipe for bread with flour water salt and yeast',
};

test('the live page shows event rates, recent events, an anomaly, top paths and finds similar files (headless Chromium)', async (t) => {
  if (!existsSync(CHROMIUM)) { t.skip(`${CHROMIUM} is not installed (Debian package chromium)`); return; }
  const stack = await startApiStack();
  const profile = mkdtempSync(join(tmpdir(), 'vexfs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let emitting = true;
  try {
    stack.vectors.createCollection({ name: 'files', dim: 64, metric: 'cosine' });
    stack.vectors.upsertBatch('files', Object.entries(TEXTS).map(([id, text]) => ({ id, vector: hashEmbedding(text, 64) })));

    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(10_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    const t0 = Date.now();
    const lap = (what: string) => t.diagnostic(`${what}: ${Date.now() - t0} ms`);
    await page.goto(`${stack.api.url}/#token=viewer-token-0001`);
    await page.waitForFunction(() => document.querySelector('#stream-status')?.textContent === 'stream: live');
    assert.equal(await page.textContent('#role'), 'role: viewer');
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');

    // a steady trickle of fs events (one path hot), then a ransomware-like anomaly
    const trickle = (async () => {
      for (let i = 0; emitting; i++) {
        const path = i % 2 === 0 ? '/docs/hot.txt' : `/docs/file-${i % 7}.txt`;
        stack.emitter.emit({ kind: 'fs', op: i % 5 === 0 ? 'rename' : 'write', key: path, payload: fsPayload({ path, size: 4096, result: 4096 }) });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    stack.emitter.emit({
      kind: 'semantic', op: 'anomaly', key: '/docs', priority: 'critical',
      payload: semanticPayload({ type: 'anomaly', anomalyType: 'mass_modification', severity: 'critical', score: 0.98, dimension: 'process', group: '4242', count: 480, topPaths: ['/docs/hot.txt', '/docs/file-1.txt'], evidence: { renames: '96' } }),
    });

    lap('page live');
    await page.waitForFunction(() => document.querySelectorAll('#events tbody tr').length >= 20);
    lap('events shown');
    const firstRow = await page.textContent('#events tbody tr');
    assert.match(firstRow ?? '', /\/docs\//);
    await page.waitForSelector('#anomalies li[data-id]');
    const anomalyText = await page.textContent('#anomalies');
    assert.match(anomalyText ?? '', /CRITICAL\s*mass_modification/);
    assert.match(anomalyText ?? '', /score 0\.98/);
    await page.waitForFunction(() => document.querySelector('#top-paths li')?.textContent?.startsWith('/docs/hot.txt'));
    await page.waitForFunction(() => Number(document.querySelector('#rate-fs')?.textContent) > 0, undefined, { timeout: 5000 });
    const rate = Number(await page.textContent('#rate-fs'));
    // at most 50/s are emitted (one per 20 ms timer); fewer when the machine is loaded
    assert.ok(rate >= 1 && rate <= 50, `fs rate ${rate}/s`);
    await page.waitForFunction(() => document.querySelector('#ready-status')?.textContent === 'ready');
    lap('rates, anomaly, top paths shown');

    // similar files: by path (a stored id), then by text
    await page.waitForSelector('#search-collection option[value="files"]', { state: 'attached' });
    await page.fill('#search-query', '/docs/sales-q1.txt');
    await page.fill('#search-k', '1');
    await page.click('#search-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#search-results li span')?.textContent === '/docs/sales-q2.txt');
    await page.fill('#search-query', 'bread and yeast recipe');
    await page.click('#search-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#search-results li span')?.textContent === '/notes/recipe.txt');

    lap('search done');
    emitting = false;
    await trickle;
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'web.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a real screenshot was written');
    assert.deepEqual(pageErrors, [], 'no script errors on the page');
  } finally {
    emitting = false;
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await stack.close();
  }
});
