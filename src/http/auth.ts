import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * `app.auth.tokens`: when any are configured, every /api route needs `Authorization: Bearer TOKEN`.
 * /public/* (webhooks carry their own signature), /healthz and /metrics stay open. Tokens are compared
 * as hashes in constant time so neither length nor content leaks through timing.
 */
export function bearerAuth(tokens: string[]) {
  const expected = tokens.map(digest);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // The matched route, not the raw URL: an encoded path (/%61pi/...) must not slip past the check.
    const route = req.routeOptions.url ?? req.url;
    if (expected.length === 0 || !route.startsWith('/api')) return;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = match?.[1] ? digest(match[1]) : undefined;
    const ok = given !== undefined && expected.some((e) => timingSafeEqual(e, given));
    if (!ok) {
      await reply.code(401).header('www-authenticate', 'Bearer realm="roger"').send({ message: 'a valid API token is required' });
    }
  };
}
