import { badInput } from '../core/errors.js';
import { redactUrl } from './redact.js';

export { checkRefName } from './ref.js';

/** Longer URLs are no real repository; the cap keeps logs and argv sane. */
const MAX_URL = 2048;

/** The schemes Roger can clone from; anything else is refused even if configured. */
export const KNOWN_SCHEMES = ['https', 'http', 'ssh', 'git', 'file'] as const;

/**
 * How git will reach `url`, decided the way git decides it: `<scheme>://` by its scheme (`git+ssh`
 * and `ssh+git` are ssh), `<transport>::<address>` by the transport, a colon before the first slash
 * is scp-like ssh (`[user@]host:path`), and everything else is a local path (`file`).
 */
export function schemeOf(url: string): string {
  const transport = /^([A-Za-z][A-Za-z0-9+.-]*)::/.exec(url);
  if (transport?.[1] !== undefined) return transport[1].toLowerCase();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (scheme?.[1] !== undefined) {
    const s = scheme[1].toLowerCase();
    return s === 'git+ssh' || s === 'ssh+git' ? 'ssh' : s;
  }
  return isScpLike(url) ? 'ssh' : 'file';
}

/**
 * Returns `url` when git may fetch from it, else throws a bad-input error saying why. Guards the
 * option-injection and transport tricks (`--upload-pack=...`, `ext::...`, `ssh://-oProxyCommand=...`)
 * before any git process exists, enforces the configured scheme allowlist, and refuses credentials
 * and any spelling that git and URL parsers would read as different hosts (see `readAddress`).
 */
export function checkRepoUrl(url: string, allowedSchemes: string[]): string {
  const problem = urlProblem(url, allowedSchemes.map((s) => s.toLowerCase()));
  if (problem !== undefined) throw badInput(`invalid repository URL ${quote(url)}: ${problem}`);
  return url;
}

function urlProblem(url: string, allowed: string[]): string | undefined {
  if (url === '') return 'it is empty';
  if (url.length > MAX_URL) return `it is longer than ${MAX_URL} characters`;
  if (url.startsWith('-')) return "it starts with '-' (would read as a git option)";
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) return "'<transport>::' URLs (such as ext::) are not allowed";
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(url)) return 'it contains whitespace or control characters';
  const scheme = schemeOf(url);
  if (!(KNOWN_SCHEMES as readonly string[]).includes(scheme)) return `scheme '${scheme}' is not supported`;
  if (!allowed.includes(scheme)) return `scheme '${scheme}' is not allowed (allowed: ${allowed.join(', ') || 'none'})`;
  if (scheme === 'file') return undefined;
  return authorityProblem(scheme, url);
}

/** Where a network repository URL points, read the way git (and curl, for http and https) reads it. */
export interface RepoAddress {
  scheme: string;
  /** ssh only: the login name (`git` of `git@host:path`). */
  user?: string;
  /** Lower case, ASCII, no trailing dot; IPv6 without brackets. */
  host: string;
  port?: string;
}

/** Why credentials are refused, said once for every place that refuses them. */
const CREDENTIALS = 'a repository URL must not carry credentials: put the token in auth.github (config.yml) instead';
/** What a host may be spelled with: an international name is written in its `xn--` form. */
const HOST_NAME = /^[A-Za-z0-9_.-]+$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/**
 * The address of `url` when git would fetch it over the network and every reader agrees on it, else
 * undefined (a local path, or a URL `checkRepoUrl` refuses). What decides where a token may go.
 */
export function repoAddress(url: string): RepoAddress | undefined {
  const scheme = schemeOf(url);
  if (scheme === 'file' || urlProblem(url, [...KNOWN_SCHEMES]) !== undefined) return undefined;
  const read = readAddress(scheme, url);
  return 'address' in read ? read.address : undefined;
}

/** `https://host[:port]/`: the prefix git matches `http.<url>.*` settings against. */
export function httpsOrigin(url: string): string | undefined {
  const a = repoAddress(url);
  if (a?.scheme !== 'https') return undefined;
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  return `https://${host}${a.port ? `:${a.port}` : ''}/`;
}

function authorityProblem(scheme: string, url: string): string | undefined {
  const read = readAddress(scheme, url);
  return 'problem' in read ? read.problem : undefined;
}

/**
 * Host, user and port, with the checks that keep every reader on one host: ssh passes user and host
 * to its command line (a leading '-' is an option), and a URL that Node's parser and git's curl would
 * send to different hosts (`https://github.com\@evil.example/`, `%5C`, user info, look-alike
 * spellings) is refused, so a token can never follow one host's name to another host.
 */
function readAddress(scheme: string, url: string): { address: RepoAddress } | { problem: string } {
  // WHATWG parsers end the authority at '\', git and curl do not: the one character that splits them.
  if (url.includes('\\')) return { problem: 'it contains a backslash (read as a different host by git and by URL parsers)' };
  const authority = authorityOf(url);
  // git percent-decodes ssh:// and git:// URLs before connecting, so check what ssh would receive.
  const decoded = percentDecode(authority);
  if (decoded === undefined) return { problem: 'it has malformed percent-encoding' };
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(decoded)) return { problem: 'its host part contains whitespace or control characters' };
  if (decoded.includes('\\')) return { problem: 'it contains an encoded backslash (read as a different host by git and by URL parsers)' };
  const at = decoded.lastIndexOf('@');
  const user = at === -1 ? undefined : decoded.slice(0, at);
  const rawHostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const { host, port } = splitHostPort(at === -1 ? decoded : decoded.slice(at + 1));
  if (user?.startsWith('-')) return { problem: "its user name starts with '-'" };
  if (host === '') return { problem: 'it has no host' };
  if (host.startsWith('-')) return { problem: `its host starts with '-' (${scheme} would read it as an option)` };
  if (port?.startsWith('-')) return { problem: "its port starts with '-'" };
  // Only an ssh login name is no secret; anything else in user info is a password or a token.
  if (user !== undefined && (scheme !== 'ssh' || user.includes(':') || user === '')) return { problem: CREDENTIALS };
  if (rawHostPort.includes('%')) return { problem: 'its host is percent-encoded' };
  const literal = rawHostPort.startsWith('[');
  if (literal ? !IPV6.test(host) : !HOST_NAME.test(host)) {
    return { problem: "its host has characters other than letters, digits, '.', '-' and '_' (write an international name in its xn-- form)" };
  }
  if (host.endsWith('.')) return { problem: "its host ends with '.'" };
  if (port !== undefined && !/^\d{0,5}$/.test(port)) return { problem: 'its port is not a number' };
  const address: RepoAddress = { scheme, host: host.toLowerCase(), ...(user ? { user } : {}), ...(port ? { port } : {}) };
  if ((scheme === 'http' || scheme === 'https') && !sameAsWhatwg(url, address)) {
    return { problem: 'its host reads differently to git and to URL parsers' };
  }
  return { address };
}

/** Whether Node's URL parser (and every WHATWG one) sees the host and port git will connect to. */
function sameAsWhatwg(url: string, a: RepoAddress): boolean {
  if (!URL.canParse(url)) return false;
  const u = new URL(url);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const defaultPort = a.scheme === 'https' ? '443' : '80';
  const port = a.port === undefined || a.port === defaultPort ? '' : String(Number(a.port));
  return u.username === '' && u.password === '' && host === a.host && u.port === port;
}

/** The `user@host:port` part: after `://` up to the path, or before the colon of an scp-like URL. */
function authorityOf(url: string): string {
  const sep = url.indexOf('://');
  if (sep !== -1) {
    const rest = url.slice(sep + 3);
    const end = rest.search(/[/?#]/);
    return end === -1 ? rest : rest.slice(0, end);
  }
  // scp-like: `[user@host:port]:path` or `user@host:path`.
  if (url.startsWith('[')) {
    const close = url.indexOf(']');
    return close === -1 ? url : url.slice(1, close);
  }
  return url.slice(0, url.indexOf(':'));
}

function splitHostPort(hostPort: string): { host: string; port?: string } {
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) return { host: hostPort };
    const after = hostPort.slice(close + 1);
    return { host: hostPort.slice(1, close), port: after.startsWith(':') ? after.slice(1) : undefined };
  }
  const colon = hostPort.indexOf(':');
  return colon === -1 ? { host: hostPort } : { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
}

/** git's rule (`url_is_local_not_ssh`): a colon before any slash makes it `host:path`. */
function isScpLike(url: string): boolean {
  if (url.startsWith('[')) return url.includes(']:');
  const colon = url.indexOf(':');
  if (colon === -1) return false;
  const slash = url.indexOf('/');
  return slash === -1 || colon < slash;
}

function percentDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Quotes, redacts and shortens a refused URL, so the error stays one readable line and leaks no password. */
function quote(url: string): string {
  const safe = redactUrl(url);
  const short = safe.length > 200 ? `${safe.slice(0, 200)}...` : safe;
  return JSON.stringify(short);
}
