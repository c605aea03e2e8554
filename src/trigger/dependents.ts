import type { Logger } from 'pino';
import type { BuildRecord } from '../core/build.js';
import { toError } from '../core/errors.js';
import type { BuildListener } from '../core/events.js';
import type { Dependent } from '../core/store.js';
import { normalizeRef } from '../engine/ref.js';
import { requestBuild, type RequestDeps } from './request.js';

/** Builds in one chain of rebuilds (A's push rebuilds B, whose push rebuilds C, …) at most. */
export const MAX_CHAIN = 10;

export interface DependentsDeps extends RequestDeps {
  log: Pick<Logger, 'info' | 'warn'>;
}

/**
 * Rebuilds dependents: when a build pushes an image, every project whose last default-branch build
 * used that image in a FROM line gets its default branch queued (`trigger: dependency`). A project
 * opts out of rebuilding others with `rebuildDependents: false`.
 */
export function dependentsListener(deps: DependentsDeps): BuildListener {
  return {
    async finished({ build, project }) {
      if (build.status !== 'passed' || project?.rebuildDependents === false) return;
      await queueDependents(deps, build);
    },
  };
}

/**
 * Queues one build per dependent repository and branch for `build` (its cause), never a repository
 * already in the chain: a FROM cycle between projects builds each of them once. Returns the builds.
 */
export async function queueDependents(deps: DependentsDeps, build: BuildRecord): Promise<BuildRecord[]> {
  const pushed = (build.tags ?? (build.tag ? [build.tag] : [])).flatMap((t) => normalizeRef(t) ?? []);
  if (pushed.length === 0) return [];
  const chain = [...(build.options.dependency?.chain ?? []), build.project];
  const inChain = (d: Dependent): boolean => chain.some((p) => p === d.project || p.startsWith(`${d.repo}__`));
  const targets = new Map<string, Dependent>();
  for (const d of await deps.store.dependentsOf(pushed)) {
    if (!inChain(d)) targets.set(JSON.stringify([d.repo, d.branch]), d);
  }
  if (targets.size === 0) return [];
  if (chain.length >= MAX_CHAIN) {
    deps.log.warn(`build ${build.id}: ${targets.size} dependent repositories not rebuilt: the chain of rebuilds is already ${chain.length} long (limit ${MAX_CHAIN})`);
    return [];
  }
  const queued: BuildRecord[] = [];
  for (const d of targets.values()) {
    try {
      const { build: next } = await requestBuild(deps, {
        repo: d.repo,
        branch: d.branch,
        trigger: 'dependency',
        internal: { dependency: { cause: build.id, chain } },
      });
      queued.push(next);
      deps.log.info(`build ${build.id} pushed ${build.tag ?? ''}: queued build ${next.id} of ${d.repo} ${d.branch} (uses it in FROM)`);
    } catch (err) {
      // One dependent that cannot be queued (its scheme no longer allowed) must not keep the others.
      deps.log.warn(`build ${build.id}: cannot queue the dependent ${d.project}: ${toError(err).message}`);
    }
  }
  return queued;
}
