import { missingLabels, type Claimer } from '../core/agent.js';
import type { BuildRecord } from '../core/build.js';
import type { BuildFile } from '../core/project.js';
import { toError } from '../core/errors.js';
import type { BuildEvents } from '../core/events.js';
import { LeaseLostError, type Lease, type Store } from '../core/store.js';
import type { LogHub } from '../logs/hub.js';
import { runPipeline } from '../pipeline/run.js';
import { removeStaleWorkspace, workspaceOf } from '../pipeline/workspace.js';
import type { PipelineDeps } from '../pipeline/types.js';
import { BuildGroup } from './group.js';
import { leasedStore, markingPushes } from './leased.js';

export interface ExecuteDeps extends PipelineDeps {
  store: Store;
  logs: LogHub;
  /** Where the build's start, end and skip are reported (made in the composition root). */
  events: BuildEvents;
  /** Who claimed the build: a build.yml asking for labels it lacks is handed back to the queue. */
  claimer?: Claimer;
}

/**
 * Runs a claimed (`started`) build through the pipeline and records what happens: the group's
 * projects as sibling builds, each project's outcome, and a final status for every record of the group
 * even when the pipeline fails before the projects start.
 */
export async function executeBuild(build: BuildRecord, deps: ExecuteDeps, signal: AbortSignal, lease?: Lease): Promise<void> {
  const { logs } = deps;
  const log = logs.writer(build.groupId);
  // Writes may be retried for up to two thirds of a lease: past that the scheduler stops the run.
  const store = lease ? leasedStore(deps.store, lease, (deps.config.builds.leaseSeconds * 1000 * 2) / 3) : deps.store;
  const engine = lease ? markingPushes(deps.engine, store, build.id) : deps.engine;
  const group = new BuildGroup(build, { store, events: deps.events, log });
  const attempt = lease?.attempt ?? build.attempt;
  // An earlier attempt's workspace goes now when the process that made it is gone (killed mid-build),
  // not only at this host's next start-up; one of a process still running is that process's to remove.
  for (let a = 1; a < attempt; a++) await removeStaleWorkspace(workspaceOf(deps.config.paths.builds, { id: build.id, attempt: a })).catch(() => false);
  try {
    const result = await runPipeline(
      { ...deps, engine, history: store },
      {
        repo: build.repo,
        ref: build.branch || undefined,
        options: build.options,
        workDir: workspaceOf(deps.config.paths.builds, { id: build.id, attempt }),
        log,
        signal,
      },
      { ...group.listener(), onBuildFile: (buildFile) => admit(build, buildFile, { ...deps, store }) },
    );
    if (result.handedBack !== undefined) await store.handBack(build.id, build.options);
    else await group.settle(result);
  } catch (err) {
    // A run whose build was taken over has nothing left to record: the build is another process's now.
    if (!(err instanceof LeaseLostError)) await group.failAll(`system error: ${toError(err).message}`);
    throw err;
  } finally {
    await log.flush();
    logs.touch(build.groupId);
  }
}

/**
 * Remembers what the repository's build.yml asks of agents (so claims filter on it from now on) and
 * says why this agent must give the build back when it lacks any of it.
 */
async function admit(build: BuildRecord, buildFile: BuildFile, deps: ExecuteDeps): Promise<string | undefined> {
  const { claimer } = deps;
  if (!claimer) return undefined;
  const wanted = buildFile.agent ?? {};
  await deps.store.rememberLabels(build.repo, wanted);
  const missing = missingLabels(wanted, claimer.labels);
  return missing.length > 0 ? `agent ${claimer.agent} does not offer ${missing.join(', ')}` : undefined;
}
