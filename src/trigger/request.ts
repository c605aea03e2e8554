import type { Logger } from 'pino';
import { badInput, toError } from '../core/errors.js';
import type { BuildOptions, BuildRecord, Trigger } from '../core/build.js';
import type { NewBuild, Supersession } from '../core/store.js';
import { checkRefName, checkRepoUrl } from '../git/url.js';
import { cancelBuild, type CancelDeps } from './cancel.js';
import { parseBuildOptions } from './options.js';

export interface RequestDeps extends CancelDeps {
  allowedSchemes: string[];
  /** Tells the scheduler there is work. */
  wake(): void;
  /** `builds.cancelSuperseded`: a newer build of a branch cancels the one running too. */
  cancelSuperseded: boolean;
  /** Where a build queued despite a step after it failing (superseding the older ones) is reported. */
  log?: Pick<Logger, 'warn'>;
}

export interface BuildInput {
  repo: unknown;
  branch?: unknown;
  options?: unknown;
  trigger: Trigger;
  /** Known commit (webhooks): a second request for the same commit while one is queued is not built twice. */
  commit?: string;
  /** Options only trusted callers set (webhooks), merged after the request's options are validated. */
  internal?: Pick<BuildOptions, 'webhook' | 'forge' | 'dependency'>;
}

/**
 * Validates an untrusted build request and queues it; nothing is cloned here. The API, rebuilds,
 * dependents and a pull request's looked-up head come through here, and a newer build supersedes the
 * older ones of its repository and branch; a webhook's build is checked by `checkBuild` and queued and
 * superseding in its delivery's transaction (Store.receiveDelivery), then joins `afterSuperseded`.
 */
export async function requestBuild(deps: RequestDeps, input: BuildInput): Promise<{ build: BuildRecord; created: boolean }> {
  // Validated before the store is touched: bad input never reaches it.
  const build = checkBuild(input, deps.allowedSchemes);
  const result = await deps.store.createBuild(build);
  if (result.created) await afterCreated(deps, result.build);
  return result;
}

/**
 * What follows a newly queued build: older ones of its branch are superseded, and the scheduler woken.
 * The build is queued whatever happens here: the request is answered with it, never with an error
 * (its caller would ask again and queue it twice). Superseding that fails (the database busy past its
 * pool's wait) leaves the older builds of the branch queued; the next request of the branch cancels them.
 */
async function afterCreated(deps: RequestDeps, build: BuildRecord): Promise<void> {
  try {
    // Tags are releases, each kept: they neither supersede nor are superseded.
    if (build.options.webhook?.refType !== 'tag') await afterSuperseded(deps, await deps.store.supersede(build.repo, build.branch));
  } catch (err) {
    deps.log?.warn(`build ${build.id} queued, but the older builds of its branch were not superseded: ${toError(err).message}`);
  } finally {
    deps.wake();
  }
}

/** The build an untrusted request asks for, validated; throws a bad-input error saying what is wrong. */
export function checkBuild(input: BuildInput, allowedSchemes: string[]): NewBuild {
  if (typeof input.repo !== 'string' || input.repo.trim() === '') throw badInput('repo is required, e.g. ?repo=https://github.com/org/app');
  // checkRepoUrl also refuses credentials in the URL: it is stored, listed by the API and logged.
  const repo = checkRepoUrl(input.repo.trim(), allowedSchemes);
  let branch = '';
  if (input.branch !== undefined && input.branch !== null && input.branch !== '') {
    if (typeof input.branch !== 'string') throw badInput('branch must be a string');
    branch = checkRefName(input.branch);
  }
  const options: BuildOptions = { ...parseBuildOptions(input.options), ...input.internal };
  return { repo, branch, trigger: input.trigger, options, commit: input.commit ?? null };
}

/**
 * Older queued builds of the branch were canceled (`superseded by <id>`), by `supersede` or in a
 * webhook's own transaction: only the newest commit is worth building. Their log followers are told;
 * running ones are canceled too with `builds.cancelSuperseded`, through the cancel use case so the run
 * and its siblings stop; not one building the very commit that was queued again, which would only
 * start over.
 */
export async function afterSuperseded(deps: RequestDeps, done: Supersession | undefined): Promise<void> {
  if (!done) return;
  for (const build of done.canceled) deps.touch(build.groupId);
  if (!deps.cancelSuperseded) return;
  const reason = `superseded by ${done.newest.groupId}`;
  for (const build of done.running) {
    if (build.commit !== null && build.commit === done.newest.commit) continue;
    await cancelBuild(deps, build, reason);
  }
}
