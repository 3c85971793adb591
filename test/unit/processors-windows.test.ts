import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DDSketch } from '@datadog/sketches-js';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { timeWindowStats } from '../../src/processors/time-window-stats.js';
import { countWindowStats } from '../../src/processors/count-window-stats.js';
import { windowQuantiles } from '../../src/processors/internals/window-stats.js';
import { prefixOf } from '../../src/processors/internals/classify.js';
import { fsEvent } from '../support/traces.js';

const scheduler = () => new TestScheduler((a, e) => assert.deepEqual(a, e));

test('timeWindowStats: slides every slideMs over windowMs of event time, last window on completion', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const ev = {
      a: fsEvent(1, 'read', '/a/x', { size: 10, latencyUs: 100 }), b: fsEvent(3, 'write', '/a/y', { size: 5, errno: 5, latencyUs: 300 }),
      c: fsEvent(12, 'read', '/b/z', { size: 1 }), d: fsEvent(25, 'read', '/a/x', { size: 1 }),
    };
    const src = cold('-a-b 8ms c 12ms d-|', ev);
    const out = src.pipe(timeWindowStats({ windowMs: 20, slideMs: 10, dimensions: ['all'] }), map((s) => `${s.group}:${s.count}:${s.errors}:${s.bytes}:${s.windowStart / 1000}-${s.windowEnd / 1000}`));
    expectObservable(out).toBe('12ms a 12ms b - (c|)', { a: '*:2:1:15:0-10', b: '*:3:1:16:0-20', c: '*:2:0:2:10-30' });
  });
});

test('timeWindowStats: groups per op/prefix/process; idle groups are dropped, `all` keeps emitting zeros', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const src = cold('-a 100ms |', { a: fsEvent(1, 'read', '/p/q/r.txt', { pid: 42 }) });
    const out = src.pipe(timeWindowStats({ windowMs: 20, slideMs: 10 }), map((s) => `${s.dimension}=${s.group}:${s.count}`));
    // Idle ticks (every slideMs of scheduler time with no event) advance the event clock.
    expectObservable(out, '^ 44ms !').toBe('20ms (abcd) 4ms (abcd) 4ms e', {
      a: 'all=*:1', b: 'op=read:1', c: 'prefix=/p/q:1', d: 'process=42:1', e: 'all=*:0',
    });
  });
});

test('timeWindowStats: rate, quantiles, distinct files, extension changes', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const values: Record<string, ReturnType<typeof fsEvent>> = {};
    let marble = '';
    for (let i = 0; i < 10; i++) {
      const k = String.fromCharCode(97 + i);
      values[k] = i < 5 ? fsEvent(i + 1, 'rename', `/h/f${i}.doc`, { path2: `/h/f${i}.doc.locked`, latencyUs: (i + 1) * 100 }) : fsEvent(i + 1, 'read', `/h/g${i % 3}`, { latencyUs: (i + 1) * 100 });
      marble += k;
    }
    const out = cold(`-${marble}|`, values).pipe(timeWindowStats({ windowMs: 1000, slideMs: 1000, dimensions: ['process'] }));
    const check = out.pipe(map((s) => {
      assert.equal(s.count, 10);
      assert.equal(s.distinctModifiedFiles, 5);
      assert.equal(s.distinctReadFiles, 3);
      assert.equal(s.extensionChanges, 5);
      assert.equal(s.renames, 5);
      assert.ok(Math.abs(s.latencyP50Us - 500) / 500 < 0.03, `p50 ${s.latencyP50Us}`);
      // DDSketch's rank rule: p99 of ten values is the 9th (rank 0.99·9 = 8.91).
      assert.ok(Math.abs(s.latencyP99Us - 900) / 900 < 0.03, `p99 ${s.latencyP99Us}`);
      assert.equal(s.rate, 10);
      return s.topPaths.length;
    }));
    expectObservable(check).toBe('11ms (a|)', { a: 5 });
  });
});

test('countWindowStats: every `slide` events of a group, the last windowSize events and the history', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const values: Record<string, ReturnType<typeof fsEvent>> = {};
    for (let i = 0; i < 10; i++) values[String(i)] = fsEvent(i * 1000, 'read', '/a/b', { errno: i === 9 ? 2 : 0 });
    const out = cold('0123456789|', values).pipe(
      countWindowStats({ windowSize: 4, historySize: 8, slide: 2, dimensions: ['all'] }),
      map((s) => `${s.count}/${s.history!.count}/${s.errors}/${s.rate.toFixed(2)}`),
    );
    expectObservable(out).toBe('-a-b-c-d-e|', { a: '2/2/0/1.00', b: '4/4/0/1.00', c: '4/6/0/1.00', d: '4/8/0/1.00', e: '4/8/1/1.00' });
  });
});

test('windowQuantiles equals DDSketch.merge quantiles', () => {
  const panes = [1, 2, 3].map((k) => {
    const s = new DDSketch({ relativeAccuracy: 0.01 });
    for (let i = 0; i < 500; i++) s.accept(((i * 7919) % 1000) * k + (i % 3 === 0 ? 0 : 1));
    return s;
  });
  const merged = new DDSketch({ relativeAccuracy: 0.01 });
  for (const p of panes) merged.merge(p);
  const out = new Float64Array(3);
  windowQuantiles(panes, out);
  assert.deepEqual([...out], [0.5, 0.95, 0.99].map((q) => merged.getValueAtQuantile(q)));
});

test('prefixOf keeps the first components', () => {
  assert.equal(prefixOf('/a/b/c.txt', 2), '/a/b');
  assert.equal(prefixOf('/a/b/c.txt', 1), '/a');
  assert.equal(prefixOf('/a.txt', 2), '/');
  assert.equal(prefixOf('/a/b.txt', 2), '/a');
});
