import type { Config } from '../core/config.js';
import type { Forge } from '../core/forge.js';
import { giteaForge } from './gitea/forge.js';
import { githubForge } from './github/forge.js';
import { gitlabForge } from './gitlab/forge.js';

/** Every forge Roger reads webhooks from; `given` replaces those of the same name (tests hand in API clients). */
export function createForges(config: Config, given: Forge[] = []): Forge[] {
  return [githubForge(config), gitlabForge(config), giteaForge(config)].map((forge) => given.find((g) => g.name === forge.name) ?? forge);
}
