import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCollection, type CollectionTuning } from './collection.js';
import type { DistanceKernels } from './kernels.js';
import { createVectorStore, type VectorStore } from './vector-store.js';

interface Manifest { version: 1; seq: number; collections: string[]; at: string }

const CURRENT = 'snapshot';
const OLD = 'snapshot.old';

/**
 * Writes every collection (hnswlib index, vectors, id map) and the seq of the last event the
 * state covers under `<dir>/snapshot/`. Atomic: written to a temporary directory, then swapped in
 * by rename, so a crash leaves the previous snapshot (or `snapshot.old`) intact.
 */
export function saveSnapshot(store: VectorStore, dir: string, seq: number): void {
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `snapshot.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const names = [...store.collections.keys()];
  for (const name of names) store.collections.get(name)!.save(path.join(tmp, `c-${name}`));
  const manifest: Manifest = { version: 1, seq, collections: names, at: new Date().toISOString() };
  writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1));
  const cur = path.join(dir, CURRENT);
  const old = path.join(dir, OLD);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(cur)) renameSync(cur, old);
  renameSync(tmp, cur);
  rmSync(old, { recursive: true, force: true });
}

/** Loads the latest snapshot under `dir` (falling back to `snapshot.old` after a crash mid-swap), or null. */
export function loadSnapshot(dir: string, opts: { kernels?: DistanceKernels; tuning?: Partial<CollectionTuning> } = {}): VectorStore | null {
  const chosen = [CURRENT, OLD].map((d) => path.join(dir, d)).find((d) => existsSync(path.join(d, 'manifest.json')));
  if (chosen === undefined) return null;
  const manifest = JSON.parse(readFileSync(path.join(chosen, 'manifest.json'), 'utf8')) as Manifest;
  const store = createVectorStore(opts);
  for (const name of manifest.collections) {
    store.collections.set(name, loadCollection(path.join(chosen, `c-${name}`), store.kernels, store.tuning));
  }
  store.lastSeq = manifest.seq;
  return store;
}
