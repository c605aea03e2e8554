import type { BuildRecord } from '../core/build.js';
import type { Config } from '../core/config.js';
import { isNotifierName, type NotifierName } from '../core/notifier.js';
import { isGlobal } from './settings.js';

/**
 * Who hears about a build: the project's `notify:` list plus every notifier whose
 * `notifications.<name>.global` is `true` or `'true'`. When build.yml was never read (the checkout
 * failed after fetching), a webhook build still tells GitHub: the commit waits for a status there.
 * Unknown names are left out (the build log warned about them).
 */
export function recipients(config: Config, build: BuildRecord, notify: readonly string[] | undefined): NotifierName[] {
  const listed = notify ?? (build.trigger === 'webhook' ? ['github'] : []);
  const globals = Object.keys(config.notifications).filter((name) => isGlobal(config.notifications[name]));
  return [...new Set([...listed, ...globals])].filter(isNotifierName);
}
