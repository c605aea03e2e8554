import type { BuildRecord } from '../core/build.js';
import type { Config } from '../core/config.js';
import { isNotifierName, STATUS_NOTIFIERS, type NotifierName } from '../core/notifier.js';
import { buildForge } from '../forge/which.js';
import { isGlobal } from './settings.js';

/**
 * Who hears about a build: the project's `notify:` list plus every notifier whose
 * `notifications.<name>.global` is `true` or `'true'`. When build.yml was never read (the checkout
 * failed after fetching), a webhook build still tells its forge: the commit waits for a status there.
 * `github`, `gitlab` and `gitea` all mean the commit status on the build's own forge, so a build.yml
 * written for GitHub reports to GitLab when GitLab's webhook asked for the build.
 * Unknown names are left out (the build log warned about them).
 */
export function recipients(config: Config, build: BuildRecord, notify: readonly string[] | undefined): NotifierName[] {
  const forge = buildForge(build, config);
  const listed = notify ?? (build.trigger === 'webhook' ? [forge] : []);
  const globals = Object.keys(config.notifications).filter((name) => isGlobal(config.notifications[name]));
  const status = (name: string): string => ((STATUS_NOTIFIERS as readonly string[]).includes(name) ? forge : name);
  return [...new Set([...listed, ...globals].map(status))].filter(isNotifierName);
}
