import { ErrorCodes, VexfsError } from '../errors.js';

/** The three API roles (seed 003): viewer reads, operator writes vectors and runs replays, admin manages collections and configuration. */
export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** True when `have` is at least `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/** Options of the API server. */
export interface ApiOptions {
  /** Listen address; default '127.0.0.1'. */
  host?: string;
  /** Listen port; default 7070 (0 = any free port). */
  port?: number;
  /** Bearer tokens and their roles, e.g. {"s3cret": "admin"}; default {} (then `auth` must be false). */
  tokens?: Record<string, Role>;
  /** Require a token on every non-public route; default true. false = every caller is admin (local development only). */
  auth?: boolean;
  /** Largest accepted request body in bytes; default 8 MiB. */
  bodyLimit?: number;
  /** Live stream: events queued per slow client before events are dropped for it; default 10,000. */
  streamQueue?: number;
  /** Live stream: heartbeat comment interval in ms; default 15,000. */
  heartbeatMs?: number;
  /** Time limit of each readiness check in ms; default 2,000. */
  readyTimeoutMs?: number;
  /** Time limit of a SQL query in ms; default 30,000. */
  sqlTimeoutMs?: number;
  /** Most rows a SQL query returns; default 10,000. */
  sqlMaxRows?: number;
}

/** Defaults of every option. */
export const API_DEFAULTS: Readonly<Required<ApiOptions>> = Object.freeze({
  host: '127.0.0.1', port: 7070, tokens: {}, auth: true, bodyLimit: 8 * 1024 * 1024,
  streamQueue: 10_000, heartbeatMs: 15_000, readyTimeoutMs: 2_000, sqlTimeoutMs: 30_000, sqlMaxRows: 10_000,
});

const bad = (key: string, value: unknown, allowed: string): VexfsError =>
  new VexfsError(ErrorCodes.CONFIG_INVALID, `api.${key} = ${JSON.stringify(value)} is invalid: ${allowed}`, { context: { key: `api.${key}`, value } });

const intIn = (key: string, v: unknown, min: number, max: number): void => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(key, v, `an integer from ${min} to ${max}`);
};

/** Validates options once: unknown keys refused, each bad value named with what is allowed; returns the frozen result with defaults. */
export function resolveApiOptions(opts: ApiOptions = {}): Readonly<Required<ApiOptions>> {
  for (const key of Object.keys(opts)) {
    if (!(key in API_DEFAULTS)) throw bad(key, (opts as Record<string, unknown>)[key], `unknown option; allowed: ${Object.keys(API_DEFAULTS).join(', ')}`);
  }
  const o = { ...API_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as Required<ApiOptions>;
  if (typeof o.host !== 'string' || o.host === '') throw bad('host', o.host, 'a host name or IP address');
  intIn('port', o.port, 0, 65535);
  intIn('bodyLimit', o.bodyLimit, 1024, 1024 * 1024 * 1024);
  intIn('streamQueue', o.streamQueue, 1, 10_000_000);
  intIn('heartbeatMs', o.heartbeatMs, 100, 3_600_000);
  intIn('readyTimeoutMs', o.readyTimeoutMs, 10, 600_000);
  intIn('sqlTimeoutMs', o.sqlTimeoutMs, 10, 3_600_000);
  intIn('sqlMaxRows', o.sqlMaxRows, 1, 100_000_000);
  if (typeof o.auth !== 'boolean') throw bad('auth', o.auth, 'true or false');
  if (o.tokens === null || typeof o.tokens !== 'object' || Array.isArray(o.tokens)) throw bad('tokens', o.tokens, 'an object {token: role}');
  for (const [token, role] of Object.entries(o.tokens)) {
    if (token.length < 8) throw bad('tokens', '<redacted>', 'each token at least 8 characters');
    if (!ROLES.includes(role)) throw bad(`tokens.<${token.slice(0, 2)}…>`, role, `a role: ${ROLES.join(', ')}`);
  }
  if (o.auth && Object.keys(o.tokens).length === 0) throw bad('tokens', {}, 'at least one token when auth is on (or auth: false for local development)');
  return Object.freeze({ ...o, tokens: Object.freeze({ ...o.tokens }) });
}
