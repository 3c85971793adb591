import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '../../errors.js';
import type { ApiDeps, SearchOptions } from '../deps.js';
import { apiError } from '../http-errors.js';
import { collectionParams, errorResponses, okSchema, searchHit, searchParams, vector, vectorParams, vectorRecord } from '../schemas.js';

interface SearchBody { vector?: number[]; id?: string; text?: string; k: number; ef?: number; prefix?: string }
interface BatchSearchBody { vectors: number[][]; k: number; ef?: number; prefix?: string }

/** Vectors: get and search (viewer), upsert and delete (operator). Ids are usually file paths: URL-encode them. */
export function vectorRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['vectors'];
  const v = deps.vectors;
  const notFound = (name: string, id: string) => apiError(ErrorCodes.NOT_FOUND, `no vector with id ${JSON.stringify(id)} in collection ${name}`, { collection: name, id });

  app.put<{ Params: { name: string; id: string }; Body: { vector: number[] } }>('/collections/:name/vectors/:id', {
    config: { access: 'operator' },
    schema: {
      tags, summary: 'Insert or replace one vector', params: vectorParams,
      body: { type: 'object', required: ['vector'], additionalProperties: false, properties: { vector } },
      response: { 200: okSchema, ...errorResponses },
    },
  }, async (req) => {
    await v.upsert(req.params.name, req.params.id, Float32Array.from(req.body.vector));
    return { ok: true };
  });

  app.post<{ Params: { name: string }; Body: { vectors: Array<{ id: string; vector: number[] }> } }>('/collections/:name/vectors', {
    config: { access: 'operator' },
    schema: {
      tags, summary: 'Insert or replace vectors in one batch (all or nothing)', params: collectionParams,
      body: { type: 'object', required: ['vectors'], additionalProperties: false, properties: { vectors: { type: 'array', minItems: 1, maxItems: 100000, items: vectorRecord } } },
      response: { 200: { type: 'object', properties: { ok: { type: 'boolean' }, upserted: { type: 'integer' } } }, ...errorResponses },
    },
  }, async (req) => {
    const upserted = await v.upsertBatch(req.params.name, req.body.vectors.map((r) => ({ id: r.id, vector: Float32Array.from(r.vector) })));
    return { ok: true, upserted };
  });

  app.get<{ Params: { name: string; id: string } }>('/collections/:name/vectors/:id', {
    config: { access: 'viewer' },
    schema: {
      tags, summary: 'Get one vector by id', params: vectorParams,
      response: { 200: { type: 'object', properties: { id: { type: 'string' }, vector: { type: 'array', items: { type: 'number' } } } }, ...errorResponses },
    },
  }, async (req) => {
    const vec = await v.get(req.params.name, req.params.id);
    if (!vec) throw notFound(req.params.name, req.params.id);
    return { id: req.params.id, vector: Array.from(vec) };
  });

  app.delete<{ Params: { name: string; id: string } }>('/collections/:name/vectors/:id', {
    config: { access: 'operator' },
    schema: { tags, summary: 'Delete one vector (404 when absent)', params: vectorParams, response: { 200: okSchema, ...errorResponses } },
  }, async (req) => {
    if ((await v.delete(req.params.name, req.params.id)) === 0) throw notFound(req.params.name, req.params.id);
    return { ok: true };
  });

  app.post<{ Params: { name: string }; Body: SearchBody }>('/collections/:name/search', {
    config: { access: 'viewer' },
    schema: {
      tags, summary: 'The k nearest vectors to a query given as a vector, a stored id, or text',
      description: 'Give exactly one of `vector`, `id` (search near a stored vector, excluding it: "files like this one") or `text` (embedded by the server when it has a text embedding).',
      params: collectionParams,
      body: {
        type: 'object', additionalProperties: false,
        properties: { vector, id: { type: 'string', minLength: 1, maxLength: 4096 }, text: { type: 'string', minLength: 1, maxLength: 100000 }, ...searchParams },
      },
      response: { 200: { type: 'object', properties: { hits: { type: 'array', items: searchHit }, tookMs: { type: 'number' } } }, ...errorResponses },
    },
  }, async (req) => {
    const { name } = req.params;
    const b = req.body;
    const given = [b.vector, b.id, b.text].filter((x) => x !== undefined).length;
    if (given !== 1) throw apiError(ErrorCodes.INVALID_ARGUMENT, 'give exactly one of vector, id or text');
    const opts = searchOpts(b);
    const t0 = performance.now();
    let hits;
    if (b.vector) hits = await v.search(name, Float32Array.from(b.vector), opts);
    else if (b.id !== undefined) hits = await v.searchById(name, b.id, opts);
    else {
      if (!deps.embedText) throw apiError(ErrorCodes.INVALID_ARGUMENT, 'text search is not available on this server (no text embedding configured): send a vector or an id');
      hits = await v.search(name, deps.embedText(b.text!, (await v.describe(name)).dim), opts);
    }
    return { hits: hits.map((h) => ({ id: h.id, distance: h.distance })), tookMs: round(performance.now() - t0) };
  });

  app.post<{ Params: { name: string }; Body: BatchSearchBody }>('/collections/:name/search/batch', {
    config: { access: 'viewer' },
    schema: {
      tags, summary: 'Search several query vectors at once', params: collectionParams,
      body: {
        type: 'object', required: ['vectors'], additionalProperties: false,
        properties: { vectors: { type: 'array', minItems: 1, maxItems: 10000, items: vector }, ...searchParams },
      },
      response: { 200: { type: 'object', properties: { results: { type: 'array', items: { type: 'array', items: searchHit } }, tookMs: { type: 'number' } } }, ...errorResponses },
    },
  }, async (req) => {
    const t0 = performance.now();
    const results = await v.searchBatch(req.params.name, req.body.vectors.map((q) => Float32Array.from(q)), searchOpts(req.body));
    return { results: results.map((hits) => hits.map((h) => ({ id: h.id, distance: h.distance }))), tookMs: round(performance.now() - t0) };
  });
}

function searchOpts(b: { k: number; ef?: number; prefix?: string }): SearchOptions {
  const o: SearchOptions = { k: b.k };
  if (b.ef !== undefined) o.ef = b.ef;
  if (b.prefix !== undefined) o.prefix = b.prefix;
  return o;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
