import type { SemanticHooks } from '../fuse/semantic-hooks.js';
import { float32Bytes } from './vector-input.js';
import type { VectorService } from './vector-service.js';

/**
 * The filesystem's view of the vector service (the SemanticHooks the FUSE layer calls).
 * A file's embedding is the vector whose id is the file's path (as the mount sees it, e.g.
 * '/docs/a.txt'). Through the mount a file has one embedding in one collection: setting it in
 * a collection removes it from any other collection holding that path. Which collection holds a
 * file is looked up in the service (no state of its own), so it survives restarts and replays.
 * Every call that touches vectors goes through the service and emits its vector event.
 */
export function createVectorSemanticHooks(service: VectorService): SemanticHooks {
  /** Collections holding `path`, the default collection first. */
  function holders(path: string): string[] {
    const found = service.locate(path);
    const i = found.indexOf(service.defaultCollection);
    if (i > 0) { found.splice(i, 1); found.unshift(service.defaultCollection); }
    return found;
  }

  return {
    setEmbedding(path, value, collection) {
      const target = collection ?? service.ensureDefaultCollection();
      service.upsertEncoded(target, path, value);
      for (const other of service.locate(path)) if (other !== target) service.delete(other, path);
    },
    getEmbedding(path) {
      const where = holders(path)[0];
      if (where === undefined) return null;
      const v = service.get(where, path);
      return v === null ? null : Buffer.from(float32Bytes(v));
    },
    removeEmbedding(path) {
      for (const c of holders(path)) service.delete(c, path);
    },
    similar(path, k) {
      const where = holders(path)[0];
      // A file without an embedding has no similar files: an empty listing, so `ls -R` and `find` walk on.
      if (where === undefined) return [];
      return service.searchById(where, path, { k })
        .filter((h) => h.id.startsWith('/'))
        .map((h) => ({ path: h.id, distance: h.distance }));
    },
    renamed(from, to) {
      if (from === to) return;
      const dirPrefix = from.endsWith('/') ? from : `${from}/`;
      const target = to.endsWith('/') ? to.slice(0, -1) : to;
      for (const c of service.collectionNames()) {
        const pairs: Array<[string, string]> = [];
        for (const id of service.idsWithPrefix(c, from)) {
          if (id === from) pairs.push([id, target]);
          else if (id.startsWith(dirPrefix)) pairs.push([id, `${target}/${id.slice(dirPrefix.length)}`]);
        }
        if (pairs.length > 0) service.rename(c, pairs);
      }
    },
    removed(path) {
      for (const c of service.locate(path)) service.delete(c, path);
    },
  };
}
