import { httpsOrigin } from './url.js';

/** Inherited git variables an operator may legitimately need (a private CA); every other GIT_* is dropped. */
const KEPT_GIT_VARS = new Set(['GIT_SSL_CAINFO', 'GIT_SSL_CAPATH']);

export interface GitEnvOptions {
  /** Transports git may use (GIT_ALLOW_PROTOCOL); `ext` and friends are never among them. */
  protocols: readonly string[];
  /** Repository URL: the token goes only to its https origin. */
  url?: string;
  token?: string;
  /** The user name sent with the token (GitLab wants `oauth2`). */
  tokenUser?: string;
}

/**
 * The environment of every git process. Inherited GIT_* variables are dropped because GIT_DIR,
 * GIT_CONFIG_PARAMETERS, GIT_SSH, GIT_ASKPASS and the like would redirect or reconfigure git (Roger
 * may itself run from a git hook). System and global config are ignored so an operator's
 * `url.insteadOf`, credential helpers or `core.sshCommand` cannot change what a build fetches.
 * Nothing may prompt: a build has no terminal.
 */
export function gitEnv(base: NodeJS.ProcessEnv, opts: GitEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (key.startsWith('GIT_') && !KEPT_GIT_VARS.has(key)) continue;
    // git falls back to SSH_ASKPASS for passwords; an askpass program could pop up or hang.
    if (key === 'SSH_ASKPASS') continue;
    env[key] = value;
  }
  Object.assign(env, {
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: opts.protocols.join(':'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_SSH_COMMAND: 'ssh -oBatchMode=yes',
    // Error messages are matched in English.
    LC_ALL: 'C',
    LANGUAGE: 'C',
  });
  const origin = opts.url === undefined ? undefined : httpsOrigin(opts.url);
  if (opts.token !== undefined && opts.token !== '' && origin !== undefined) {
    // Config through the environment: the token never reaches argv (visible in `ps`), a URL
    // (echoed by git, stored in .git/config) or a file. Scoped to the origin, git itself sends the
    // header only to that host and port, read by its own URL parser, and never over plain http.
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `http.${origin}.extraHeader`,
      GIT_CONFIG_VALUE_0: authHeader(opts.token, opts.tokenUser),
    });
  }
  return env;
}

/** The header forges accept for a token used as a password: GitHub and Gitea take any user name, GitLab wants `oauth2`. */
export function authHeader(token: string, user = 'x-access-token'): string {
  return `Authorization: Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
}
