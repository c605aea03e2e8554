import { badInput } from '../core/errors.js';

/** Docker's own limit for a tag. */
const MAX_TAG = 128;

/**
 * Image tag for a branch or git tag, per Roger: `master` and the repository's default branch become
 * `latest`; characters outside [A-Za-z0-9_.-] become `-`; at most 128 characters.
 */
export function imageTag(ref: string, defaultBranch: string | undefined): string {
  if (ref === 'master' || (defaultBranch !== undefined && ref === defaultBranch)) return 'latest';
  return sanitizeTag(ref).slice(0, MAX_TAG);
}

/** A value made fit for a tag the way branch names always were. */
function sanitizeTag(value: string): string {
  // Docker refuses tags starting with '.' or '-'.
  return value.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]/, '_');
}

export const TEMPLATE_NAMES = ['branch', 'tag', 'sha', 'short_sha', 'date'] as const;
type TemplateName = (typeof TEMPLATE_NAMES)[number];

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;
/** Literal text of a template must already be a valid tag part: only placeholder values are sanitized. */
const LITERAL = /^[A-Za-z0-9_.-]*$/;

/** Why a `tags:` template cannot work on any build, or undefined when it is fine. */
export function templateProblem(template: string): string | undefined {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!(TEMPLATE_NAMES as readonly string[]).includes(name)) {
      return `unknown placeholder {{${name}}} (known: ${TEMPLATE_NAMES.map((n) => `{{${n}}}`).join(', ')})`;
    }
  }
  const literal = template.replace(PLACEHOLDER, '');
  if (!LITERAL.test(literal)) return `"${template.slice(0, 100)}" has characters a tag cannot hold outside {{…}} (allowed: A-Z a-z 0-9 _ . -)`;
  if (/^[.-]/.test(template)) return `"${template.slice(0, 100)}" starts with "${template[0]}"; a tag cannot`;
  return undefined;
}

export interface TagContext {
  ref: string;
  refType: 'branch' | 'tag';
  sha: string;
  now: Date;
}

/**
 * One template's tag, or undefined when it names a value this build has not: `{{tag}}` on a branch
 * build, `{{branch}}` on a tag build. `{{sha}}` on a tag build is the commit the tag points at.
 * Throws a bad-input error for a result Docker would refuse.
 */
export function expandTemplate(template: string, ctx: TagContext): string | undefined {
  const values: Record<TemplateName, string | undefined> = {
    branch: ctx.refType === 'branch' ? ctx.ref : undefined,
    tag: ctx.refType === 'tag' ? ctx.ref : undefined,
    sha: ctx.sha,
    short_sha: ctx.sha.slice(0, 7),
    date: ctx.now.toISOString().slice(0, 10).replace(/-/g, ''),
  };
  let missing = false;
  const tag = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name as TemplateName];
    if (value === undefined) missing = true;
    return sanitizeTag(value ?? '');
  });
  if (missing) return undefined;
  if (tag === '' || tag.length > MAX_TAG || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(tag)) {
    throw badInput(`tags: "${template.slice(0, 200)}" expands to "${tag.slice(0, 200)}", which is not a valid image tag (1 to ${MAX_TAG} of A-Z a-z 0-9 _ . -, not starting with . or -)`);
  }
  return tag;
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: string | undefined;
}

export function parseVersion(ref: string): Version | undefined {
  const m = SEMVER.exec(ref);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] };
}

const compare = (a: Version, b: Version): number => a.major - b.major || a.minor - b.minor || a.patch - b.patch;

/**
 * `auto_tag` on a semver git tag: the version for a pre-release alone; for a release `1.2.3`, and
 * `1.2`, `1` and `latest` each only while no higher release among `repoTags` would own them (an older
 * patch release rebuilt later must not take `1` or `latest` from a newer one). Nothing for a ref
 * that is not a semver tag.
 */
export function autoTags(ref: string, repoTags: readonly string[]): string[] {
  const v = parseVersion(ref);
  if (!v) return [];
  const full = `${v.major}.${v.minor}.${v.patch}`;
  if (v.prerelease !== undefined) return [sanitizeTag(`${full}-${v.prerelease}`)];
  const higher = repoTags.flatMap((t) => {
    const other = parseVersion(t);
    return other !== undefined && other.prerelease === undefined && compare(other, v) > 0 ? [other] : [];
  });
  const tags = [full];
  if (!higher.some((h) => h.major === v.major && h.minor === v.minor)) tags.unshift(`${v.major}.${v.minor}`);
  if (!higher.some((h) => h.major === v.major)) tags.unshift(`${v.major}`);
  if (higher.length === 0) tags.push('latest');
  return tags;
}
