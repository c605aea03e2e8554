import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BADGE_ROUTE } from './routes/badge.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether a request carries one of the tokens; always true when none are configured (open mode). */
export type TokenCheck = (req: FastifyRequest) => boolean;

/**
 * Tokens are compared as hashes in constant time so neither length nor content leaks through timing.
 */
export function tokenCheck(tokens: string[]): TokenCheck {
  const expected = tokens.map(digest);
  return (req) => {
    if (expected.length === 0) return true;
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const given = match?.[1] ? digest(match[1]) : undefined;
    return given !== undefined && expected.some((e) => timingSafeEqual(e, given));
  };
}

/**
 * `app.auth.tokens`: when any are configured, every /api route needs `Authorization: Bearer TOKEN`,
 * and so does /metrics when `app.auth.metrics` is true. /public/* (webhooks carry their own signature)
 * and /healthz stay open; /healthz then tells details only to a caller with a token. So does a project's
 * badge (exactly that route): a README shows it to anyone, and it tells one status word.
 */
export function bearerAuth(check: TokenCheck, opts: { metrics: boolean }) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // The matched route, not the raw URL: an encoded path (/%61pi/...) must not slip past the check.
    const route = req.routeOptions.url ?? req.url;
    const guarded = (route.startsWith('/api') && route !== BADGE_ROUTE) || (opts.metrics && route === '/metrics');
    if (!guarded || check(req)) return;
    await reply.code(401).header('www-authenticate', 'Bearer realm="roger"').send({ message: 'a valid API token is required' });
  };
}
