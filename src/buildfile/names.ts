import { repoName } from '../core/build.js';

/** Docker's limit on a repository name. */
export const MAX_NAME_LENGTH = 128;

/** Docker's path component: lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

export function isProjectName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

/** Why `name` cannot name a project (an image), or undefined when it can. */
export function projectNameProblem(name: string): string | undefined {
  if (isProjectName(name)) return undefined;
  const quoted = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
  if (name.length > MAX_NAME_LENGTH) return `project name ${quoted} is longer than ${MAX_NAME_LENGTH} characters`;
  return `${quoted} is not a valid project name: it names an image, so use lowercase letters and digits joined by ".", "_" or "-", with "/" between namespace parts`;
}

/**
 * The project name for a repository without projects: Roger's (the repository name), made into a valid
 * image name only when it is not one, so ordinary repositories keep Roger's identity.
 */
export function defaultProjectName(repo: string): string {
  const base = repoName(repo);
  if (isProjectName(base)) return base;
  if (isProjectName(base.toLowerCase())) return base.toLowerCase();
  const cleaned = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_NAME_LENGTH)
    .replace(/^-+|-+$/g, '');
  return cleaned || 'project';
}
