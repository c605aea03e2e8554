import { FINISHED, type BuildRecord } from '../core/build.js';
import type { Store } from '../core/store.js';

export interface CancelDeps {
  store: Store;
  /** Aborts a build group running in this process (its pipeline then records `canceled`); false
   *  when it does not run here. */
  abort(groupId: string, reason: string): boolean;
  /** Tells the group's log followers that its builds changed, so they end. */
  touch(groupId: string): void;
}

/**
 * Cancels a build and its siblings, whoever asked (a person, or a newer build superseding it). Running
 * here: aborted, and the pipeline records `canceled` with `reason`. Queued, or running on an agent: the
 * group is recorded canceled; the queue skips it, and the agent's scheduler aborts it on its next look.
 * False when the build had already finished.
 */
export async function cancelBuild(deps: CancelDeps, build: BuildRecord, reason: string): Promise<boolean> {
  if (FINISHED.includes(build.status)) return false;
  if (deps.abort(build.groupId, reason)) return true;
  const group = await deps.store.listGroup(build.groupId);
  const finishedAt = new Date().toISOString();
  for (const b of group.filter((g) => !FINISHED.includes(g.status))) {
    await deps.store.updateBuild(b.id, { status: 'canceled', error: reason, finishedAt });
  }
  deps.touch(build.groupId);
  return true;
}
