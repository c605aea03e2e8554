import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckedOutCommit, CheckoutRequest, Commit, CommitsRequest, Git, ReleaseRequest, RemoteRefs, TokenOptions } from '../core/git.js';
import { isRogerError } from '../core/errors.js';
import { commitLogArgs, parseCommit } from './commit.js';
import { checkShas, fetchEach, missingCommits } from './commits.js';
import { authHeader, gitEnv } from './env.js';
import { localFailure, remoteFailure } from './failure.js';
import { fetchArgs, fetchRef } from './fetch.js';
import { redactUrl, urlPassword } from './redact.js';
import { LogBudget, runGit, type RunResult } from './run.js';
import { checkRefName, checkRepoUrl, KNOWN_SCHEMES, schemeOf } from './url.js';
import { Mirrors, type GitCacheOptions, type RunIn } from './mirror.js';

/** What one checkout's git output may add to the build log: as much as one build step's output. */
export const GIT_LOG_LIMIT = 5 * 1024 * 1024;

export interface GitOptions {
  /** Defaults to `git` on PATH. */
  gitBinary?: string;
  /** Transports git itself may use; defaults to all Roger knows. Callers still check URLs first. */
  allowedSchemes?: readonly string[];
  /** Clone through mirrors kept here; without it every checkout is a fetch of one commit (`--depth 1`). */
  cache?: GitCacheOptions;
}

/** The Git port over the git CLI. */
export function createGit(opts: GitOptions = {}): Git {
  const binary = opts.gitBinary ?? 'git';
  const protocols = opts.allowedSchemes ?? KNOWN_SCHEMES;
  const mirrors = opts.cache ? new Mirrors(opts.cache) : undefined;

  async function checkout(req: CheckoutRequest): Promise<CheckedOutCommit> {
    // Checked again: this is the last stop before a process runs, whatever the caller did.
    checkRepoUrl(req.url, [...protocols]);
    if (req.ref !== undefined) checkRefName(req.ref);
    const env = gitEnv(process.env, { protocols, url: req.url, token: req.token, tokenUser: req.tokenUser });
    const secrets = secretsOf(req.url, req.token, req.tokenUser);
    const shown = redactUrl(req.url);
    const budget = new LogBudget(GIT_LOG_LIMIT);
    const run = (args: readonly string[], capture = false): Promise<RunResult> =>
      runGit(binary, args, { cwd: req.dir, env, log: req.log, signal: req.signal, secrets, captureStdout: capture, budget });

    await mkdir(req.dir, { recursive: true });
    // A local repository is already on this disk: a mirror would only copy it.
    if (mirrors && schemeOf(req.url) !== 'file') {
      const runIn: RunIn = (cwd, args, o = {}) =>
        runGit(binary, args, { cwd, env, log: o.quiet ? undefined : req.log, signal: req.signal, secrets, budget, captureStdout: o.capture, packetTrace: o.packetTrace });
      try {
        // The mirror's fetch also tells where the remote's HEAD points: no ls-remote beside it.
        const { commit, ...found } = await mirrors.checkout({ url: req.url, ref: req.ref, dir: req.dir, run: runIn, log: req.log, signal: req.signal });
        return { ...commit, ...found };
      } catch (err) {
        if (isRogerError(err) && err.kind !== 'system') throw err;
        req.log.write(`The git cache cannot be used (${(err as Error).message}); fetching without it`);
        await rm(req.dir, { recursive: true, force: true });
        await mkdir(req.dir, { recursive: true });
      }
    }
    // A shallow fetch of one ref cannot say where HEAD points: asked beside it, or first when it decides the ref.
    const auth = { token: req.token, tokenUser: req.tokenUser, signal: req.signal };
    const asking = defaultBranch(req.url, auth).catch(() => undefined);
    const ref = req.ref ?? (await asking) ?? 'master';
    // cwd is the new repository, so no path argument and no repository above it is consulted.
    await local('init', run(['-c', 'init.defaultBranch=roger', 'init', '--quiet']));
    await fetchRef(run, req.url, ref, shown);
    await local('checkout', run(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', 'FETCH_HEAD']));
    return { ...(await commitOf(run)), ref, defaultBranch: await asking };
  }

  async function fetchCommits(req: CommitsRequest): Promise<Map<string, string>> {
    checkRepoUrl(req.url, [...protocols]);
    checkShas(req.shas);
    const env = gitEnv(process.env, { protocols, url: req.url, token: req.token, tokenUser: req.tokenUser });
    const secrets = secretsOf(req.url, req.token, req.tokenUser);
    const runIn: RunIn = (cwd, args) => runGit(binary, args, { cwd, env, signal: req.signal, secrets, captureStdout: true });
    const missing = await missingCommits((args) => runIn(req.dir, args), req.shas);
    if (missing.length === 0) return new Map();
    if (mirrors && (await mirrors.owns(req.dir, req.url))) return mirrors.fetchCommits({ url: req.url, shas: missing, run: runIn, signal: req.signal });
    // A checkout of its own (no cache, a local repository, or the cache failed): nobody else uses its history.
    return fetchEach((shas) => runIn(req.dir, fetchArgs(req.url, ...shas)), missing);
  }

  async function release(req: ReleaseRequest): Promise<void> {
    if (!mirrors) return;
    try {
      if (schemeOf(req.url) === 'file') return;
      // Local commands only: no token, and nothing they print is a build's.
      const env = gitEnv(process.env, { protocols, url: req.url });
      const runIn: RunIn = (cwd, args, o = {}) =>
        runGit(binary, args, { cwd, env, secrets: secretsOf(req.url, undefined, undefined), captureStdout: o.capture });
      await mirrors.release({ url: req.url, dir: req.dir, run: runIn });
    } catch {
      // Not kept: the caller removes the worktree with the workspace, as without a cache.
    }
  }

  async function commitOf(run: (args: readonly string[], capture?: boolean) => Promise<RunResult>): Promise<Commit> {
    const log = await local('log', run(commitLogArgs(), true));
    return parseCommit(log.stdout, log.truncated);
  }

  async function defaultBranch(
    url: string,
    o: TokenOptions = {},
  ): Promise<string | undefined> {
    return parseHeadSymref(await lsRemote(url, ['--symref', '--', url, 'HEAD'], o));
  }

  async function refs(url: string, o: TokenOptions = {}): Promise<RemoteRefs> {
    return parseRefs(await lsRemote(url, ['--heads', '--tags', '--refs', '--', url], o));
  }

  async function lsRemote(url: string, args: string[], o: TokenOptions): Promise<string> {
    checkRepoUrl(url, [...protocols]);
    const env = gitEnv(process.env, { protocols, url, token: o.token, tokenUser: o.tokenUser });
    // An empty private directory as cwd: ls-remote would otherwise read the config of any
    // repository it found around the server's working directory.
    const cwd = await mkdtemp(join(tmpdir(), 'roger-ls-remote-'));
    try {
      const res = await runGit(binary, ['ls-remote', ...args], {
        cwd,
        env,
        signal: o.signal,
        secrets: secretsOf(url, o.token, o.tokenUser),
        captureStdout: true,
      });
      if (res.code !== 0) throw remoteFailure(redactUrl(url), res.stderr);
      return res.stdout;
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  return { checkout, fetchCommits, release, defaultBranch, refs };
}

/** `<sha>\trefs/heads/<name>` and `<sha>\trefs/tags/<name>` lines -> the names. */
export function parseRefs(lsRemote: string): RemoteRefs {
  const found: RemoteRefs = { branches: [], tags: [] };
  for (const line of lsRemote.split('\n')) {
    const ref = line.split('\t')[1];
    if (ref?.startsWith('refs/heads/')) found.branches.push(ref.slice('refs/heads/'.length));
    else if (ref?.startsWith('refs/tags/')) found.tags.push(ref.slice('refs/tags/'.length));
  }
  return found;
}

/** `ref: refs/heads/main\tHEAD` -> `main`; undefined when the remote does not name its HEAD. */
export function parseHeadSymref(lsRemote: string): string | undefined {
  const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(lsRemote);
  return m?.[1];
}

async function local(step: string, result: Promise<RunResult>): Promise<RunResult> {
  const r = await result;
  if (r.code !== 0) throw localFailure(step, r.stderr);
  return r;
}

/** Everything git could echo that must not reach the log: the token, its header form, a URL password. */
function secretsOf(url: string, token: string | undefined, user: string | undefined): string[] {
  const secrets: string[] = [];
  if (token) secrets.push(token, authHeader(token, user).replace(/^Authorization: Basic /, ''));
  const password = urlPassword(url);
  if (password) secrets.push(password);
  return secrets;
}
