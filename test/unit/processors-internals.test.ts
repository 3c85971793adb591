import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DDSketch } from '@datadog/sketches-js';
import { from, lastValueFrom, toArray } from 'rxjs';
import { FileTracker } from '../../src/processors/internals/file-tracker.js';
import { Classifier, NO_KEY } from '../../src/processors/internals/classify.js';
import { acceptKeyed, SKETCH_ACCURACY } from '../../src/processors/internals/pane.js';
import { timeWindowStats } from '../../src/processors/time-window-stats.js';
import { mulberry32 } from '../../src/prng.js';
import { fsEvent } from '../support/traces.js';

test('FileTracker: a file counts once per window however many panes saw it; slots reused by newer panes drop old sightings', () => {
  const W = 3;
  const t = new FileTracker(W, 100);
  const stamps = [-1, -1, -1];
  const start = (pane: number): void => { stamps[pane % W] = pane; t.startPane(pane % W); };
  const distinct = (c: number): number => t.distinct(c, (s) => stamps[s]! > c - W && stamps[s]! <= c);
  start(0); t.touch('a', 0); t.touch('b', 0); t.touch('a', 0);
  assert.equal(distinct(0), 2);
  start(1); t.touch('a', 1); t.touch('c', 1);
  assert.equal(distinct(1), 3, 'a, b, c');
  start(2);
  start(3); t.touch('d', 3); // slot 0 now holds pane 3: b (last seen in pane 0) left the window
  assert.equal(distinct(3), 3, 'a, c (pane 1) and d');
  t.touch('a', 3); // moves from pane 1 to pane 3
  assert.equal(distinct(3), 3);
  start(4); t.touch('b', 4); // b's old sighting (pane 0) is outside the window: nothing to take back
  assert.equal(distinct(4), 3, 'a, d (pane 3) and b (pane 4); c left with pane 1');
});

test('FileTracker: at most maxFiles files are tracked', () => {
  const t = new FileTracker(2, 3);
  t.startPane(0);
  for (const f of ['a', 'b', 'c', 'd', 'e']) t.touch(f, 0);
  assert.equal(t.distinct(0, (s) => s === 0), 3);
});

test('acceptKeyed with the Classifier\'s key equals DDSketch.accept', () => {
  const rng = mulberry32(7);
  const a = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
  const b = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
  const c = new Classifier(2, SKETCH_ACCURACY);
  for (let i = 0; i < 5000; i++) {
    const v = i % 50 === 0 ? 0 : Math.floor(rng() * 1e6) / (i % 3 ? 1 : 1000);
    a.accept(v);
    const f = c.classify(fsEvent(i, 'read', '/x', { latencyUs: v }));
    if (v === 0) assert.equal(f.latencyKey, NO_KEY);
    acceptKeyed(b, v, f.latencyKey);
  }
  assert.equal(b.count, a.count);
  assert.equal(b.zeroCount, a.zeroCount);
  assert.equal(b.min, a.min);
  assert.equal(b.max, a.max);
  for (const q of [0, 0.01, 0.5, 0.9, 0.99, 1]) assert.equal(b.getValueAtQuantile(q), a.getValueAtQuantile(q), `q ${q}`);
});

test('Classifier: groups per dimension, pid-less events in process "unknown", extension changes', () => {
  const c = new Classifier(2, SKETCH_ACCURACY);
  const f = c.classify(fsEvent(1, 'rename', '/a/b/c.doc', { path2: '/a/b/c.doc.locked', pid: 7 }));
  assert.deepEqual([...f.groups], ['*', 'rename', '/a/b', '7']);
  assert.equal(f.extensionChange, true);
  assert.equal(f.file, '/a/b/c.doc');
  const g = c.classify(fsEvent(2, 'read', '/top.txt', { pid: -1 }));
  assert.deepEqual([...g.groups], ['*', 'read', '/', 'unknown']);
  assert.equal(g.extensionChange, false);
});

test('timeWindowStats: distinct files over a window count a file seen in two panes once', async () => {
  const events = [
    fsEvent(1, 'read', '/d/x'), fsEvent(2, 'write', '/d/w'),
    fsEvent(12, 'read', '/d/x'), fsEvent(13, 'read', '/d/y'), fsEvent(14, 'write', '/d/w'),
    fsEvent(31, 'read', '/d/z'),
  ];
  const out = await lastValueFrom(from(events).pipe(timeWindowStats({ windowMs: 20, slideMs: 10, dimensions: ['all'] }), toArray()));
  const byEnd = new Map(out.map((s) => [s.windowEnd / 1000, s]));
  assert.equal(byEnd.get(10)!.distinctReadFiles, 1);
  assert.equal(byEnd.get(20)!.distinctReadFiles, 2, '/d/x twice and /d/y');
  assert.equal(byEnd.get(20)!.distinctModifiedFiles, 1, '/d/w twice');
  assert.deepEqual(byEnd.get(20)!.topPaths.slice(0, 2), ['/d/w', '/d/x']);
  // the window ending at 40 ms holds panes 20–30 (empty) and 30–40: only /d/z
  assert.equal(byEnd.get(40)!.distinctReadFiles, 1);
  assert.equal(byEnd.get(40)!.distinctModifiedFiles, 0);
});
