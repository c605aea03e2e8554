import { join } from 'node:path';
import { parseBuildFileOffThread } from '../buildfile/off-thread.js';
import { MAX_BUILDFILE_BYTES } from '../buildfile/parse.js';
import { resolveInside } from '../buildfile/paths.js';
import type { Config } from '../core/config.js';
import type { Commit } from '../core/git.js';
import { cloneCredential } from '../forge/credentials.js';
import { forgeHost } from '../forge/github/repo.js';
import { repoAddress } from '../git/url.js';
import { readCapped } from './read-capped.js';
import type { PipelineDeps, PipelineRequest, CheckedOut } from './types.js';

const BUILD_FILE = 'build.yml';
/** Read at most this much of build.yml; the parser refuses anything larger with a clear message. */
const MAX_BUILD_FILE = MAX_BUILDFILE_BYTES;

/** Where a build's workspace holds its checkout. */
export const checkoutDir = (workDir: string): string => join(workDir, 'src');

/** Stage 1: fetch the ref, learn the commit (told to `onCommit` at once), read build.yml. */
export async function checkout(deps: PipelineDeps, req: PipelineRequest, onCommit?: (commit: Commit, ref: string) => void): Promise<CheckedOut> {
  const { git, config } = deps;
  const credential = cloneCredential(req.repo, config, req.options);
  const auth = credential === undefined ? {} : { token: credential.token, tokenUser: credential.tokenUser };
  const dir = checkoutDir(req.workDir);
  req.log.write(`Fetching ${req.ref ?? 'the default branch'} of ${req.repo}`);
  // The same fetch says where the remote's HEAD points: the default branch decides the `latest` tag.
  const { ref, defaultBranch, ...commit } = await git.checkout({ url: req.repo, ref: req.ref, dir, ...auth, log: req.log, signal: req.signal });
  onCommit?.(commit, ref);
  req.log.write(`Checked out ${commit.sha.slice(0, 12)} by ${commit.author}: ${firstLine(commit.message)}`);
  // A build.yml symlinked to a file outside the checkout must not be read (its content would reach the log).
  const text = await readBuildFile(await resolveInside(dir, BUILD_FILE, { label: BUILD_FILE }));
  const buildFile = await parseBuildFileOffThread(text ?? '', { repo: req.repo, maxProjects: config.builds.maxProjects });
  req.log.write(
    text === undefined
      ? `No ${BUILD_FILE}: building one project, ${buildFile.projects[0]?.name}`
      : `${BUILD_FILE}: ${buildFile.projects.map((p) => p.name).join(', ')}`,
  );
  const co: CheckedOut = { dir, ref, defaultBranch, commit, buildFile };
  if (buildFile.projects.some((p) => p.tags !== undefined || p.autoTag === true)) {
    const remote = await git.refs(req.repo, { ...auth, signal: req.signal });
    const known = req.options.webhook?.refType;
    co.refs = { refType: known ?? (remote.branches.includes(ref) || !remote.tags.includes(ref) ? 'branch' : 'tag'), tags: remote.tags };
  }
  return co;
}


async function readBuildFile(path: string): Promise<string | undefined> {
  try {
    return await readCapped(path, MAX_BUILD_FILE, BUILD_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const firstLine = (s: string): string => s.split('\n', 1)[0] ?? '';
