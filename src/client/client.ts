import type {
  Anomaly, BatchSearchResult, CollectionInfo, CollectionSpec, ReadyReport, ReplayRequest, Role, SearchParams, SearchQuery,
  SearchResult, SqlResult, Stats, StoredVector, StreamEvent, StreamFilter, StreamMessage, VectorInput,
} from './types.js';

/** Options of the client. */
export interface ClientOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:7070 */
  url: string;
  /** Bearer token; default none (for servers with auth off, and public routes). */
  token?: string;
  /** Time limit of each request in ms (not of streams); default 30,000. */
  timeoutMs?: number;
  /** fetch implementation; default the global fetch (Node ≥ 18). */
  fetch?: typeof fetch;
}

/** An error answer of the API (or no answer): `code` is the API's stable VEXFS_* code. */
export class ApiClientError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
  /** True for answers worth retrying (unavailable, or no answer at all). */
  get retriable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** A live stream subscription. */
export interface Subscription {
  /** Resolves once the server confirmed the subscription (events after this are delivered); rejects if it failed. */
  ready: Promise<void>;
  /** Resolves when the stream ends (closed by either side). */
  done: Promise<void>;
  close(): void;
}

/** A typed client of every VexFS API endpoint (fetch-based, no dependencies). */
export type VexfsClient = ReturnType<typeof createClient>;

/** Creates a client for the API at `opts.url`. */
export function createClient(opts: ClientOptions) {
  const base = opts.url.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const auth = (): Record<string, string> => (opts.token ? { authorization: `Bearer ${opts.token}` } : {});
  const enc = encodeURIComponent;

  async function call<T>(method: string, path: string, body?: unknown, accept: 'json' | 'text' = 'json', okStatuses: number[] = []): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: { ...auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ApiClientError(`${method} ${path}: no answer from ${base}: ${(err as Error).message}`, 0, 'VEXFS_UNREACHABLE', null);
    }
    const text = await res.text();
    if (!res.ok && !okStatuses.includes(res.status)) {
      let parsed: { code?: string; message?: string } | null = null;
      try { parsed = JSON.parse(text) as { code?: string; message?: string }; } catch { /* not JSON */ }
      throw new ApiClientError(`${method} ${path}: ${res.status} ${parsed?.code ?? ''} ${parsed?.message ?? text.slice(0, 200)}`.replace(/ +/g, ' '), res.status, parsed?.code ?? `HTTP_${res.status}`, parsed ?? text);
    }
    return (accept === 'text' ? text : text === '' ? null : JSON.parse(text)) as T;
  }

  const toArray = (v: ArrayLike<number>): number[] => Array.from(v);

  return {
    // ---- ops
    /** GET /health: liveness. */
    health: () => call<{ status: string; uptimeSec: number }>('GET', '/health'),
    /** GET /ready: the readiness report (a 503 is returned as {ready:false}, not thrown). */
    ready: () => call<ReadyReport>('GET', '/ready', undefined, 'json', [503]),
    /** GET /metrics: Prometheus text. */
    metrics: () => call<string>('GET', '/metrics', undefined, 'text'),
    /** GET /openapi.json */
    openapi: () => call<Record<string, unknown> & { paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json'),
    /** GET /auth/whoami: the role of this client's token. */
    whoami: () => call<{ role: Role }>('GET', '/auth/whoami'),
    /** GET /stats: rates by kind, totals, top paths, backlog, lags. */
    stats: () => call<Stats>('GET', '/stats'),
    /** GET /anomalies: the most recent anomalies, newest first. */
    anomalies: async (limit = 50) => (await call<{ anomalies: Anomaly[] }>('GET', `/anomalies?limit=${limit}`)).anomalies,
    /** POST /sql: one read-only statement. */
    sql: (query: string, maxRows?: number) => call<SqlResult>('POST', '/sql', maxRows === undefined ? { query } : { query, maxRows }),
    /** POST /replay (operator). */
    replay: (req: ReplayRequest = {}) => call<{ ok: boolean; result: unknown }>('POST', '/replay', req),
    /** GET /config (admin): the effective configuration, secrets redacted. */
    config: async () => (await call<{ config: unknown }>('GET', '/config')).config,

    // ---- collections
    listCollections: async () => (await call<{ collections: CollectionInfo[] }>('GET', '/collections')).collections,
    createCollection: (spec: CollectionSpec) => call<CollectionInfo>('POST', '/collections', spec),
    describeCollection: (name: string) => call<CollectionInfo>('GET', `/collections/${enc(name)}`),
    dropCollection: async (name: string) => { await call('DELETE', `/collections/${enc(name)}`); },

    // ---- vectors
    upsert: async (collection: string, id: string, vector: ArrayLike<number>) => {
      await call('PUT', `/collections/${enc(collection)}/vectors/${enc(id)}`, { vector: toArray(vector) });
    },
    upsertBatch: async (collection: string, records: VectorInput[]) =>
      (await call<{ upserted: number }>('POST', `/collections/${enc(collection)}/vectors`, {
        vectors: records.map((r) => ({ id: r.id, vector: toArray(r.vector) })),
      })).upserted,
    /** The stored vector, or null when the id does not exist. */
    getVector: async (collection: string, id: string): Promise<StoredVector | null> => {
      try {
        return await call<StoredVector>('GET', `/collections/${enc(collection)}/vectors/${enc(id)}`);
      } catch (err) {
        if (err instanceof ApiClientError && err.code === 'VEXFS_NOT_FOUND') return null;
        throw err;
      }
    },
    /** True when the vector existed. */
    deleteVector: async (collection: string, id: string): Promise<boolean> => {
      try {
        await call('DELETE', `/collections/${enc(collection)}/vectors/${enc(id)}`);
        return true;
      } catch (err) {
        if (err instanceof ApiClientError && err.code === 'VEXFS_NOT_FOUND') return false;
        throw err;
      }
    },
    search: (collection: string, query: SearchQuery) => {
      const body: Record<string, unknown> = { ...query };
      if ('vector' in query) body.vector = toArray(query.vector);
      return call<SearchResult>('POST', `/collections/${enc(collection)}/search`, body);
    },
    searchBatch: (collection: string, vectors: Array<ArrayLike<number>>, params: SearchParams = {}) =>
      call<BatchSearchResult>('POST', `/collections/${enc(collection)}/search/batch`, { ...params, vectors: vectors.map(toArray) }),

    // ---- live stream
    /** GET /events/stream as an async iterable of messages; ends when `signal` aborts or the server closes. */
    events: (filter: StreamFilter = {}, signal?: AbortSignal) => readStream(doFetch, `${base}${streamPath(filter)}`, auth(), signal),
    /** Calls `onEvent` for each live event matching `filter` until `close()`. */
    subscribe(filter: StreamFilter, onEvent: (event: StreamEvent) => void, onDropped?: (n: number) => void): Subscription {
      const ac = new AbortController();
      let resolveReady!: () => void;
      let rejectReady!: (err: unknown) => void;
      const ready = new Promise<void>((res, rej) => { resolveReady = res; rejectReady = rej; });
      const done = (async () => {
        try {
          for await (const m of readStream(doFetch, `${base}${streamPath(filter)}`, auth(), ac.signal, resolveReady)) {
            if (m.type === 'event') onEvent(m.event); else onDropped?.(m.dropped);
          }
        } catch (err) {
          rejectReady(err);
          if (!ac.signal.aborted) throw err;
        } finally {
          rejectReady(new ApiClientError('stream ended before it was ready', 0, 'VEXFS_UNREACHABLE', null));
        }
      })();
      ready.catch(() => {});
      done.catch(() => {});
      return { ready, done: done.catch(() => {}), close: () => ac.abort() };
    },
  };
}

function streamPath(f: StreamFilter): string {
  const q = new URLSearchParams();
  if (f.kinds?.length) q.set('kind', f.kinds.join(','));
  if (f.ops?.length) q.set('op', f.ops.join(','));
  if (f.prefix !== undefined) q.set('prefix', f.prefix);
  const s = q.toString();
  return `/events/stream${s ? `?${s}` : ''}`;
}

/** Parses a text/event-stream response (the subset the server sends: id, event, data, comments). */
async function* readStream(
  doFetch: typeof fetch, url: string, headers: Record<string, string>, signal?: AbortSignal, onReady?: () => void,
): AsyncGenerator<StreamMessage> {
  let res: Response;
  try {
    res = await doFetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal });
  } catch (err) {
    if (signal?.aborted) return;
    throw new ApiClientError(`GET ${url}: no answer: ${(err as Error).message}`, 0, 'VEXFS_UNREACHABLE', null);
  }
  if (!res.ok || !res.body) {
    const text = await res.text();
    let parsed: { code?: string; message?: string } | null = null;
    try { parsed = JSON.parse(text) as { code?: string; message?: string }; } catch { /* not JSON */ }
    throw new ApiClientError(`GET ${url}: ${res.status} ${parsed?.code ?? ''} ${parsed?.message ?? ''}`, res.status, parsed?.code ?? `HTTP_${res.status}`, parsed ?? text);
  }
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let start = 0;
      let sep: number;
      while ((sep = buf.indexOf('\n\n', start)) >= 0) {
        const block = buf.slice(start, sep);
        start = sep + 2;
        let name = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length === 0) continue;
        // nothing is delivered after an abort, even what was already received
        if (signal?.aborted) return;
        const payload = JSON.parse(data.join('\n')) as unknown;
        if (name === 'ready') onReady?.();
        else if (name === 'dropped') yield { type: 'dropped', dropped: (payload as { dropped: number }).dropped };
        else if (name === 'message') yield { type: 'event', event: payload as StreamEvent };
      }
      // one slice per chunk, not per message: a backlog of many messages stays linear
      buf = buf.slice(start);
    }
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  }
}
