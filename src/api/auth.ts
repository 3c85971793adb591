import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../errors.js';
import { apiError } from './http-errors.js';
import { roleAllows, type Role } from './options.js';

/** Who may call a route: a minimum role, or 'public' (health, readiness, metrics, the OpenAPI document, the web page). */
export type Access = Role | 'public';

declare module 'fastify' {
  interface FastifyContextConfig { access?: Access; queryToken?: boolean }
  interface FastifyRequest { role?: Role }
}

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Checks `Authorization: Bearer <token>` against the route's minimum role before the body is
 * read. Routes marked `queryToken` (the live stream: the browser's EventSource cannot set
 * headers) also accept `?token=`; elsewhere a token in a URL is ignored, to keep it out of logs.
 * Tokens are kept as SHA-256 digests so a lookup leaks no timing about their bytes.
 */
export function installAuth(app: FastifyInstance, opts: { auth: boolean; tokens: Readonly<Record<string, Role>> }): void {
  const roles = new Map<string, Role>(Object.entries(opts.tokens).map(([t, r]) => [digest(t), r]));
  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config?.access;
    if (access === undefined) return; // unknown route: the not-found handler answers
    if (!opts.auth) { req.role = 'admin'; return; }
    const token = tokenOf(req, req.routeOptions.config?.queryToken === true);
    const role = token === null ? undefined : roles.get(digest(token));
    if (role !== undefined) req.role = role;
    if (access === 'public') return;
    if (token === null) throw apiError(ErrorCodes.UNAUTHORIZED, 'missing API token: send "Authorization: Bearer <token>"');
    if (role === undefined) throw apiError(ErrorCodes.UNAUTHORIZED, 'unknown API token');
    if (!roleAllows(role, access)) {
      throw apiError(ErrorCodes.FORBIDDEN, `role ${role} may not ${req.method} ${req.routeOptions.url}: needs ${access} or higher`, { role, needs: access });
    }
  });
}

function tokenOf(req: FastifyRequest, fromQuery: boolean): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1]! : h.trim() || null;
  }
  if (!fromQuery) return null;
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  return typeof q === 'string' && q !== '' ? q : null;
}
