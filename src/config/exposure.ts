import type { Config } from '../core/config.js';
import { badInput } from '../core/errors.js';

/**
 * Checks that the API tokens are not undone by the webhook route: with `app.auth.tokens` set and no
 * `github.webhookSecret`, anyone could still queue builds of any repository through unsigned webhooks,
 * so the server refuses to start unless `github.allowUnsigned: true` says that is intended.
 * Throws a bad-input error (exit code 2) naming the keys.
 */
export function checkExposure(config: Config): string[] {
  if (hasTokens(config) && config.github.webhookSecret === null && !config.github.allowUnsigned) {
    throw badInput(
      'app.auth.tokens is set but github.webhookSecret is not: unsigned webhooks (/public/api/hooks/github) would let anyone queue builds. ' +
        'Set github.webhookSecret (and the same secret on GitHub), or set github.allowUnsigned: true to accept unsigned webhooks anyway',
    );
  }
  return exposureWarnings(config);
}

/**
 * What an operator should know about who can reach this server, as sentences for the start-up log and
 * the UI's footer; empty when API tokens and the webhook secret are both set.
 */
export function exposureWarnings(config: Config): string[] {
  const tokens = hasTokens(config);
  if (config.github.webhookSecret !== null) return tokens ? [] : [OPEN_API];
  return [tokens ? UNSIGNED_ALLOWED : OPEN];
}

const hasTokens = (config: Config): boolean => (config.app.auth?.tokens.length ?? 0) > 0;

const OPEN =
  'Roger is open: no app.auth.tokens and no github.webhookSecret are set, so anyone who can reach this server can queue and cancel builds, ' +
  'read their logs and send unsigned webhooks. Set app.auth.tokens and github.webhookSecret.';
const OPEN_API =
  'No app.auth.tokens are set: anyone who can reach this server can queue and cancel builds and read their logs. Set app.auth.tokens.';
const UNSIGNED_ALLOWED =
  'github.allowUnsigned is true and github.webhookSecret is not set: anyone who can reach /public/api/hooks/github can queue webhook builds.';
