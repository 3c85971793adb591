import type { VectorPort } from './deps.js';

/**
 * A VectorPort whose every answer — result or error — waits until the event of the operation is
 * written and, under the strict fsync policy, durable before the API replies, as the FUSE handlers
 * do: an acknowledged operation always has its event in the journal. Every method of the vector
 * service emits one event (reads and failures too), so all are wrapped. `durable` is the emitter's
 * (`emitter.durable()`): null when there is nothing to wait for (the lazy policy), so the wrapper
 * then costs one call per request. If the wait fails, the request fails with that error.
 */
export function withDurableEvents(port: VectorPort, durable: () => Promise<void> | null): VectorPort {
  async function after<T>(call: () => T | Promise<T>): Promise<T> {
    let value: T;
    try {
      value = await call();
    } catch (err) {
      // the failure event must be in the journal before the error is reported too
      await durable()?.catch(() => undefined);
      throw err;
    }
    const wait = durable();
    if (wait !== null) await wait;
    return value;
  }
  return {
    createCollection: (spec) => after(() => port.createCollection(spec)),
    listCollections: () => after(() => port.listCollections()),
    describe: (name) => after(() => port.describe(name)),
    drop: (name) => after(() => port.drop(name)),
    upsert: (collection, id, vector) => after(() => port.upsert(collection, id, vector)),
    upsertBatch: (collection, items) => after(() => port.upsertBatch(collection, items)),
    delete: (collection, ids) => after(() => port.delete(collection, ids)),
    get: (collection, id) => after(() => port.get(collection, id)),
    search: (collection, vector, opts) => after(() => port.search(collection, vector, opts)),
    searchBatch: (collection, vectors, opts) => after(() => port.searchBatch(collection, vectors, opts)),
    searchById: (collection, id, opts) => after(() => port.searchById(collection, id, opts)),
  };
}
