import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { discoverPatterns, mine, type DiscoverPatternsOptions } from '../../src/processors/discover-patterns.js';
import { fsEvent } from '../support/traces.js';

const o: DiscoverPatternsOptions = { minLength: 2, maxLength: 10, minSupport: 0.1, minConfidence: 0.8, windowMs: 100, dimension: 'process', maxSequences: 1000, maxPerGroup: 20 };

test('discoverPatterns: frequent closed op sequences per process, emitted when the window closes', () => {
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable }) => {
    const values: Record<string, ReturnType<typeof fsEvent>> = {};
    let m = '';
    let k = 0;
    // Process 7: open → read → release on 4 files; one file also gets a write. Process 8: two stats only.
    for (let f = 0; f < 4; f++) {
      for (const op of f === 3 ? ['open', 'write', 'release'] : ['open', 'read', 'release']) {
        const c = String.fromCharCode(0x100 + k++);
        values[c] = fsEvent(k, op, `/d/f${f}`, { pid: 7 });
        m += c;
      }
    }
    values.x = fsEvent(k + 1, 'getattr', '/e/a', { pid: 8 });
    values.y = fsEvent(120, 'getattr', '/e/b', { pid: 8 });
    const out = cold(`${m}x 106ms y|`, values).pipe(discoverPatterns(o), map((p) => `${p.group}:${p.sequence.join('>')}:${p.occurrences}/${p.sequences}:${p.confidence.toFixed(2)}`));
    // At the event at 120 ms the first 100 ms window closes: open>read>release is in 3 of 4 sequences
    // (confidence of release after open>read = 1); open>read has confidence 3/4 < 0.8 alone but is
    // contained in the longer closed pattern. Process 8's single-op sequences yield nothing.
    expectObservable(out).toBe('119ms a|', { a: '7:open>read>release:3/4:1.00' });
  });
});

test('mine: support, confidence and max length', () => {
  const seqs = new Map<string, string[]>();
  for (let i = 0; i < 10; i++) seqs.set(`f${i}`, i < 8 ? ['a', 'b', 'c', 'd'] : ['a', 'x']);
  const found = mine('g', seqs, 0, 1, { ...o, maxLength: 3 });
  assert.deepEqual(found.map((p) => [p.sequence.join(''), p.occurrences, p.support]), [['abc', 8, 0.8], ['bcd', 8, 0.8]]);
  assert.equal(mine('g', seqs, 0, 1, { ...o, minSupport: 0.9 }).length, 0);
});
