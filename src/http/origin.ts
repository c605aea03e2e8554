import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Methods that only read; everything else changes state. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Reads that change state all the same: Roger's `GET /api/build?repo=…` queues a build. */
const UNSAFE_GETS = new Set(['/api/build']);
/** `Sec-Fetch-Site` values a browser sends for Roger's own pages and for what a person typed or bookmarked. */
const OWN_SITE = new Set(['same-origin', 'none']);

/**
 * Refuses state-changing requests a browser sends on behalf of another site (cross-site request
 * forgery): without API tokens, any page a visitor of Roger opens could otherwise queue or cancel
 * builds with a form, an `<img>` or a `text/plain` fetch. Clients that are not browsers (curl, CI
 * scripts) send no `Origin` and keep working; webhooks under /public are signed and exempt.
 *
 * A request is Roger's own when its `Origin` is `app.url`'s origin, or the origin of the `Host` it was
 * sent to if that host cannot be re-pointed by someone else's DNS (an IP address, `localhost`, or
 * `app.url`'s host name): trusting any `Host` would let a DNS-rebinding page pass as same-origin.
 */
export function originGuard(appUrl: string) {
  const own = new URL(appUrl);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // The matched route, not the raw URL, as for authentication: /%61pi/build is /api/build.
    const route = req.routeOptions.url ?? req.url.split('?')[0] ?? '';
    if (route.startsWith('/public/')) return;
    if (SAFE_METHODS.has(req.method) && !UNSAFE_GETS.has(route)) return;
    const why = foreignReason(req, own, route);
    if (why !== undefined) {
      await reply.code(403).send({ message: `cross-site request refused: ${why}. Use Roger's own web UI, or a client that is not a browser (curl, scripts)` });
    }
  };
}

function foreignReason(req: FastifyRequest, own: URL, route: string): string | undefined {
  const site = single(req.headers['sec-fetch-site']);
  if (site !== undefined && !OWN_SITE.has(site)) return `Sec-Fetch-Site is "${site.slice(0, 20)}"`;
  const origin = single(req.headers.origin);
  if (origin !== undefined && !isOwnOrigin(origin, req, own)) return `Origin ${origin.slice(0, 100)} is not Roger's own (${own.origin})`;
  const referer = single(req.headers.referer);
  if (referer !== undefined && !isOwnOrigin(originOf(referer) ?? 'null', req, own)) return 'the page that sent it is not Roger\'s';
  // Over plain http to a host name, browsers send neither Origin nor Sec-Fetch-* with an <img> or
  // <script> load, and a page can suppress Referer: a browser's GET that does not prove it comes from
  // Roger's own page is refused. Roger's UI queues builds with POST.
  if (req.method !== 'POST' && UNSAFE_GETS.has(route) && site === undefined && isBrowser(req)) return `${req.method} ${route} from a browser`;
  return undefined;
}

function isOwnOrigin(origin: string, req: FastifyRequest, own: URL): boolean {
  if (origin === own.origin) return true;
  const host = single(req.headers.host);
  if (host === undefined) return false;
  const parsed = originOf(origin);
  if (parsed === undefined) return false;
  const { hostname } = new URL(parsed);
  const pinned = isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 || hostname === 'localhost' || hostname === own.hostname;
  // Behind a TLS proxy the request arrives as http while the page is https: the host decides.
  return pinned && (parsed === `http://${host.toLowerCase()}` || parsed === `https://${host.toLowerCase()}`);
}

/** Browsers all send a User-Agent starting with `Mozilla/`; curl, wget and HTTP libraries do not. */
const isBrowser = (req: FastifyRequest): boolean => (single(req.headers['user-agent']) ?? '').startsWith('Mozilla/');

function originOf(url: string): string | undefined {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value[0];
  return value === '' ? undefined : value;
}
