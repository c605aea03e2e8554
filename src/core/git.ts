import type { BuildLog } from './log.js';

/** What a build needs to know about the commit it builds (also what rev.txt prints). */
export interface Commit {
  sha: string;
  /** `Name <email>` as git prints it. */
  author: string;
  /** Commit date, as git's default date format (what Roger's rev.txt showed). */
  date: string;
  message: string;
}

export interface CheckoutRequest {
  /** Repository URL or local path, already checked by `checkRepoUrl`. */
  url: string;
  /** Branch or tag name, already checked by `checkRefName`; undefined = the remote's default branch (`master` when it names none). */
  ref?: string;
  /** Empty directory to check out into. */
  dir: string;
  /** Token for https clones of private repositories; never put on a command line or in a URL. */
  token?: string;
  /** The user name the forge expects with the token (GitLab: `oauth2`); default `x-access-token`. */
  tokenUser?: string;
  log: BuildLog;
  signal?: AbortSignal;
}

/** A checkout's commit, with what the fetch learned of the remote. */
export interface CheckedOutCommit extends Commit {
  /** The branch or tag checked out: the request's, or the default branch's name when it named none. */
  ref: string;
  /** The remote's default branch (HEAD symref), or undefined when the remote does not say. */
  defaultBranch: string | undefined;
}

/** The Git port: everything Roger asks of git, through the git CLI. */
export interface Git {
  /** Fetches `ref` (branch or tag) into `dir` and checks it out; returns the commit and the remote's default branch. */
  checkout(req: CheckoutRequest): Promise<CheckedOutCommit>;
  /**
   * Makes the commits `shas` present in the checkout at `dir` (a diff needs them): fetched into the
   * mirror the checkout came from, under its lock, or at depth 1 into a checkout of its own. Returns
   * git's reason for each one that cannot be fetched (a force-push pruned it).
   */
  fetchCommits(req: CommitsRequest): Promise<Map<string, string>>;
  /**
   * Done with the checkout at `dir`: the cache may keep its worktree (moved away from `dir`) for the
   * next checkout of `url`. Whatever is left at `dir` is the caller's to remove. Never throws.
   */
  release(req: ReleaseRequest): Promise<void>;
  /** The remote's default branch (HEAD symref), or undefined when the remote does not say. */
  defaultBranch(url: string, opts?: TokenOptions): Promise<string | undefined>;
  /** The remote's branch and tag names (`git ls-remote --heads --tags`). */
  refs(url: string, opts?: TokenOptions): Promise<RemoteRefs>;
}

export interface ReleaseRequest {
  /** The repository the checkout came from, as in CheckoutRequest. */
  url: string;
  /** A directory `checkout` filled. */
  dir: string;
}

export interface CommitsRequest extends TokenOptions {
  /** The repository the checkout came from, as in CheckoutRequest. */
  url: string;
  /** A directory `checkout` filled. */
  dir: string;
  /** Full commit ids. */
  shas: readonly string[];
}

/** A token for an https remote, as in CheckoutRequest. */
export interface TokenOptions {
  token?: string;
  tokenUser?: string;
  signal?: AbortSignal;
}

export interface RemoteRefs {
  branches: string[];
  tags: string[];
}
