import { MAX_LABELS } from '../core/agent.js';
import type { BuildFile, Matching, Project, PublishTarget } from '../core/project.js';
import { fromZod, problem, typeName, type Problem } from './issues.js';
import { defaultProjectName, projectNameProblem } from './names.js';
import { keyString, toPlain } from './plain.js';
import { projectSchema, settingsSchema, type ParsedProject, type ParsedSettings } from './schema.js';

/** The one key at the top of build.yml that is not a project. */
export const SETTINGS_KEY = 'settings';

export function defaultProject(name: string): Project {
  return { name, dockerfilePath: '.', dockerfile: 'Dockerfile', afterBuild: [], notify: [], publish: [] };
}

function toProject(name: string, parsed: ParsedProject): Project {
  const project = defaultProject(name);
  if (parsed.dockerfilePath) project.dockerfilePath = parsed.dockerfilePath;
  if (parsed.registry) project.registry = parsed.registry;
  if (parsed.revfile) project.revfile = parsed.revfile;
  if (parsed.build) project.build = parsed.build;
  if (parsed.dockerfile) project.dockerfile = parsed.dockerfile;
  project.afterBuild = parsed['after-build'] ?? [];
  project.notify = parsed.notify ?? [];
  if (parsed.tags && parsed.tags.length > 0) project.tags = parsed.tags;
  if (parsed.auto_tag) project.autoTag = true;
  if (parsed.paths) project.paths = parsed.paths;
  if (parsed['paths-ignore']) project.pathsIgnore = parsed['paths-ignore'];
  if (typeof parsed.rebuildDependents === 'boolean') project.rebuildDependents = parsed.rebuildDependents;
  if (parsed.agent && Object.keys(parsed.agent).length > 0) project.agent = parsed.agent;
  project.publish = (parsed.publish ?? []).map((p) => {
    const target: PublishTarget = { to: p.to, copy: p.copy, bucket: p.bucket };
    if (p.bucketPath !== null && p.bucketPath !== undefined) target.bucketPath = p.bucketPath;
    if (p.command) target.command = p.command;
    return target;
  });
  return project;
}

function toMatching(settings: ParsedSettings): Matching | undefined {
  const matching = settings?.matching;
  if (!matching) return undefined;
  return { branches: matching.branches ?? [], patterns: matching.patterns ?? [], tags: matching.tags ?? false };
}

export interface Interpreted {
  buildFile: BuildFile;
  problems: Problem[];
}

/**
 * The loaded document (top-level map as a Map, for the file's order) as a BuildFile, or its problems.
 * Projects past `maxProjects` are counted, not validated, and that is then the one problem reported.
 */
export function interpret(data: unknown, repo: string, maxProjects = Infinity): Interpreted {
  const fallback = (): BuildFile => ({ projects: [defaultProject(defaultProjectName(repo))] });
  if (data === null || data === undefined) return { buildFile: fallback(), problems: [] };
  if (!(data instanceof Map)) {
    const got = typeName(Array.isArray(data) ? 'array' : typeof data);
    return { buildFile: fallback(), problems: [problem([], `expected a map of project names, got ${got}`)] };
  }
  const problems: Problem[] = [];
  const projects: Project[] = [];
  const seen = new Set<string>();
  let matching: Matching | undefined;
  let rebuildDependents: boolean | undefined;
  let count = 0;
  let firstExtra: string | undefined;
  for (const [rawKey, rawValue] of data as Map<unknown, unknown>) {
    const name = keyString(rawKey);
    if (name !== SETTINGS_KEY && ++count > maxProjects) {
      firstExtra ??= name;
      continue;
    }
    const value = toPlain(rawValue);
    if (name === SETTINGS_KEY) {
      const result = settingsSchema.safeParse(value);
      if (result.success) {
        matching = toMatching(result.data);
        rebuildDependents = result.data?.rebuildDependents ?? undefined;
      }
      else problems.push(...result.error.issues.flatMap((issue) => fromZod(issue, [name])));
      continue;
    }
    const badName = projectNameProblem(name);
    if (badName) problems.push(problem([name], badName, true));
    // `1:` and `"1":` are different YAML keys but the same project.
    else if (seen.has(name)) problems.push(problem([name], `project ${JSON.stringify(name)} appears twice`, true));
    seen.add(name);
    const result = projectSchema.safeParse(value);
    if (result.success) projects.push(toProject(name, result.data));
    else problems.push(...result.error.issues.flatMap((issue) => fromZod(issue, [name])));
  }
  if (firstExtra !== undefined) {
    // Alone: it is the problem to fix first, and others would push it out of the reported few.
    const tooMany = problem([firstExtra], `${count} projects; a build.yml may list at most ${maxProjects} (builds.maxProjects)`, true);
    return { buildFile: fallback(), problems: [tooMany] };
  }
  const buildFile: BuildFile = projects.length > 0 ? { projects } : fallback();
  // The settings' value is every project's default; a project's own key wins.
  if (rebuildDependents !== undefined) for (const p of buildFile.projects) p.rebuildDependents ??= rebuildDependents;
  if (matching) buildFile.matching = matching;
  const agent = agentLabels(projects, problems);
  if (agent) buildFile.agent = agent;
  return { buildFile, problems };
}

/**
 * The labels of every project's `agent:` together (one agent runs the whole build); two projects asking
 * different values of one label is a problem, at the second one.
 */
function agentLabels(projects: readonly Project[], problems: Problem[]): Record<string, string> | undefined {
  const merged: Record<string, string> = {};
  const askedBy: Record<string, string> = {};
  for (const p of projects) {
    for (const [key, value] of Object.entries(p.agent ?? {})) {
      const before = merged[key];
      if (before !== undefined && before !== value) {
        problems.push(problem([p.name, 'agent', key], `project ${JSON.stringify(askedBy[key])} asks for ${key}=${before}; one agent runs every project of a build`));
        continue;
      }
      merged[key] = value;
      askedBy[key] = p.name;
    }
  }
  if (Object.keys(merged).length > MAX_LABELS) problems.push(problem([], `the projects ask for more than ${MAX_LABELS} agent labels together`));
  return Object.keys(merged).length > 0 ? merged : undefined;
}
