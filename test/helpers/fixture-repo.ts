import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export type FixtureFiles = Record<string, string | { symlink: string }>;

export interface CommitOptions {
  /** Branch to commit on; created if missing. makeRepo defaults to `master`, commitFiles to the current one. */
  branch?: string;
  message?: string;
  /** `Name <email>`. */
  author?: string;
  /** Any date git accepts; fixed dates make the commit's date field predictable. */
  date?: string;
  /** Annotated tag to put on the new commit. */
  tag?: string;
}

const DEFAULT_AUTHOR = 'Roger Test <roger-test@example.com>';

/** Fixture git runs must not see the developer's config or an outer repository's GIT_* variables. */
function fixtureEnv(date?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' });
  if (date !== undefined) Object.assign(env, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  return env;
}

async function git(cwd: string, args: string[], date?: string): Promise<string> {
  const ident = ['-c', 'user.name=Roger Fixture', '-c', 'user.email=fixture@example.com'];
  const { stdout } = await exec('git', [...ident, ...args], { cwd, env: fixtureEnv(date) });
  return stdout.trim();
}

async function writeFiles(dir: string, files: FixtureFiles): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true });
    if (typeof content === 'string') await writeFile(path, content);
    else await symlink(content.symlink, path);
  }
}

async function commitHere(dir: string, files: FixtureFiles, opts: CommitOptions): Promise<string> {
  if (opts.branch !== undefined) {
    const exists = await git(dir, ['rev-parse', '--verify', '--quiet', `refs/heads/${opts.branch}`]).then(
      () => true,
      () => false,
    );
    if (!exists) await git(dir, ['checkout', '--quiet', '-b', opts.branch]);
    else await git(dir, ['checkout', '--quiet', opts.branch]);
  }
  await writeFiles(dir, files);
  await git(dir, ['add', '--all']);
  const message = opts.message ?? 'fixture commit';
  await git(dir, ['commit', '--quiet', '--allow-empty', '--author', opts.author ?? DEFAULT_AUTHOR, '-m', message], opts.date);
  if (opts.tag !== undefined) await git(dir, ['tag', '-a', '-m', `tag ${opts.tag}`, opts.tag], opts.date);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** A non-bare repository in `dir` with one commit of `files` on `opts.branch` (default master). */
export async function makeRepo(
  dir: string,
  files: FixtureFiles,
  opts: CommitOptions = {},
): Promise<{ dir: string; sha: string }> {
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '--quiet', '--initial-branch', opts.branch ?? 'master']);
  const sha = await commitHere(dir, files, { ...opts, branch: undefined });
  return { dir, sha };
}

/** `root/NAME.git`: a bare repository ready for the git server (and for file:// clones). */
export async function makeBareRepo(
  root: string,
  name: string,
  files: FixtureFiles,
  opts: CommitOptions = {},
): Promise<{ dir: string; sha: string }> {
  const work = await mkdtemp(join(tmpdir(), 'roger-fixture-'));
  try {
    const { sha } = await makeRepo(work, files, opts);
    const dir = join(root, `${name}.git`);
    await mkdir(root, { recursive: true });
    await git(root, ['clone', '--quiet', '--bare', '--', work, dir]);
    await git(dir, ['update-server-info']);
    return { dir, sha };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Branches `names` at commit `sha` of bare repository `dir`, written as loose refs in one go: builds of
 * one branch wait for each other and supersede older ones, so tests of many builds at once use many.
 */
export async function addBranches(dir: string, names: readonly string[], sha: string): Promise<void> {
  await mkdir(join(dir, 'refs', 'heads'), { recursive: true });
  await Promise.all(names.map((n) => writeFile(join(dir, 'refs', 'heads', n), `${sha}\n`)));
}

/**
 * Adds a commit of `files` to `dir` (bare or not) on `opts.branch` (created from the current
 * branch if missing). A bare repository is changed through a temporary clone pushed back.
 */
export async function commitFiles(
  dir: string,
  files: FixtureFiles,
  opts: CommitOptions = {},
): Promise<{ dir: string; sha: string }> {
  const bare = (await git(dir, ['rev-parse', '--is-bare-repository'])) === 'true';
  if (!bare) return { dir, sha: await commitHere(dir, files, opts) };
  const work = await mkdtemp(join(tmpdir(), 'roger-fixture-'));
  try {
    await git(work, ['clone', '--quiet', '--', dir, '.']);
    if (opts.branch !== undefined) {
      const remote = await git(work, ['ls-remote', 'origin', `refs/heads/${opts.branch}`]);
      if (remote !== '') await git(work, ['checkout', '--quiet', '-B', opts.branch, `origin/${opts.branch}`]);
    }
    const sha = await commitHere(work, files, opts);
    const branch = await git(work, ['symbolic-ref', '--short', 'HEAD']);
    await git(work, ['push', '--quiet', '--follow-tags', 'origin', `HEAD:refs/heads/${branch}`]);
    await git(dir, ['update-server-info']);
    return { dir, sha };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
