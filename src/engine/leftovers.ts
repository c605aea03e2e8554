import type { ContainerRun, LeftoverRun, RemovedContainer } from '../core/engine.js';
import type { EngineClient } from './client.js';
import { CONTAINER_LABEL } from './container.js';
import { statusCodeOf } from './errors.js';

/**
 * Containers outlive a process killed with `-9`: nothing in it is left to remove them. Each carries
 * its run's labels, so a later process on the same engine can tell which are left behind: its own
 * previous life's (by owner), or those of runs whose lease another process took back (by build and
 * attempt; the next attempt of a re-queued build has another, so a live run is never matched).
 */
export const OWNER_LABEL = 'io.github.roger.owner';
export const BUILD_LABEL = 'io.github.roger.build';
export const ATTEMPT_LABEL = 'io.github.roger.attempt';

export function runLabels(run: ContainerRun): Record<string, string> {
  return { [OWNER_LABEL]: run.owner, [BUILD_LABEL]: run.build, [ATTEMPT_LABEL]: String(run.attempt) };
}

function matches(labels: Record<string, string>, runs: readonly LeftoverRun[]): boolean {
  return runs.some(
    (r) => labels[BUILD_LABEL] === r.build && labels[ATTEMPT_LABEL] === String(r.attempt) && (r.owner === undefined || labels[OWNER_LABEL] === r.owner),
  );
}

/** Roger's containers that carry a run's labels, in any state. */
async function labelledContainers(client: EngineClient) {
  const docker = await client.docker();
  return { docker, listed: await docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABEL}=true`, BUILD_LABEL] } }) };
}

export async function containerRuns(client: EngineClient): Promise<ContainerRun[]> {
  const { listed } = await labelledContainers(client);
  const runs = new Map<string, ContainerRun>();
  for (const { Labels: l } of listed) {
    const [owner, build, attempt] = [l[OWNER_LABEL], l[BUILD_LABEL], Number(l[ATTEMPT_LABEL])];
    if (owner === undefined || build === undefined || !Number.isInteger(attempt)) continue;
    runs.set(JSON.stringify([owner, build, attempt]), { owner, build, attempt });
  }
  return [...runs.values()];
}

export async function removeLeftovers(client: EngineClient, runs: readonly LeftoverRun[]): Promise<RemovedContainer[]> {
  if (runs.length === 0) return [];
  // One listing for several runs; the engine's label filter cannot say "any of".
  const { docker, listed } = await labelledContainers(client);
  const removed: RemovedContainer[] = [];
  for (const c of listed.filter((l) => matches(l.Labels, runs))) {
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
    } catch (err) {
      // Gone already: removed by its own run's clean-up, or by another process at the same time.
      if (statusCodeOf(err) !== 404 && statusCodeOf(err) !== 409) throw err;
      continue;
    }
    removed.push({ id: c.Id, owner: c.Labels[OWNER_LABEL], build: c.Labels[BUILD_LABEL] });
  }
  return removed;
}
