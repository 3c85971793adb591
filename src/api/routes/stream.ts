import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { KINDS, type VexEvent } from '../../events/types.js';
import { ErrorCodes } from '../../errors.js';
import type { ApiDeps } from '../deps.js';
import { eventPath, eventToJson } from '../event-json.js';
import { apiError } from '../http-errors.js';
import { errorResponses, tokenQuery } from '../schemas.js';

/** Open live streams, so shutdown can end them. */
export interface StreamRegistry { readonly open: Set<() => void> }

interface StreamQuery { kind?: string; op?: string; prefix?: string }

/**
 * GET /events/stream: Server-Sent Events of live events, filtered by kind, op and path prefix.
 * Each event is one `data:` JSON line with `id:` = seq. A client that reads too slowly gets
 * up to `queueMax` events queued, then events are dropped for it (never for others) and it
 * is told how many with an `event: dropped` message. Comments every `heartbeatMs` keep
 * proxies from closing an idle stream.
 */
export function streamRoutes(app: FastifyInstance, deps: ApiDeps, opts: { queueMax: number; heartbeatMs: number; registry: StreamRegistry }): void {
  app.get<{ Querystring: StreamQuery }>('/events/stream', {
    config: { access: 'viewer', queryToken: true },
    schema: {
      tags: ['events'], summary: 'Live event stream (Server-Sent Events)',
      description: 'text/event-stream. First an `event: ready` message, then one unnamed message per event (JSON of the envelope; hashes hex, other bytes base64). Filters combine with AND; lists are comma-separated.',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          kind: { type: 'string', pattern: `^(${KINDS.join('|')})(,(${KINDS.join('|')}))*$`, description: 'Kinds to keep, e.g. fs,semantic' },
          op: { type: 'string', maxLength: 1000, description: 'Ops to keep, e.g. write,unlink,anomaly' },
          prefix: { type: 'string', maxLength: 4096, description: 'Keep events whose path (fs) or key starts with this' },
          ...tokenQuery,
        },
      },
      response: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errorResponses },
    },
  }, async (req, reply) => {
    const kinds = req.query.kind ? new Set(req.query.kind.split(',')) : null;
    const ops = req.query.op ? new Set(req.query.op.split(',').map((s) => s.trim()).filter(Boolean)) : null;
    if (ops && ops.size === 0) throw apiError(ErrorCodes.INVALID_ARGUMENT, 'querystring.op must name at least one op');
    const prefix = req.query.prefix ?? null;
    const keep = (ev: VexEvent) => (!kinds || kinds.has(ev.kind)) && (!ops || ops.has(ev.op)) && (prefix === null || eventPath(ev).startsWith(prefix));

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const out = createStreamWriter(raw, opts.queueMax);
    out.write('retry: 2000\n\n');
    const unsubscribe = deps.events.subscribe((ev) => {
      if (keep(ev)) out.write(`id: ${ev.seq}\ndata: ${JSON.stringify(eventToJson(ev))}\n\n`);
    });
    out.write(`event: ready\ndata: ${JSON.stringify({ kinds: kinds ? [...kinds] : null, ops: ops ? [...ops] : null, prefix })}\n\n`);
    const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), opts.heartbeatMs);
    heartbeat.unref();
    let closed = false;
    const end = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      opts.registry.open.delete(end);
      if (!raw.writableEnded) raw.end();
    };
    opts.registry.open.add(end);
    raw.on('close', end);
    raw.on('error', end);
  });
}

/** Writes to a response with a bounded queue behind the socket's own buffer; overflow is counted, then reported once the client catches up. */
function createStreamWriter(raw: ServerResponse, queueMax: number): { write(chunk: string): void } {
  const queue: string[] = [];
  let head = 0;
  let blocked = false;
  let dropped = 0;
  const flush = () => {
    blocked = false;
    while (head < queue.length) {
      const chunk = queue[head]!;
      queue[head++] = '';
      if (!raw.write(chunk)) { blocked = true; break; }
    }
    if (head === queue.length) { queue.length = 0; head = 0; }
    if (!blocked && dropped > 0) {
      const n = dropped;
      dropped = 0;
      blocked = !raw.write(`event: dropped\ndata: ${JSON.stringify({ dropped: n })}\n\n`);
    }
  };
  raw.on('drain', flush);
  return {
    write(chunk) {
      if (raw.writableEnded || raw.destroyed) return;
      if (blocked) {
        if (queue.length - head < queueMax) queue.push(chunk); else dropped++;
        return;
      }
      blocked = !raw.write(chunk);
    },
  };
}
