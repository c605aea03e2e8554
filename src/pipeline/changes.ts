import { projectId } from '../core/build.js';
import type { BuildLog } from '../core/log.js';
import type { Project } from '../core/project.js';
import { compileGlobs } from '../buildfile/globs.js';
import { gitEnv } from '../git/env.js';
import { runGit } from '../git/run.js';
import { cloneCredential } from '../forge/credentials.js';
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
  if (filtered.length === 0) return skips;
  const bases = await Promise.all(filtered.map((p) => history.lastPassedCommit(projectId(req.repo, p.name), co.ref)));
  const changes = await changesSince(deps, req, co, [...new Set(bases.flatMap((b) => b ?? []))]);
  filtered.forEach((project, i) => {
    const base = bases[i];
    const found = base === undefined ? undefined : changes.get(base);
    if (base === undefined || found === undefined) {
      req.log.write(`${project.name}: no passed build of ${co.ref} yet; building it whatever changed`);
    } else if ('unknown' in found) {
      req.log.write(`${project.name}: ${found.unknown}; building it whatever changed`);
    } else {
      const reason = projectSkip(project, found.files);
      if (reason) skips.set(project.name, `${reason} (${count(found.files.length)} changed since ${base.slice(0, 12)})`);
    }
  });
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
 * Diffing two trees needs only the two commits: the bases missing from the checkout are fetched through
 * the git adapter (into the mirror the checkout came from, under its lock, never shallow), then one
 * git process names every added, changed and deleted path since each base (`diffAll`); a monorepo's
 * projects were each built at their own commit, and a process per base cost a push milliseconds per
 * project. Should that one process fail or say too much, each base gets a `git diff` of its own.
 */
async function changesSince(deps: PipelineDeps, req: PipelineRequest, co: CheckedOut, bases: string[]): Promise<Map<string, Changes>> {
  const head = co.commit.sha;
  const others = bases.filter((b) => b !== head);
  // The checkout's own credential: a GitLab or Gitea repository's base is fetched with its forge's token.
  const { token, tokenUser } = cloneCredential(req.repo, deps.config, req.options) ?? {};
  const gone = others.length === 0 ? new Map<string, string>() : await deps.git.fetchCommits({ url: req.repo, dir: co.dir, shas: others, token, tokenUser, signal: req.signal });
  // A diff reads only local objects: no credential, no remote.
  const env = gitEnv(process.env, { protocols: deps.config.builds.allowedSchemes });
  const run: Run = (args, o = {}) => runGit('git', args, { cwd: co.dir, env, signal: req.signal, secrets: [], captureStdout: o.capture, input: o.input });
  const result = new Map<string, Changes>(bases.filter((b) => b === head).map((b) => [b, { files: [] }]));
  for (const [base, why] of gone) result.set(base, { unknown: `the last passed build's commit ${base.slice(0, 12)} cannot be fetched (${why})` });
  const held = others.filter((b) => !gone.has(b));
  const all = held.length > 1 ? await diffAll(run, held, head) : undefined;
  await Promise.all(
    held.map(async (base, i) => {
      const files = all?.[i];
      if (!files) return result.set(base, await diff(run, req.log, base, head));
      logChanges(req.log, files, base.slice(0, 12));
      return result.set(base, { files });
    }),
  );
  return result;
}

type Run = (args: readonly string[], o?: { capture?: boolean; input?: string }) => ReturnType<typeof runGit>;

/** Statuses `--name-status` gives without rename detection: one letter each. */
const STATUS = /^[ADMTUX]$/;

/**
 * The changed paths since each of `bases`, in their order, from one `git diff-tree --stdin`: each input
 * line is the head and one base (a commit and the parent it is compared with), and for each, in order,
 * git prints the head's id (`--always`: even when nothing changed) and then a status letter and a path
 * per file, NUL-separated. A path always follows its status, so no path, whatever it looks like, is
 * taken for the next id. Undefined when git fails, says more than it may, or prints what this does not
 * read as that: the caller then diffs each base alone.
 */
async function diffAll(run: Run, bases: readonly string[], head: string): Promise<string[][] | undefined> {
  const input = bases.map((base) => `${head} ${base}\n`).join('');
  const res = await run(['diff-tree', '--stdin', '--always', '-r', '-z', '--no-renames', '--name-status'], { capture: true, input });
  if (res.code !== 0 || res.truncated) return undefined;
  const tokens = res.stdout.split('\0');
  // -z ends the output with a NUL: the last token is empty.
  if (tokens.pop() !== '') return undefined;
  const lists: string[][] = [];
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i] ?? '';
    const current = lists.at(-1);
    if (current && STATUS.test(token) && i + 1 < tokens.length) {
      current.push(tokens[i + 1] ?? '');
      i += 2;
    } else if (token === head) {
      lists.push([]);
      i += 1;
    } else {
      return undefined;
    }
  }
  return lists.length === bases.length ? lists : undefined;
}

async function diff(run: Run, log: BuildLog, base: string, head: string): Promise<Changes> {
  const short = base.slice(0, 12);
  const res = await run(['diff', '--name-only', '-z', '--no-renames', base, head], { capture: true });
  if (res.code !== 0) return { unknown: `cannot compare with ${short} (${lastLine(res.stderr)})` };
  if (res.truncated) return { unknown: `too many changes since ${short} to list` };
  const files = res.stdout.split('\0').filter((f) => f !== '');
  logChanges(log, files, short);
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
