import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** `npm run build:web` writes here; the same path from src/ (tests) and dist/ (the compiled server). */
export const WEB_ROOT = join(import.meta.dirname, '..', '..', '..', 'dist', 'web');

/** The paths the single-page UI routes itself; each answers index.html. */
export const UI_PATHS = ['/', '/builds', '/builds/*', '/projects', '/projects/*', '/new', '/wall'] as const;

/**
 * The page's policy: scripts and styles only from this origin (Vite emits no inline code), data only
 * from the API, never framed. Log text is rendered as text, and this is the second line of defence.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = 'Roger is running, but its web UI is not built: run `npm run build` (or `npm run build:web`) and reload.\nThe API is at /api/builds.\n';

export interface WebOptions {
  /** The built UI (index.html + assets/); default dist/web. */
  root?: string;
}

/**
 * Serves the web UI: hashed files under /assets/ cached for a year, index.html (revalidated on every
 * load) for the UI's own paths. Only those paths are claimed, so /api, /public, /healthz and /metrics
 * and their 404s stay the API's.
 */
export function webRoutes(opts: WebOptions = {}): (app: FastifyInstance) => Promise<void> {
  const root = opts.root ?? WEB_ROOT;
  return async (app) => {
    await app.register(fastifyStatic, {
      root: join(root, 'assets'),
      prefix: '/assets/',
      // Routes are matched per request, so assets of a rebuild are found without a restart.
      wildcard: true,
      index: false,
      list: false,
      dotfiles: 'deny',
      // Names carry a content hash: a changed file is a new URL.
      immutable: true,
      maxAge: '365d',
      setHeaders: (res) => res.setHeader('x-content-type-options', 'nosniff'),
    });

    // Checked per request, not at startup: `npm run build` while the server runs makes the UI appear.
    const built = (): boolean => existsSync(join(root, 'index.html'));
    const page = async (_req: unknown, reply: FastifyReply): Promise<FastifyReply> => {
      if (!built()) return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
      return reply
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .sendFile('index.html', root, { cacheControl: false });
    };
    for (const path of UI_PATHS) app.get(path, page);
  };
}
