import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashEmbedding } from '../../src/demo/hash-embedding.js';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

test('hash embedding is deterministic, unit-length, and closer for related texts', () => {
  const a = hashEmbedding('the quarterly sales report for the north region');
  assert.deepEqual(a, hashEmbedding('the quarterly sales report for the north region'));
  assert.ok(Math.abs(cos(a, a) - 1) < 1e-5);
  const related = hashEmbedding('sales report of the north region, quarterly');
  const unrelated = hashEmbedding('kernel panic while mounting the fuse filesystem');
  assert.ok(cos(a, related) > cos(a, unrelated) + 0.3, `${cos(a, related)} vs ${cos(a, unrelated)}`);
  assert.equal(hashEmbedding('', 16).length, 16);
  assert.ok(hashEmbedding('', 16).every(Number.isFinite));
});
