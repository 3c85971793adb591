/** The API's routes with the least role each needs and a client call exercising it (shared by the role and OpenAPI tests). */
import type { VexfsClient } from '../../src/client/index.js';

export type Need = 'public' | 'viewer' | 'operator' | 'admin';
export const RANK = { viewer: 1, operator: 2, admin: 3 } as const;

export interface Case { route: string; need: Need; call: (c: VexfsClient) => Promise<unknown> }

const V = [0.1, 0.2, 0.3];
export const CASES: Case[] = [
  { route: 'GET /health', need: 'public', call: (c) => c.health() },
  { route: 'GET /ready', need: 'public', call: (c) => c.ready() },
  { route: 'GET /metrics', need: 'public', call: (c) => c.metrics() },
  { route: 'GET /openapi.json', need: 'public', call: (c) => c.openapi() },
  { route: 'GET /auth/whoami', need: 'viewer', call: (c) => c.whoami() },
  { route: 'GET /collections', need: 'viewer', call: (c) => c.listCollections() },
  { route: 'POST /collections', need: 'admin', call: (c) => c.createCollection({ name: 'fresh', dim: 3, metric: 'l2' }) },
  { route: 'GET /collections/{name}', need: 'viewer', call: (c) => c.describeCollection('docs') },
  { route: 'DELETE /collections/{name}', need: 'admin', call: (c) => c.dropCollection('scratch') },
  { route: 'PUT /collections/{name}/vectors/{id}', need: 'operator', call: (c) => c.upsert('docs', '/docs/new.txt', V) },
  { route: 'POST /collections/{name}/vectors', need: 'operator', call: (c) => c.upsertBatch('docs', [{ id: '/docs/x.txt', vector: V }]) },
  { route: 'GET /collections/{name}/vectors/{id}', need: 'viewer', call: (c) => c.getVector('docs', '/docs/a.txt') },
  { route: 'DELETE /collections/{name}/vectors/{id}', need: 'operator', call: (c) => c.deleteVector('docs', '/docs/b.txt') },
  { route: 'POST /collections/{name}/search', need: 'viewer', call: (c) => c.search('docs', { vector: V, k: 1 }) },
  { route: 'POST /collections/{name}/search/batch', need: 'viewer', call: (c) => c.searchBatch('docs', [V, V], { k: 1 }) },
  {
    route: 'GET /events/stream', need: 'viewer',
    call: async (c) => { const s = c.subscribe({}, () => {}); try { await s.ready; } finally { s.close(); await s.done; } },
  },
  { route: 'GET /stats', need: 'viewer', call: (c) => c.stats() },
  { route: 'GET /anomalies', need: 'viewer', call: (c) => c.anomalies(10) },
  { route: 'POST /sql', need: 'viewer', call: (c) => c.sql('SELECT 1') },
  { route: 'POST /replay', need: 'operator', call: (c) => c.replay({ from: 1 }) },
  { route: 'GET /config', need: 'admin', call: (c) => c.config() },
];

