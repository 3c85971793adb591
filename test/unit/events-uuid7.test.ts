import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7, uuidv7Time } from '../../src/events/uuid7.js';

test('uuidv7 has the RFC 9562 layout, carries its millisecond, and sorts by time', () => {
  const re = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const ids: string[] = [];
  let t = 1_790_000_000_000;
  for (let i = 0; i < 10_000; i++) { if (i % 100 === 0) t += 1; ids.push(uuidv7(t)); }
  for (const id of ids) assert.match(id, re);
  assert.equal(uuidv7Time(ids[0]!), 1_790_000_000_001);
  assert.deepEqual([...ids].sort(), ids, 'ids are monotonic');
  assert.equal(new Set(ids).size, ids.length);
});
