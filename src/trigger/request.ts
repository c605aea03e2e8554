import { badInput } from '../core/errors.js';
import type { BuildOptions, BuildRecord, Trigger } from '../core/build.js';
import type { Store } from '../core/store.js';
import { checkRefName, checkRepoUrl } from '../git/url.js';
import { parseBuildOptions } from './options.js';

export interface RequestDeps {
  store: Store;
  allowedSchemes: string[];
  /** Tells the scheduler there is work. */
  wake(): void;
}

export interface BuildInput {
  repo: unknown;
  branch?: unknown;
  options?: unknown;
  trigger: Trigger;
  /** Known commit (webhooks): a second request for the same commit while one is queued is not built twice. */
  commit?: string;
  /** Options only trusted callers set (webhooks), merged after the request's options are validated. */
  internal?: Pick<BuildOptions, 'webhook' | 'dependency'>;
}

/** Validates an untrusted build request and queues it; nothing is cloned here. */
export async function requestBuild(deps: RequestDeps, input: BuildInput): Promise<{ build: BuildRecord; created: boolean }> {
  if (typeof input.repo !== 'string' || input.repo.trim() === '') throw badInput('repo is required, e.g. ?repo=https://github.com/org/app');
  // checkRepoUrl also refuses credentials in the URL: it is stored, listed by the API and logged.
  const repo = checkRepoUrl(input.repo.trim(), deps.allowedSchemes);
  let branch = '';
  if (input.branch !== undefined && input.branch !== null && input.branch !== '') {
    if (typeof input.branch !== 'string') throw badInput('branch must be a string');
    branch = checkRefName(input.branch);
  }
  const options: BuildOptions = { ...parseBuildOptions(input.options), ...input.internal };
  const result = await deps.store.createBuild({ repo, branch, trigger: input.trigger, options, commit: input.commit ?? null });
  if (result.created) deps.wake();
  return result;
}
