import { verify } from '@octokit/webhooks-methods';
import { RogerError } from '../../core/errors.js';

/** GitHub's SHA-256 signature header: `sha256=<64 hex digits>`. */
const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

const unauthorized = (message: string): RogerError => new RogerError('unauthorized', message);

/**
 * Checks `X-Hub-Signature-256` over the body exactly as received (decoded once as UTF-8; the caller
 * parses that same string, so what is verified is what is read). The comparison is constant-time
 * (@octokit/webhooks-methods uses timingSafeEqual). Throws an `unauthorized` error when the header is
 * missing or does not match; callers record and build nothing in that case.
 */
export async function checkSignature(secret: string, body: string, header: string | string[] | undefined): Promise<void> {
  if (header === undefined || header === '') throw unauthorized('missing X-Hub-Signature-256 header (github.webhookSecret is set)');
  if (Array.isArray(header) || !SIGNATURE.test(header)) throw unauthorized('malformed X-Hub-Signature-256 header');
  // The library refuses an empty payload; an empty body can carry no valid signature anyway.
  const ok = body !== '' && (await verify(secret, body, header).catch(() => false));
  if (!ok) throw unauthorized('X-Hub-Signature-256 does not match the body (check github.webhookSecret)');
}
