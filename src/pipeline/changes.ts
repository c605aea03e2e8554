import { projectId } from '../core/build.js';
import type { BuildLog } from '../core/log.js';
import type { Project } from '../core/project.js';
import { compileGlobs } from '../buildfile/globs.js';
import { authHeader, gitEnv } from '../git/env.js';
import { fetchArgs } from '../git/fetch.js';
import { runGit } from '../git/run.js';
import { githubTokenFor } from './checkout.js';
import type { CheckedOut, PipelineDeps, PipelineRequest } from './types.js';

/** The files changed between two commits, or why that cannot be told (then everything builds). */
type Changes = { files: string[] } | { unknown: string };

/**
 * `paths:`/`paths-ignore:` for a branch push: which projects to skip, with the reason. Each filtered
 * project is compared with its own last passed build of the branch; a first build, a tag, an API
 * request or "build please!" always builds, and so does a project whose base commit cannot be
 * fetched (a force-push pruned it): a wrong skip would leave an image silently stale.
 */
export async function pathSkips(deps: PipelineDeps, co: CheckedOut, req: PipelineRequest): Promise<Map<string, string>> {
  const skips = new Map<string, string>();
  const history = deps.history;
  if (req.options.webhook?.refType !== 'branch' || !history) return skips;
  const filtered = co.buildFile.projects.filter((p) => p.paths !== undefined || p.pathsIgnore !== undefined);
  const byBase = new Map<string, Promise<Changes>>();
  for (const project of filtered) {
    const base = await history.lastPassedCommit(projectId(req.repo, project.name), co.ref);
    if (base === undefined) {
      req.log.write(`${project.name}: no passed build of ${co.ref} yet; building it whatever changed`);
      continue;
    }
    let pending = byBase.get(base);
    if (!pending) {
      pending = changedFiles(deps, req, co, base);
      byBase.set(base, pending);
    }
    const changes = await pending;
    if ('unknown' in changes) {
      req.log.write(`${project.name}: ${changes.unknown}; building it whatever changed`);
      continue;
    }
    const reason = projectSkip(project, changes.files);
    if (reason) skips.set(project.name, `${reason} (${count(changes.files.length)} changed since ${base.slice(0, 12)})`);
  }
  return skips;
}

/** Why the changed files do not concern `project`, or undefined when it builds. */
export function projectSkip(project: Project, changed: readonly string[]): string | undefined {
  if (project.paths === undefined && project.pathsIgnore === undefined) return undefined;
  const include = project.paths && compileGlobs(project.paths);
  const exclude = project.pathsIgnore && compileGlobs(project.pathsIgnore);
  const counts = (path: string): boolean => (!include || include.matches(path)) && !exclude?.matches(path);
  if (changed.some(counts)) return undefined;
  if (!include) return 'every changed file matches paths-ignore';
  return exclude ? 'no changed file matches paths but not paths-ignore' : 'no changed file matches paths';
}

/**
 * Diffing two trees needs only the two commits: the base is fetched at depth 1 into the checkout
 * (unless it is already there), then `git diff` names every added, changed and deleted path.
 */
async function changedFiles(deps: PipelineDeps, req: PipelineRequest, co: CheckedOut, base: string): Promise<Changes> {
  if (base === co.commit.sha) return { files: [] };
  const token = githubTokenFor(req.repo, deps.config);
  const env = gitEnv(process.env, { protocols: deps.config.builds.allowedSchemes, url: req.repo, token });
  const secrets = token ? [token, authHeader(token).replace(/^Authorization: Basic /, '')] : [];
  const run = (args: readonly string[], capture = false) =>
    runGit('git', args, { cwd: co.dir, env, signal: req.signal, secrets, captureStdout: capture });
  const short = base.slice(0, 12);
  const have = await run(['cat-file', '-e', `${base}^{commit}`]);
  if (have.code !== 0) {
    const fetched = await run(fetchArgs(req.repo, base));
    if (fetched.code !== 0) return { unknown: `the last passed build's commit ${short} cannot be fetched (${lastLine(fetched.stderr)})` };
  }
  const diff = await run(['diff', '--name-only', '-z', '--no-renames', base, co.commit.sha], true);
  if (diff.code !== 0) return { unknown: `cannot compare with ${short} (${lastLine(diff.stderr)})` };
  if (diff.truncated) return { unknown: `too many changes since ${short} to list` };
  const files = diff.stdout.split('\0').filter((f) => f !== '');
  logChanges(req.log, files, short);
  return { files };
}

const SHOWN = 20;

function logChanges(log: BuildLog, files: readonly string[], base: string): void {
  log.write(`${count(files.length)} changed since ${base}${files.length > 0 ? ':' : ''}`);
  for (const f of files.slice(0, SHOWN)) log.write(`  ${f}`);
  if (files.length > SHOWN) log.write(`  … and ${files.length - SHOWN} more`);
}

const count = (n: number): string => `${n} file${n === 1 ? '' : 's'}`;
const lastLine = (lines: readonly string[]): string => lines.at(-1) ?? 'git failed';
