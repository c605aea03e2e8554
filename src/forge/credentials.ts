import type { BuildOptions } from '../core/build.js';
import type { Config } from '../core/config.js';
import type { ForgeName } from '../core/forge.js';
import { repoAddress } from '../git/url.js';
import { forgeHost } from './github/repo.js';
import { apiHost } from './locate.js';

/** A token for clones, with the user name its forge expects. */
export interface CloneCredential {
  token: string;
  tokenUser: string;
}

/**
 * The token that may go with a clone of `repo`: a forge's token goes only to that forge's host (the
 * host its apiUrl names: `api.github.com` -> `github.com`, `https://HOST/api/v4` -> `HOST`), over
 * https, and only when the URL names that host the same way to every reader (`repoAddress` refuses
 * spellings that git and URL parsers read as different hosts). The build's own forge is asked first,
 * so a host serving two forges' APIs gets the one whose webhook asked. Any other host never sees one.
 */
export function cloneCredential(repo: string, config: Config, options: Pick<BuildOptions, 'forge'> = {}): CloneCredential | undefined {
  const address = repoAddress(repo);
  if (address?.scheme !== 'https') return undefined;
  const candidates: { forge: ForgeName; host: string | undefined; token: string | null; tokenUser: string }[] = [
    { forge: 'github', host: forgeHost(config.github.apiUrl), token: config.auth.github, tokenUser: 'x-access-token' },
    // GitLab takes a personal, project or group access token as the password of user `oauth2`.
    { forge: 'gitlab', host: apiHost(config.gitlab.apiUrl), token: config.gitlab.token, tokenUser: 'oauth2' },
    // Gitea and Forgejo read a token given as the password, whatever the user name.
    { forge: 'gitea', host: apiHost(config.gitea.apiUrl), token: config.gitea.token, tokenUser: 'x-access-token' },
  ];
  const ordered = [...candidates.filter((c) => c.forge === options.forge), ...candidates.filter((c) => c.forge !== options.forge)];
  const found = ordered.find((c) => c.token && c.host === address.host);
  return found?.token ? { token: found.token, tokenUser: found.tokenUser } : undefined;
}
