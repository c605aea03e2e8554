import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../core/config.js';
import { buildFailed } from '../core/errors.js';
import type { Commit } from '../core/git.js';
import type { BuildLog } from '../core/log.js';
import { commitLogArgs, parseCommit } from './commit.js';
import { evictMirrors, treeBytes } from './evict.js';
import { isMissingRef, knownRemoteCause, lastProblemLine, remoteFailure } from './failure.js';
import { AdvertisedHead } from './advertised-head.js';
import { fetchEach } from './commits.js';
import { FileLocks } from './lock.js';
import { pruneWorktrees, readMark, writeMark } from './mirror-state.js';
import { redactUrl } from './redact.js';
import type { RunResult } from './run.js';
import { keepWorktree, keptCount, refreshWorktree, settleWorktree, takeWorktree, worktreeName, type TakenWorktree } from './worktree-pool.js';

/** Where mirrors live and how much they may take. */
export interface GitCacheOptions {
  /** One bare mirror per repository URL is kept here (`<paths.builds>/git-cache`). */
  dir: string;
  /** Most bytes the mirrors may take together; the least recently used are removed past it. null = no cap. */
  maxBytes: number | null;
  /**
   * Worktrees of finished builds kept per mirror for the next checkout, which then rewrites only what
   * differs instead of the whole tree; none when unset.
   */
  pool?: number;
}

/** Worktrees kept per mirror when builds.concurrent sets no limit: as many as its default allows. */
const UNLIMITED_POOL = 5;

/**
 * The cache config.yml asks for: `<paths.builds>/git-cache`, capped at `builds.gitCacheMaxMb`, keeping
 * a worktree per build that can run at once (at least one: `roger build` uses it too); none with
 * `builds.gitCache: false`.
 */
export function gitCacheOf(config: Pick<Config, 'builds' | 'paths'>): GitCacheOptions | undefined {
  if (!config.builds.gitCache) return undefined;
  const maxMb = config.builds.gitCacheMaxMb;
  return {
    dir: join(config.paths.builds, 'git-cache'),
    maxBytes: maxMb === null ? null : Math.round(maxMb * 1024 * 1024),
    pool: Math.max(1, config.builds.concurrent ?? UNLIMITED_POOL),
  };
}

/** Runs git in `cwd`; `quiet` keeps its output out of the build log, `capture` returns stdout, `packetTrace` receives git's packet trace. */
export type RunIn = (
  cwd: string,
  args: readonly string[],
  opts?: { quiet?: boolean; capture?: boolean; packetTrace?: (line: string) => void },
) => Promise<RunResult>;

export interface MirrorCheckout {
  url: string;
  /** Branch or tag; undefined = the remote's default branch. */
  ref?: string;
  /** The build's empty workspace directory. */
  dir: string;
  run: RunIn;
  log: BuildLog;
  signal?: AbortSignal;
}

/** The mirror of `url`: named by a hash of the URL, which never holds credentials (checkRepoUrl refuses them). */
export function mirrorPath(cacheDir: string, url: string): string {
  return join(resolve(cacheDir), createHash('sha256').update(redactUrl(url)).digest('hex').slice(0, 32));
}

/** The mirror's own ref for a remote branch or tag: one flat name each, so `a` and `a/b` never clash. */
export function mirrorRef(kind: 'heads' | 'tags', ref: string): string {
  return `refs/roger/${kind}/${ref.replaceAll('%', '%25').replaceAll('/', '%2F')}`;
}

/** What a checkout found out about the remote. */
export interface MirrorCheckedOut {
  /** The commit checked out. */
  commit: Commit;
  /** The branch or tag checked out: the request's, or the default branch's name. */
  ref: string;
  /** Where the remote's HEAD points, told by the same fetch; undefined when it does not say. */
  defaultBranch: string | undefined;
}

/** The mirror's copy of the remote's HEAD, fetched with every ref. */
export const HEAD_REF = 'refs/roger/HEAD';

/** Something in the mirror is broken: it is rebuilt from nothing (once) rather than used. */
class Damaged extends Error {}

/**
 * How long a finished build waits for its mirror's lock to keep its worktree. Another build holds it
 * for a whole fetch; past this, the worktree is removed with the workspace, as without a pool.
 */
const KEEP_WAIT_MS = 1000;

/**
 * Bare mirrors of the repositories Roger builds. A checkout fetches just the requested ref into the
 * mirror (history kept, so the next fetch transfers only new commits; a force-push replaces the ref)
 * and adds the build's workspace as a detached worktree of it, both under the mirror's lock: one
 * process at a time changes a mirror, and a mirror is never removed while it is being used. A
 * finished build's worktree is kept (`release`) for the next checkout of the same repository, which
 * takes it under the lock and rewrites only what differs.
 */
export class Mirrors {
  private readonly locks = new FileLocks();
  private readonly dir: string;

  constructor(private readonly opts: GitCacheOptions) {
    this.dir = resolve(opts.dir);
  }

  /**
   * Checks `req.ref` out into `req.dir` from the mirror. Throws build-failed for what the remote said
   * (no such ref, no access), canceled when stopped; any other error means the cache cannot be used
   * right now (read-only, disk full) and the caller fetches without it.
   */
  async checkout(req: MirrorCheckout): Promise<MirrorCheckedOut> {
    const path = mirrorPath(this.dir, req.url);
    await mkdir(this.dir, { recursive: true });
    const done = await this.locks.run(
      `${path}.lock`,
      async () => {
        let fresh = await prepare(path, req);
        let found: MirrorCheckedOut & { bytes: number };
        try {
          found = await use(path, req, fresh, this.opts.pool ?? 0);
        } catch (err) {
          if (!(err instanceof Damaged) || fresh) throw err;
          req.log.write(`The git cache of this repository is damaged (${err.message}); rebuilding it`);
          await rm(path, { recursive: true, force: true });
          await emptyDir(req.dir);
          fresh = await prepare(path, req);
          found = await use(path, req, fresh, this.opts.pool ?? 0);
        }
        const { bytes, ...checkedOut } = found;
        // Best effort: a mirror whose mark cannot be written is rebuilt next time, the checkout stands.
        await writeMark(path, { url: redactUrl(req.url), usedAt: Date.now(), bytes }).catch(() => undefined);
        return checkedOut;
      },
      req.signal,
    );
    if (this.opts.maxBytes !== null) {
      await evictMirrors(this.dir, this.opts.maxBytes, this.locks).catch((err: unknown) => {
        req.log.write(`Warning: could not trim the git cache: ${(err as Error).message}`);
      });
    }
    return done;
  }

  /**
   * Done with the checkout at `dir`: its worktree moves into the mirror's pool for the next checkout of
   * `url`, when the pool has room and the mirror's lock comes free soon. Returns whether it did;
   * otherwise `dir` is left as it was, for the caller to remove.
   */
  async release(req: { url: string; dir: string; run: RunIn }): Promise<boolean> {
    const max = this.opts.pool ?? 0;
    const path = mirrorPath(this.dir, req.url);
    const dir = resolve(req.dir);
    // Looked at again under the lock; a full pool is not worth readying a worktree for.
    if (max <= 0 || (await keptCount(path)) >= max) return false;
    // Before the lock is taken: the worktree is this build's alone until it is kept.
    const bytes = await settleWorktree(path, dir);
    if (bytes === undefined) return false;
    const kept = await this.locks.runWithin(`${path}.lock`, KEEP_WAIT_MS, async () => {
      const mark = await readMark(path);
      if (!mark || !(await keepWorktree(path, dir, max, req.run))) return false;
      // Counted against the cap from now on, as part of its mirror.
      await writeMark(path, { ...mark, bytes: mark.bytes + bytes }).catch(() => undefined);
      return true;
    });
    if (kept?.value !== true) return false;
    if (this.opts.maxBytes !== null) await evictMirrors(this.dir, this.opts.maxBytes, this.locks).catch(() => undefined);
    return true;
  }

  /** Whether `dir` is a worktree this cache checked out from the mirror of `url`. */
  async owns(dir: string, url: string): Promise<boolean> {
    return (await worktreeName(mirrorPath(this.dir, url), dir)) !== undefined;
  }

  /**
   * Fetches commits by id into the mirror of `req.url`, under its lock and with its full history (never
   * shallow: a shallow mirror would cut the history every later fetch and diff relies on). Nothing
   * points at them: they are there for a diff, and git's gc keeps unreachable objects for weeks.
   * Returns git's reason for each one that cannot be fetched.
   */
  async fetchCommits(req: { url: string; shas: readonly string[]; run: RunIn; signal?: AbortSignal }): Promise<Map<string, string>> {
    const path = mirrorPath(this.dir, req.url);
    return this.locks.run(
      `${path}.lock`,
      async () => fetchEach((shas) => req.run(path, fetchArgs(shas), { quiet: true }), req.shas),
      req.signal,
    );
  }
}

/**
 * Makes sure `path` is a usable bare repository: one without the mark (killed during its first fetch,
 * or not Roger's) is removed and made again. Returns whether it is new.
 */
async function prepare(path: string, req: MirrorCheckout): Promise<boolean> {
  if (await readMark(path)) {
    await pruneWorktrees(path);
    return false;
  }
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
  const init = await req.run(path, ['init', '--bare', '--quiet'], { quiet: true });
  if (init.code !== 0) throw new Error(`git init of the cache failed: ${lastProblemLine(init.stderr)}`);
  // The URL is kept (never a token: that travels in the environment) so `git fetch origin` has a name.
  for (const [key, value] of MIRROR_CONFIG(req.url)) {
    const set = await req.run(path, ['config', key, value], { quiet: true });
    if (set.code !== 0) throw new Error(`git config in the cache failed: ${lastProblemLine(set.stderr)}`);
  }
  return true;
}

/**
 * The mirror's remote: only its URL (never a token: that travels in the environment) and no fetch
 * refspec, so a fetch updates nothing but the ref it names. A partial clone (`blob:none`): commits and
 * trees are fetched, file contents only when a checkout needs them, so old versions of files are never
 * downloaded. A server that does not offer filters sends everything, and git says so once per fetch.
 */
const MIRROR_CONFIG = (url: string): [string, string][] => [
  ['remote.origin.url', url],
  ['remote.origin.promisor', 'true'],
  ['remote.origin.partialclonefilter', 'blob:none'],
  ['core.repositoryformatversion', '1'],
  ['extensions.partialClone', 'origin'],
];

/**
 * Fetches the ref into the mirror and checks it out into the workspace: a kept worktree brought to the
 * commit, or a new one. The commit is read from the mirror, git's housekeeping (`gc --auto`, which the
 * fetch would run after itself) runs and the mirror is measured while the worktree is written: three
 * local processes at once, not one after another. Readers are safe from a repack under them, and a
 * worktree being added is locked against pruning by git itself.
 */
async function use(path: string, req: MirrorCheckout, fresh: boolean, pool: number): Promise<MirrorCheckedOut & { bytes: number }> {
  const { local, ...found } = await fetchInto(path, req, fresh);
  // Taken out before the mirror is measured: a worktree moved while the mirror is walked would be counted by chance.
  const taken = pool > 0 ? await takeWorktree(path, req.dir, req.run) : undefined;
  const [add, log, , bytes] = await Promise.all([
    placeWorktree(path, req, local, taken),
    req.run(path, commitLogArgs(local), { quiet: true, capture: true }),
    // Its outcome changes nothing for this build: a mirror gc could not tidy still serves it.
    req.run(path, ['-c', 'gc.autoDetach=false', 'maintenance', 'run', '--auto', '--quiet'], { quiet: true }),
    // The mirror's size for the mark, measured meanwhile: what eviction weighs, give or take a repack.
    treeBytes(path),
  ]);
  if (add.code !== 0) throw new Damaged(`git worktree add failed: ${lastProblemLine(add.stderr)}`);
  const hurt = damage(add.stderr) ?? damage(log.stderr);
  if (hurt) throw new Damaged(hurt);
  if (log.code !== 0) throw new Damaged(`git log failed: ${lastProblemLine(log.stderr)}`);
  return { ...found, commit: parseCommit(log.stdout, log.truncated), bytes };
}

/** Brings the taken worktree to `local`, or adds a new one when there is none or it cannot be used. */
async function placeWorktree(path: string, req: MirrorCheckout, local: string, taken: TakenWorktree | undefined): Promise<RunResult> {
  if (taken && (await refreshWorktree(path, taken, local, req.run))) return { code: 0, stdout: '', truncated: false, stderr: [] };
  return req.run(path, ['-c', 'advice.detachedHead=false', 'worktree', 'add', '--quiet', '--detach', '--', req.dir, local]);
}

/**
 * Branch first, then tag (as `git clone --branch`); without a ref, the remote's HEAD (`master` when it
 * names no branch, as before). Every fetch also takes HEAD, so the remote's answer says where HEAD
 * points: one network round of git, not a fetch beside an ls-remote. Returns the mirror's ref now
 * holding the commit to check out.
 */
async function fetchInto(path: string, req: MirrorCheckout, fresh: boolean): Promise<Omit<MirrorCheckedOut, 'commit'> & { local: string }> {
  const attempt = async (refspecs: string[]): Promise<{ res: RunResult; head: string | undefined }> => {
    const head = new AdvertisedHead();
    const res = await req.run(path, fetchArgs([...refspecs, HEAD_REFSPEC]), { packetTrace: head.line });
    // git works around a pack it cannot read (it fetches again what is in it) but says so: rebuilt once, not warned about in every build.
    const hurt = damage(res.stderr);
    if (hurt && !fresh) throw new Damaged(hurt);
    return { res, head: head.branch };
  };
  let ref = req.ref;
  let failed: string[] | undefined;
  if (ref === undefined) {
    const { res, head } = await attempt([]);
    if (res.code === 0 && head !== undefined) return { local: HEAD_REF, ref: head, defaultBranch: head };
    if (res.code !== 0) failed = res.stderr;
    ref = 'master';
  }
  for (const kind of failed === undefined ? (['heads', 'tags'] as const) : []) {
    const local = mirrorRef(kind, ref);
    const { res, head } = await attempt([`+refs/${kind}/${ref}:${local}`]);
    if (res.code === 0) return { local, ref, defaultBranch: head };
    failed = res.stderr;
    if (!isMissingRef(failed)) break;
  }
  const stderr = failed ?? [];
  const shown = redactUrl(req.url);
  // Never the mirror's older copy of a ref the remote no longer has: the push that asked for it is gone.
  if (isMissingRef(stderr)) throw buildFailed(`no branch or tag named '${ref}' in ${shown} (deleted since it was pushed?)`);
  if (knownRemoteCause(stderr)) throw remoteFailure(shown, stderr);
  if (!fresh && !(await connected(path, req))) throw new Damaged(lastProblemLine(stderr));
  // The mirror is sound, so the remote or the disk failed: the caller retries without the cache.
  throw new Error(`git fetch into the cache failed: ${lastProblemLine(stderr)}`);
}

/**
 * `--no-write-fetch-head`: nothing about the fetch is written but objects and the ref.
 * `--no-auto-maintenance`: `use` runs it beside the checkout; it runs (when git decides it is due) in
 * the foreground, inside the lock, never in a background process that could still be working when the
 * mirror is removed.
 */
function fetchArgs(refspecs: readonly string[]): string[] {
  return ['-c', 'gc.autoDetach=false', 'fetch', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head', '--no-auto-maintenance', '--', 'origin', ...refspecs];
}

/**
 * The remote's HEAD, as a pattern: a pattern that matches nothing (a remote whose HEAD names a
 * branch not yet made) fails no fetch, where a plain `HEAD` would.
 */
const HEAD_REFSPEC = `+HEAD*:${HEAD_REF}*`;

/** What git reports of broken objects or packs, even when it managed without them. */
const DAMAGE = [/does not match index/i, /is far too short to be a packfile/i, /packfile .* cannot be accessed/i, /corrupt/i, /object file .* is empty/i, /inflate:/i, /bad object/i];

function damage(stderr: readonly string[]): string | undefined {
  return stderr.find((l) => DAMAGE.some((re) => re.test(l)));
}

/** Whether every object the mirror's refs reach is there. */
async function connected(path: string, req: MirrorCheckout): Promise<boolean> {
  const res = await req.run(path, ['fsck', '--connectivity-only', '--no-progress', '--no-dangling'], { quiet: true });
  return res.code === 0;
}

/** A failed first try may have left files in the workspace; the second starts from an empty one. */
async function emptyDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}
