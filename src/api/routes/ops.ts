import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '../../errors.js';
import type { SemanticPayload, VexEvent } from '../../events/types.js';
import { registry } from '../../metrics/registry.js';
import type { ApiDeps, ReplayRequest } from '../deps.js';
import { ApiErrorCodes, apiError } from '../http-errors.js';
import type { Role } from '../options.js';
import { errorResponses } from '../schemas.js';
import { assertReadOnlySql } from '../sql-guard.js';

/** Limits the operational routes need. */
export interface OpsLimits { readyTimeoutMs: number; sqlTimeoutMs: number; sqlMaxRows: number; streamClients: () => number }

const readyCheck = {
  type: 'object',
  properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' }, ms: { type: 'number' } },
} as const;
const readyBody = {
  type: 'object',
  properties: { ready: { type: 'boolean' }, code: { type: 'string' }, message: { type: 'string' }, checks: { type: 'array', items: readyCheck } },
} as const;
const numberMap = { type: 'object', additionalProperties: { type: 'number' } } as const;

/** Health, readiness, metrics, stats, anomalies, SQL, replay, configuration and whoami. */
export function opsRoutes(app: FastifyInstance, deps: ApiDeps, limits: OpsLimits): void {
  const started = Date.now();

  app.get('/health', {
    config: { access: 'public' },
    schema: { tags: ['ops'], summary: 'Liveness: the process answers', response: { 200: { type: 'object', properties: { status: { type: 'string' }, uptimeSec: { type: 'number' } } } } },
  }, async () => ({ status: 'ok', uptimeSec: Math.round((Date.now() - started) / 1000) }));

  app.get('/ready', {
    config: { access: 'public' },
    schema: { tags: ['ops'], summary: 'Readiness: every dependency is reachable (503 names the ones that are not)', response: { 200: readyBody, 503: readyBody } },
  }, async (_req, reply) => {
    const checks = await Promise.all((deps.readiness ?? []).map((c) => probe(c.name, c.check, limits.readyTimeoutMs)));
    const failed = checks.filter((c) => !c.ok);
    if (failed.length === 0) return { ready: true, checks };
    return reply.code(503).send({
      ready: false, code: ApiErrorCodes.NOT_READY,
      message: `not ready: ${failed.map((c) => `${c.name} (${c.detail})`).join(', ')}`, checks,
    });
  });

  app.get('/metrics', {
    config: { access: 'public' },
    schema: { tags: ['ops'], summary: 'Prometheus metrics (text exposition format)', response: { 200: { description: 'Prometheus text', content: { 'text/plain': { schema: { type: 'string' } } } } } },
  }, async (_req, reply) => {
    const text = deps.metrics ? await deps.metrics() : await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });

  app.get('/stats', {
    config: { access: 'viewer' },
    schema: {
      tags: ['ops'], summary: 'Event rates by kind, totals, top paths, backlog and lags',
      response: {
        200: {
          type: 'object',
          properties: {
            rates: numberMap, totals: numberMap, backlog: numberMap, lags: numberMap, uptimeSec: { type: 'number' },
            topPaths: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, count: { type: 'integer' } } } },
            streamClients: { type: 'integer' },
          },
        },
        ...errorResponses,
      },
    },
  }, async () => ({ ...(await deps.stats.snapshot()), streamClients: limits.streamClients() }));

  app.get<{ Querystring: { limit?: string } }>('/anomalies', {
    config: { access: 'viewer' },
    schema: {
      tags: ['ops'], summary: 'Most recent anomalies, newest first',
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$', description: '1–9999, default 50' } } },
      response: { 200: { type: 'object', properties: { anomalies: { type: 'array', items: anomalySchema } } }, ...errorResponses },
    },
  }, async (req) => ({ anomalies: (await deps.anomalies.recent(Number(req.query.limit ?? 50))).map(anomalyJson) }));

  app.post<{ Body: { query: string; maxRows?: number } }>('/sql', {
    config: { access: 'viewer' },
    schema: {
      tags: ['ops'], summary: 'Run one read-only SQL statement on the analytics store',
      body: {
        type: 'object', required: ['query'], additionalProperties: false,
        properties: { query: { type: 'string', minLength: 1, maxLength: 100000 }, maxRows: { type: 'integer', minimum: 1, maximum: 100000000 } },
      },
      response: {
        200: { type: 'object', properties: { columns: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } } } }, rows: { type: 'array', items: { type: 'object', additionalProperties: true } }, rowCount: { type: 'integer' }, tookMs: { type: 'number' } } },
        ...errorResponses,
      },
    },
  }, async (req) => {
    if (!deps.sql) throw apiError(ErrorCodes.NOT_FOUND, 'SQL is not available in this process (no analytics store configured)');
    assertReadOnlySql(req.body.query);
    const t0 = performance.now();
    const signal = AbortSignal.timeout(limits.sqlTimeoutMs);
    const result = await deps.sql(req.body.query, { readonly: true, maxRows: Math.min(req.body.maxRows ?? limits.sqlMaxRows, limits.sqlMaxRows), signal });
    return { columns: result.columns, rows: result.rows, rowCount: result.rows.length, tookMs: Math.round((performance.now() - t0) * 1000) / 1000 };
  });

  app.post<{ Body: ReplayRequest }>('/replay', {
    config: { access: 'operator' },
    schema: {
      tags: ['ops'], summary: 'Replay the event log (from..to seq) to rebuild a target',
      body: {
        type: 'object', additionalProperties: false,
        properties: {
          from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 },
          target: { type: 'string', maxLength: 100 }, dryRun: { type: 'boolean' },
        },
      },
      response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
    },
  }, async (req) => {
    if (!deps.replay) throw apiError(ErrorCodes.NOT_FOUND, 'replay is not available in this process');
    const body = req.body ?? {};
    if (body.from !== undefined && body.to !== undefined && body.to < body.from) {
      throw apiError(ErrorCodes.INVALID_ARGUMENT, `to (${body.to}) is before from (${body.from})`);
    }
    const result = await deps.replay(body);
    return { ok: true, result: result ?? null };
  });

  app.get('/config', {
    config: { access: 'admin' },
    schema: { tags: ['ops'], summary: 'The effective configuration (secrets redacted)', response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses } },
  }, async () => {
    if (!deps.config) throw apiError(ErrorCodes.NOT_FOUND, 'configuration is not available in this process');
    return { config: redact(deps.config()) };
  });

  app.get('/auth/whoami', {
    config: { access: 'viewer' },
    schema: { tags: ['ops'], summary: 'The role of the calling token', response: { 200: { type: 'object', properties: { role: { type: 'string' } } }, ...errorResponses } },
  }, async (req) => ({ role: req.role as Role }));
}

const anomalySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, seq: { type: 'integer' }, ts: { type: 'number' }, time: { type: 'string' }, node: { type: 'string' },
    anomalyType: { type: ['string', 'null'] }, severity: { type: ['string', 'null'] }, score: { type: 'number' },
    dimension: { type: 'string' }, group: { type: 'string' }, windowStart: { type: 'number' }, windowEnd: { type: 'number' },
    count: { type: 'number' }, errors: { type: 'number' }, rate: { type: 'number' },
    topPaths: { type: 'array', items: { type: 'string' } }, evidence: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

function anomalyJson(ev: VexEvent<'semantic'>): Record<string, unknown> {
  const p = ev.payload as SemanticPayload;
  return {
    id: ev.id, seq: ev.seq, ts: ev.ts, time: new Date(Math.floor(ev.ts / 1000)).toISOString(), node: ev.node,
    anomalyType: p.anomalyType, severity: p.severity, score: p.score, dimension: p.dimension, group: p.group,
    windowStart: p.windowStart, windowEnd: p.windowEnd, count: p.count, errors: p.errors, rate: p.rate,
    topPaths: p.topPaths, evidence: p.evidence,
  };
}

async function probe(name: string, check: () => Promise<{ ok: boolean; detail?: string }>, timeoutMs: number): Promise<{ name: string; ok: boolean; detail: string; ms: number }> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      check(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
    return { name, ok: r.ok === true, detail: r.detail ?? (r.ok ? 'ok' : 'failed'), ms: Math.round(performance.now() - t0) };
  } catch (err) {
    return { name, ok: false, detail: (err as Error)?.message ?? String(err), ms: Math.round(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
  }
}

const SECRET = /(token|password|secret|credential|private)/i;

/** A copy of a config with secret-looking keys replaced. */
export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET.test(k) ? '<redacted>' : redact(x)]));
  }
  return v;
}
