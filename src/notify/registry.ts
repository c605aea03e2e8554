import type { Config } from '../core/config.js';
import type { Notifier, NotifierName } from '../core/notifier.js';
import { emailNotifier } from './email.js';
import { emailSesNotifier } from './email-ses.js';
import { githubStatusNotifier } from './github-status.js';
import { giteaStatusNotifier } from './gitea-status.js';
import { gitlabStatusNotifier } from './gitlab-status.js';
import { slackNotifier } from './slack.js';
import { webhookNotifier } from './webhook.js';

/** Reads its own `notifications.<name>` (and Roger's older keys); undefined when not configured. */
export type NotifierFactory = (config: Config) => Notifier | undefined;

/** Every notifier Roger knows, by the name build.yml's `notify:` uses. A new one is one file and one line here. */
export const NOTIFIER_FACTORIES: Record<NotifierName, NotifierFactory> = {
  github: (config) => githubStatusNotifier(config),
  gitlab: (config) => gitlabStatusNotifier(config),
  gitea: (config) => giteaStatusNotifier(config),
  slack: slackNotifier,
  emailSes: emailSesNotifier,
  email: emailNotifier,
  webhook: webhookNotifier,
};

/**
 * The configured notifiers. A malformed `notifications.<name>` section throws a bad-input error
 * here, at start. `given` replaces a factory's result (tests hand in a GitHub API client).
 */
export function createNotifiers(config: Config, given: Partial<Record<NotifierName, Notifier>> = {}): Map<NotifierName, Notifier> {
  const out = new Map<NotifierName, Notifier>();
  for (const [name, factory] of Object.entries(NOTIFIER_FACTORIES) as [NotifierName, NotifierFactory][]) {
    const notifier = given[name] ?? factory(config);
    if (notifier) out.set(name, notifier);
  }
  return out;
}
