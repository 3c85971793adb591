import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** The live web page: plain HTML, CSS and JS from src/api/web (no build step), read once at start. */
export function webRoutes(app: FastifyInstance): void {
  const dir = new URL('../web/', import.meta.url);
  const index = readFileSync(new URL('index.html', dir));
  const assets = new Map(Object.entries(FILES).map(([name, type]) => [name, { body: readFileSync(new URL(name, dir)), type }]));
  const headers = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.headers(headers).type('text/html; charset=utf-8').send(index));

  app.get<{ Params: { file: string } }>('/web/:file', { config: { access: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const asset = assets.get(req.params.file);
    if (!asset) return reply.callNotFound();
    return reply.headers(headers).type(asset.type).send(asset.body);
  });
}
