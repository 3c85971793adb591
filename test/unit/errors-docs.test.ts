import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCodes, VexfsError, isRetriable } from '../../src/errors.js';

test('docs/errors.md documents every error code', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const missing = Object.values(ErrorCodes).filter((c) => !doc.includes(`\`${c}\``));
  assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}`);
});

test('retriable: our flag and transient network errors; programmer errors never', () => {
  assert.equal(isRetriable(new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, 'down', { retriable: true })), true);
  assert.equal(isRetriable(new VexfsError(ErrorCodes.CONFIG_INVALID, 'bad')), false);
  assert.equal(isRetriable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), true);
  assert.equal(isRetriable(new TypeError('x')), false);
  assert.deepEqual(new VexfsError(ErrorCodes.NOT_FOUND, 'gone', { context: { id: 'a' } }).toJSON(), { code: 'VEXFS_NOT_FOUND', message: 'gone', retriable: false, context: { id: 'a' } });
});
