import type { FastifyInstance } from 'fastify';
import type { ApiDeps, CollectionSpec } from '../deps.js';
import { collectionInfo, collectionName, collectionParams, errorResponses, errorSchema, metric, okSchema } from '../schemas.js';

/** Collections: list and describe (viewer), create and drop (admin). */
export function collectionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['collections'];
  app.get('/collections', {
    config: { access: 'viewer' },
    schema: {
      tags, summary: 'List collections',
      response: { 200: { type: 'object', properties: { collections: { type: 'array', items: collectionInfo } } }, ...errorResponses },
    },
  }, async () => ({ collections: await deps.vectors.listCollections() }));

  app.post<{ Body: CollectionSpec }>('/collections', {
    config: { access: 'admin' },
    schema: {
      tags, summary: 'Create a collection',
      body: {
        type: 'object', required: ['name', 'dim'], additionalProperties: false,
        properties: {
          name: collectionName,
          dim: { type: 'integer', minimum: 1, maximum: 65536 },
          metric: { ...metric, description: 'Default cosine' },
          M: { type: 'integer', minimum: 2, maximum: 100 },
          efConstruction: { type: 'integer', minimum: 1, maximum: 100000 },
          ef: { type: 'integer', minimum: 1, maximum: 100000 },
        },
      },
      response: { 201: collectionInfo, ...errorResponses, 409: { ...errorSchema, description: 'Exists (VEXFS_COLLECTION_EXISTS)' } },
    },
  }, async (req, reply) => {
    const info = await deps.vectors.createCollection(req.body);
    return reply.code(201).send(info);
  });

  app.get<{ Params: { name: string } }>('/collections/:name', {
    config: { access: 'viewer' },
    schema: { tags, summary: 'Describe a collection', params: collectionParams, response: { 200: collectionInfo, ...errorResponses } },
  }, async (req) => deps.vectors.describe(req.params.name));

  app.delete<{ Params: { name: string } }>('/collections/:name', {
    config: { access: 'admin' },
    schema: { tags, summary: 'Drop a collection and its vectors', params: collectionParams, response: { 200: okSchema, ...errorResponses } },
  }, async (req) => {
    await deps.vectors.drop(req.params.name);
    return { ok: true };
  });
}
