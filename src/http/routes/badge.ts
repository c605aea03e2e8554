import { createHash } from 'node:crypto';
import { makeBadge } from 'badge-maker';
import type { FastifyInstance } from 'fastify';
import type { BuildStatus } from '../../core/build.js';
import type { AppDeps } from '../app.js';

/** The only route open without a token when API tokens are set: it tells a status and nothing else. */
export const BADGE_ROUTE = '/api/projects/:name/badge.svg';

export type BadgeState = 'passing' | 'failing' | 'running' | 'unknown';

const COLORS: Record<BadgeState, string> = { passing: '#4c1', failing: '#e05d44', running: '#dfb317', unknown: '#9f9f9f' };

/** Longer names or branches are no project Roger could have; they get `unknown` without a lookup. */
const MAX_NAME = 2048;
const MAX_BRANCH = 256;

export function badgeState(status: BuildStatus | undefined): BadgeState {
  if (status === 'passed') return 'passing';
  if (status === 'failed') return 'failing';
  if (status === 'queued' || status === 'started') return 'running';
  return 'unknown';
}

/** Four badges in all: made once each, so a request costs one indexed query and a header compare. */
const BADGES = new Map(
  (Object.keys(COLORS) as BadgeState[]).map((state) => {
    const svg = makeBadge({ label: 'build', message: state, color: COLORS[state], style: 'flat' });
    return [state, { svg, etag: `"${createHash('sha256').update(svg).digest('base64url').slice(0, 22)}"` }] as const;
  }),
);

/**
 * `GET /api/projects/:name/badge.svg?branch=B`: `:name` is Roger's project id `<repo>__<project>`,
 * percent-encoded as one path segment (what the UI copies); without `branch`, any branch's newest build.
 * A project Roger never built is an `unknown` badge (200): a README must never show a broken image.
 */
export function badgeRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'store'>): void {
  app.get<{ Params: { name: string }; Querystring: Record<string, unknown> }>(BADGE_ROUTE, async (req, reply) => {
    const name = req.params.name;
    const raw = req.query.branch;
    const branch = typeof raw === 'string' && raw !== '' ? raw : undefined;
    // `?branch[]=x` or an over-long value names no branch Roger builds.
    const askable = name.length <= MAX_NAME && (raw === undefined || raw === '' || (branch !== undefined && branch.length <= MAX_BRANCH));
    const status = askable ? await deps.store.latestStatus(name, branch) : undefined;
    const badge = BADGES.get(badgeState(status));
    if (!badge) throw new Error('every state has a badge');
    void reply
      .header('content-type', 'image/svg+xml; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('etag', badge.etag)
      // An SVG is a document: nothing in it may run or load, even if opened directly.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
      .header('x-content-type-options', 'nosniff');
    const seen = String(req.headers['if-none-match'] ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (seen.includes(badge.etag)) return reply.code(304).send();
    return reply.send(badge.svg);
  });
}
