import { IncomingWebhook, IncomingWebhookHTTPError, type FetchFunction } from '@slack/webhook';
import { z } from 'zod';
import type { Config } from '../core/config.js';
import { NotifyError, type Notifier } from '../core/notifier.js';
import { networkError, retryableStatus } from './http.js';
import { body, passedOrFailed, subject } from './message.js';
import { commonSettings, readSettings } from './settings.js';

const GREEN = '#36a64f';
const RED = '#d00000';

const schema = commonSettings.extend({
  url: z.string().url().optional(),
  channel: z.string().optional(),
  icon_emoji: z.string().optional(),
  username: z.string().optional(),
});

/**
 * Slack through an incoming webhook (`auth.slack.url`, or `notifications.slack.url`): one attachment,
 * green or red, authored by the repository's owner, as Roger posted it.
 */
export function slackNotifier(config: Config): Notifier | undefined {
  const settings = readSettings(config, 'slack', schema);
  const url = settings?.url ?? config.auth.slack?.url;
  if (!url) return undefined;
  return {
    name: 'slack',
    wants: passedOrFailed,
    async send(n, signal) {
      // The library's own fetch, given our signal: the attempt's timeout is the caller's.
      const fetchFn: FetchFunction = (input, init) => fetch(input, { ...init, signal });
      const hook = new IncomingWebhook(url, { fetch: fetchFn, channel: settings?.channel, icon_emoji: settings?.icon_emoji, username: settings?.username });
      const passed = n.build.status === 'passed';
      try {
        await hook.send({
          attachments: [
            {
              fallback: subject(n.build),
              color: passed ? GREEN : RED,
              author_name: repoOwner(n.build.repo),
              title: subject(n.build),
              title_link: n.link,
              text: body(n),
            },
          ],
        });
      } catch (err) {
        if (err instanceof IncomingWebhookHTTPError) throw new NotifyError(`HTTP ${err.statusCode}: ${err.body.slice(0, 200)}`, retryableStatus(err.statusCode));
        throw networkError(err, 'Slack webhook', signal);
      }
      return `posted to Slack${settings?.channel ? ` ${settings.channel}` : ''}`;
    },
  };
}

/** `octo` of `https://github.com/octo/app.git` or `git@github.com:octo/app.git`. */
export function repoOwner(repo: string): string {
  const parts = repo.replace(/\.git\/?$/, '').split(/[/:]/).filter(Boolean);
  return parts.at(-2) ?? parts.at(-1) ?? repo;
}
