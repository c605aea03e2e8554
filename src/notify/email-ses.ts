import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import type { Config } from '../core/config.js';
import { NotifyError, type Notifier } from '../core/notifier.js';
import { networkError, retryableStatus } from './http.js';
import { body, passedOrFailed, resolveRecipients, subject } from './message.js';
import { commonSettings, readSettings, recipientList } from './settings.js';

const schema = commonSettings.extend({
  accessKey: z.string().min(1).optional(),
  secret: z.string().min(1).optional(),
  region: z.string().min(1).default('us-east-1'),
  /** A local or compatible SES; without it the SDK's own `AWS_ENDPOINT_URL_SESV2` / `AWS_ENDPOINT_URL` apply. */
  endpoint: z.string().url().optional(),
  from: z.string().min(1),
  to: recipientList,
});

/**
 * Email through Amazon SES's v2 API (Roger's `notifications.emailSes`). Without `accessKey` the SDK
 * finds credentials its usual way (environment, instance role).
 */
export function emailSesNotifier(config: Config): Notifier | undefined {
  const settings = readSettings(config, 'emailSes', schema);
  if (!settings) return undefined;
  const client = new SESv2Client({
    region: settings.region,
    endpoint: settings.endpoint,
    credentials: settings.accessKey ? { accessKeyId: settings.accessKey, secretAccessKey: settings.secret ?? '' } : undefined,
    // Retries are the dispatcher's, so every attempt is counted and recorded.
    maxAttempts: 1,
  });
  return {
    name: 'emailSes',
    wants: passedOrFailed,
    async send(n, signal) {
      const { to, note } = resolveRecipients(settings.to, n.build);
      if (to.length === 0) throw new NotifyError(`no recipients${note ? ` (${note})` : ''}`, false);
      const command = new SendEmailCommand({
        FromEmailAddress: settings.from,
        Destination: { ToAddresses: to },
        Content: { Simple: { Subject: { Data: subject(n.build), Charset: 'UTF-8' }, Body: { Text: { Data: body(n), Charset: 'UTF-8' } } } },
      });
      try {
        const out = await client.send(command, { abortSignal: signal });
        return `sent through SES to ${to.length} recipient(s) (${out.MessageId ?? 'no message id'})${note ? `; ${note}` : ''}`;
      } catch (err) {
        throw sesError(err, signal);
      }
    },
  };
}

function sesError(err: unknown, signal: AbortSignal): NotifyError {
  const e = err as { $metadata?: { httpStatusCode?: number }; name?: string; message?: string };
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') {
    return new NotifyError(`SES answered ${status} ${e.name ?? ''}: ${(e.message ?? '').slice(0, 200)}`, retryableStatus(status), { cause: err });
  }
  return networkError(err, 'SES', signal);
}
