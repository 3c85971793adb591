import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '../../errors.js';
import type { ApiDeps, SearchOptions, VectorRecord } from '../deps.js';
import { apiError } from '../http-errors.js';
import { collectionParams, errorResponses, okSchema, searchHit, searchParams, tokenQuery, vector, vectorParams, vectorRecord } from '../schemas.js';

interface SearchBody { vector?: number[]; id?: string; text?: string; k: number; ef?: number; pathPrefix?: string }
interface BatchSearchBody { vectors: number[][]; k: number; ef?: number; pathPrefix?: string }

/** Vectors: get and search (viewer), upsert and delete (operator). */
export function vectorRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['vectors'];
  const v = deps.vectors;

  app.put<{ Params: { name: string; id: string }; Body: { vector: number[]; path?: string | null } }>('/collections/:name/vectors/:id', {
    config: { access: 'operator' },
    schema: {
      tags, summary: 'Insert or replace one vector', params: vectorParams,
      body: { type: 'object', required: ['vector'], additionalProperties: false, properties: { vector, path: { type: ['string', 'null'], maxLength: 4096 } } },
      response: { 200: okSchema, ...errorResponses },
    },
  }, async (req) => {
    await v.upsert(req.params.name, { id: req.params.id, vector: Float32Array.from(req.body.vector), path: req.body.path ?? null });
    return { ok: true };
  });

  app.post<{ Params: { name: string }; Body: { vectors: Array<{ id: string; vector: number[]; path?: string | null }> } }>('/collections/:name/vectors', {
    config: { access: 'operator' },
    schema: {
      tags, summary: 'Insert or replace vectors in one batch', params: collectionParams,
      body: { type: 'object', required: ['vectors'], additionalProperties: false, properties: { vectors: { type: 'array', minItems: 1, maxItems: 100000, items: vectorRecord } } },
      response: { 200: { type: 'object', properties: { ok: { type: 'boolean' }, upserted: { type: 'integer' } } }, ...errorResponses },
    },
  }, async (req) => {
    const records: VectorRecord[] = req.body.vectors.map((r) => ({ id: r.id, vector: Float32Array.from(r.vector), path: r.path ?? null }));
    await v.upsertBatch(req.params.name, records);
    return { ok: true, upserted: records.length };
  });

  app.get<{ Params: { name: string; id: string } }>('/collections/:name/vectors/:id', {
    config: { access: 'viewer' },
    schema: {
      tags, summary: 'Get one vector by id', params: vectorParams, querystring: { type: 'object', properties: tokenQuery },
      response: { 200: { type: 'object', properties: { id: { type: 'string' }, vector: { type: 'array', items: { type: 'number' } }, path: { type: ['string', 'null'] } } }, ...errorResponses },
    },
  }, async (req) => {
    const rec = await v.get(req.params.name, req.params.id);
    if (!rec) throw apiError(ErrorCodes.NOT_FOUND, `no vector with id ${JSON.stringify(req.params.id)} in collection ${req.params.name}`, { collection: req.params.name, id: req.params.id });
    return { id: rec.id, vector: Array.from(rec.vector), path: rec.path ?? null };
  });

  app.delete<{ Params: { name: string; id: string } }>('/collections/:name/vectors/:id', {
    config: { access: 'operator' },
    schema: { tags, summary: 'Delete one vector', params: vectorParams, response: { 200: okSchema, ...errorResponses } },
  }, async (req) => {
    const existed = await v.delete(req.params.name, req.params.id);
    if (!existed) throw apiError(ErrorCodes.NOT_FOUND, `no vector with id ${JSON.stringify(req.params.id)} in collection ${req.params.name}`, { collection: req.params.name, id: req.params.id });
    return { ok: true };
  });

  app.post<{ Params: { name: string }; Body: SearchBody }>('/collections/:name/search', {
    config: { access: 'viewer' },
    schema: {
      tags, summary: 'The k nearest vectors to a query given as a vector, a stored id, or text',
      description: 'Give exactly one of `vector`, `id` (search near a stored vector: "files like this one") or `text` (embedded by the server when it has a text embedding).',
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
    const t0 = performance.now();
    let query: Float32Array;
    if (b.vector) query = Float32Array.from(b.vector);
    else if (b.id !== undefined) {
      const rec = await v.get(name, b.id);
      if (!rec) throw apiError(ErrorCodes.NOT_FOUND, `no vector with id ${JSON.stringify(b.id)} in collection ${name}`, { collection: name, id: b.id });
      query = Float32Array.from(rec.vector);
    } else {
      if (!deps.embedText) throw apiError(ErrorCodes.INVALID_ARGUMENT, 'text search is not available on this server (no text embedding configured): send a vector');
      query = deps.embedText(b.text!, (await v.describe(name)).dim);
    }
    const opts = searchOpts(b);
    // "files like this one": the query's own id is not an answer
    const hits = b.id !== undefined
      ? (await v.search(name, query, widen(opts))).filter((h) => h.id !== b.id).slice(0, opts.k)
      : await v.search(name, query, opts);
    return { hits: hits.map((h) => ({ id: h.id, distance: h.distance, path: h.path ?? null })), tookMs: round(performance.now() - t0) };
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
    return { results: results.map((hits) => hits.map((h) => ({ id: h.id, distance: h.distance, path: h.path ?? null }))), tookMs: round(performance.now() - t0) };
  });
}

function searchOpts(b: { k: number; ef?: number; pathPrefix?: string }): SearchOptions {
  const o: SearchOptions = { k: b.k };
  if (b.ef !== undefined) o.ef = b.ef;
  if (b.pathPrefix !== undefined) o.pathPrefix = b.pathPrefix;
  return o;
}

function widen(o: SearchOptions): SearchOptions {
  const w: SearchOptions = { ...o, k: o.k + 1 };
  if (o.ef !== undefined) w.ef = Math.max(o.ef, o.k + 1);
  return w;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
