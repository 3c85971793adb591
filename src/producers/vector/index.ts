/** The vector producer's public surface. */
export { createVectorService, type VectorService, type CollectionInfo, type SearchOptions, type SearchHit, type UpsertItem } from './vector-service.js';
export { createVectorSemanticHooks } from './vector-semantic-hooks.js';
export { resolveVectorOptions, VECTOR_DEFAULTS, type VectorServiceOptions, type CollectionInput } from './options.js';
export { rebuildFromEvents, replayLog, createVectorStore, VectorOps, type VectorStore } from './vector-store.js';
export { selectKernels, jsKernels, scalarKernels, detectIsa, type DistanceKernels, type Metric, type Isa, type KernelChoice } from './kernels.js';
export { createBufferPool, sharedBufferPool, DEFAULT_TIERS, POOL_ALIGNMENT, type BufferPool, type PoolStats, type PoolTier } from './buffer-pool.js';
export { decodeEmbedding, toPooledFloat32, type VectorInput } from './vector-input.js';
export type { CollectionSpec, SearchMode } from './collection.js';
export { createVectorHooksFactory, type MountVectorHooks, type HooksContext } from './mount-hooks.js';
export type { VectorIndex, IndexHits, IndexParams } from './vector-index.js';
export { createHnswIndex, loadHnswIndex } from './hnsw-index.js';
export { createBruteForceIndex, loadBruteForceIndex, type BruteForceIndex } from './bruteforce-index.js';
