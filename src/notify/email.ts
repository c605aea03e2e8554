import { createTransport } from 'nodemailer';
import { z } from 'zod';
import type { Config } from '../core/config.js';
import { NotifyError, type Notifier } from '../core/notifier.js';
import { abortable, networkError } from './http.js';
import { body, passedOrFailed, resolveRecipients, subject } from './message.js';
import { commonSettings, readSettings, recipientList } from './settings.js';

const schema = commonSettings.extend({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
  username: z.string().optional(),
  password: z.string().optional(),
  from: z.string().min(1),
  to: recipientList,
});

/** Email over SMTP through nodemailer (`notifications.email`); `to` may name Roger's `committer`. */
export function emailNotifier(config: Config): Notifier | undefined {
  const settings = readSettings(config, 'email', schema);
  if (!settings) return undefined;
  const timeout = settings.timeout * 1000;
  const transport = createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.username ? { user: settings.username, pass: settings.password ?? '' } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    name: 'email',
    wants: passedOrFailed,
    async send(n, signal) {
      const { to, note } = resolveRecipients(settings.to, n.build);
      if (to.length === 0) throw new NotifyError(`no recipients${note ? ` (${note})` : ''}`, false);
      const sending = transport.sendMail({ from: settings.from, to, subject: subject(n.build), text: body(n) });
      try {
        const info = await abortable(sending, signal);
        return `mailed ${info.accepted.length} recipient(s) over SMTP${note ? `; ${note}` : ''}`;
      } catch (err) {
        throw smtpError(err, signal);
      }
    },
  };
}

/**
 * SMTP replies 5xx for what will never pass (unknown recipient, refused sender, bad login); 4xx and
 * dropped connections are temporary.
 */
function smtpError(err: unknown, signal: AbortSignal): NotifyError {
  const e = err as { responseCode?: unknown; response?: unknown; code?: unknown };
  if (typeof e.responseCode === 'number') {
    const reply = typeof e.response === 'string' ? e.response : `SMTP ${e.responseCode}`;
    return new NotifyError(`SMTP refused: ${reply.slice(0, 200)}`, e.responseCode < 500, { cause: err });
  }
  if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
    return new NotifyError(`SMTP: ${err instanceof Error ? err.message : String(err)}`, false, { cause: err });
  }
  return networkError(err, 'SMTP', signal);
}
