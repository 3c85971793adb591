import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { ErrorCodes } from '../errors.js';
import { installAuth } from './auth.js';
import type { ApiDeps } from './deps.js';
import { toHttpError } from './http-errors.js';
import { resolveApiOptions, type ApiOptions } from './options.js';
import { collectionRoutes } from './routes/collections.js';
import { opsRoutes } from './routes/ops.js';
import { streamRoutes, type StreamRegistry } from './routes/stream.js';
import { vectorRoutes } from './routes/vectors.js';
import { webRoutes } from './routes/web.js';

/** A running API server. */
export interface RunningApi {
  /** Base URL, e.g. http://127.0.0.1:7070 */
  url: string;
  app: FastifyInstance;
  /** Ends live streams and stops listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the HTTP API (fastify, JSON-schema validated, OpenAPI at /openapi.json) and the web
 * page over `deps`. Does not listen: call `listen` or use `startApiServer`. Throws
 * VEXFS_CONFIG_INVALID for a bad option.
 */
export async function createApiServer(deps: ApiDeps, options: ApiOptions = {}): Promise<FastifyInstance> {
  const opts = resolveApiOptions(options);
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit,
    forceCloseConnections: true,
    // refuse unknown keys and wrong types instead of silently stripping or coercing them
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  const streams: StreamRegistry = { open: new Set() };
  // response schemas document the API (OpenAPI) but are not compiled into serializers: compiling
  // them costs ~0.5 s per server, and plain JSON.stringify never drops a field the schema forgot
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON only: a text/plain body is refused with 415 instead of reaching a handler as a string
  app.removeContentTypeParser(['text/plain']);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'VexFS API', version: '1', description: 'Vectors, live events, stats, anomalies and SQL of a VexFS node. Roles: viewer < operator < admin.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'collections', description: 'Create, list, describe, drop (admin writes)' },
        { name: 'vectors', description: 'Upsert, get, delete (operator writes), search' },
        { name: 'events', description: 'Live event stream' },
        { name: 'ops', description: 'Health, readiness, metrics, stats, anomalies, SQL, replay, config' },
      ],
    },
  });

  installAuth(app, opts);

  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = toHttpError(err);
    if (status >= 500 && body.code !== ErrorCodes.STORE_UNAVAILABLE && body.code !== ErrorCodes.BROKER_UNAVAILABLE) {
      console.error(`[api] ${status} ${body.code}: ${(err as Error)?.stack ?? String(err)}`);
    }
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ code: ErrorCodes.NOT_FOUND, message: `no route ${req.method} ${req.url.split('?')[0]} (see /openapi.json)` }));

  collectionRoutes(app, deps);
  vectorRoutes(app, deps);
  streamRoutes(app, deps, { queueMax: opts.streamQueue, heartbeatMs: opts.heartbeatMs, registry: streams });
  opsRoutes(app, deps, { readyTimeoutMs: opts.readyTimeoutMs, sqlTimeoutMs: opts.sqlTimeoutMs, sqlMaxRows: opts.sqlMaxRows, streamClients: () => streams.open.size });
  webRoutes(app);
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  app.addHook('preClose', async () => {
    for (const end of [...streams.open]) end();
  });
  return app;
}

/** Creates the server and listens on opts.host:opts.port; returns its URL and a close function. */
export async function startApiServer(deps: ApiDeps, options: ApiOptions = {}): Promise<RunningApi> {
  const opts = resolveApiOptions(options);
  const app = await createApiServer(deps, options);
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    app,
    close: () => (closing ??= app.close().then(() => undefined)),
  };
}
