import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { projectShortName } from '../core/build.js';
import type { Config } from '../core/config.js';
import type { Notification, Notifier } from '../core/notifier.js';
import { post } from './http.js';
import { commonSettings, readSettings } from './settings.js';

const schema = commonSettings.extend({ url: z.string().url(), secret: z.string().min(1).optional() });

/** `X-Roger-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, as GitHub signs its own. */
export const signBody = (secret: string, raw: string): string => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

/**
 * A JSON POST to `notifications.webhook.url` when a build passes, fails or is canceled, signed with
 * `notifications.webhook.secret` when one is set.
 */
export function webhookNotifier(config: Config): Notifier | undefined {
  const settings = readSettings(config, 'webhook', schema);
  if (!settings) return undefined;
  return {
    name: 'webhook',
    wants: (n) => n.event === 'finished' && ['passed', 'failed', 'canceled'].includes(n.build.status),
    async send(n, signal) {
      const raw = JSON.stringify(payload(n));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'roger', 'x-roger-event': `build.${n.build.status}` };
      if (settings.secret) headers['x-roger-signature-256'] = signBody(settings.secret, raw);
      const status = await post(settings.url, raw, headers, signal);
      return `POST answered ${status}`;
    },
  };
}

export function payload(n: Notification): Record<string, unknown> {
  const b = n.build;
  return {
    id: b.id,
    project: projectShortName(b.project, b.repo),
    repo: b.repo,
    branch: b.branch,
    commit: n.commit ?? null,
    status: b.status,
    error: b.error,
    image: b.tag,
    digest: b.digest,
    duration_ms: b.durationMs,
    link: n.link,
  };
}
