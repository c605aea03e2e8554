import type { Logger } from 'pino';
import type { BuildRecord } from '../core/build.js';
import type { ContainerRun, Engine, LeftoverRun } from '../core/engine.js';
import { toError } from '../core/errors.js';
import type { BuildEvents } from '../core/events.js';
import type { Reclaimed, Store } from '../core/store.js';
import type { LogHub } from '../logs/hub.js';

export interface ReclaimedDeps {
  engine: Pick<Engine, 'removeLeftovers' | 'containerRuns'>;
  logs: Pick<LogHub, 'writer'>;
  events: Pick<BuildEvents, 'finished'>;
  log: Logger;
  /** This process in leases, for its log lines. */
  owner: string;
}

/**
 * What a process does with the builds it took back from a process that stopped responding (or from its
 * own previous life): a line in each build's log; the finished event for each build failed `lost`, so
 * it notifies like any finished build (the Store's reclaim hands each build to one process only, so
 * it is told once, whoever else reclaims at the same time); and the removal of the containers those
 * runs left on this process's engine (on another engine, the next process starting there sweeps them).
 * Returns at once; `idle()` resolves when the background work has settled.
 */
export function reclaimedHandler(deps: ReclaimedDeps): { onReclaimed(reclaimed: Reclaimed): void; idle(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const note = async (groupId: string, line: string): Promise<void> => {
    const w = deps.logs.writer(groupId);
    w.write(`${line}\n`);
    await w.flush();
  };
  return {
    onReclaimed({ requeued, failed }) {
      for (const b of requeued) track(note(b.groupId, `Re-queued as attempt ${b.attempt}: the process that ran it stopped responding`).catch(warn(deps.log)));
      for (const b of failed) {
        // Told after its log line, as a run tells a build's end after its last line.
        track(note(b.groupId, `FAILED: ${b.error ?? 'lost'}`).catch(warn(deps.log)).then(() => deps.events.finished({ build: b, checkedOut: checkedOutCommit(b) })));
      }
      deps.log.warn(`${deps.owner} took back ${requeued.length} build(s) (re-queued) and ${failed.length} (failed lost)`);
      track(removeLeftovers(deps, lostRuns({ requeued, failed }), 'runs taken back'));
    },
    idle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/**
 * Removes, when the process starts and before it claims anything, the containers on its engine whose
 * run is over: every run of its own owner (it restarted, so none of them is alive), and any other
 * process's run the Store no longer has going (no build of its group `started` under that owner and
 * attempt: taken back by a process on another engine, or finished). A run still going keeps its
 * containers, even one of a process that is dead but whose lease has not yet run out; so does a run
 * of a build this Store does not know: another installation sharing the engine (whose processes may
 * well have this one's name, the host name by default) is not this one's to judge.
 * An engine or database that does not answer is only a warning: the process starts anyway.
 */
export async function sweepLeftovers(deps: Pick<ReclaimedDeps, 'engine' | 'log'> & { store: Pick<Store, 'listGroup'> }, owner: string): Promise<void> {
  const over: LeftoverRun[] = [];
  // Runs of one build (its attempts, or owners) ask the store once.
  const groups = new Map<string, Promise<BuildRecord[]>>();
  const groupOf = (build: string): Promise<BuildRecord[]> => {
    let group = groups.get(build);
    if (!group) groups.set(build, (group = deps.store.listGroup(build)));
    return group;
  };
  try {
    for (const run of await deps.engine.containerRuns()) {
      const group = await groupOf(run.build);
      if (group.length === 0) continue;
      // Any build of the group: a sibling project may still run after the first one ended.
      const going = group.some((b) => b.status === 'started' && b.leaseOwner === run.owner && b.attempt === run.attempt);
      if (run.owner === owner || !going) over.push(run);
    }
  } catch (err) {
    deps.log.warn(`could not look for containers left by stopped runs: ${toError(err).message}`);
    return;
  }
  await removeLeftovers(deps, over, 'stopped runs');
}

async function removeLeftovers(deps: Pick<ReclaimedDeps, 'engine' | 'log'>, runs: readonly LeftoverRun[], whose: string): Promise<void> {
  if (runs.length === 0) return;
  try {
    const removed = await deps.engine.removeLeftovers(runs);
    if (removed.length === 0) return;
    const list = removed.map((c) => `${c.id.slice(0, 12)} (build ${c.build ?? '?'}, ${c.owner ?? '?'})`).join(', ');
    deps.log.info(`removed ${removed.length} container(s) left by ${whose}: ${list}`);
  } catch (err) {
    deps.log.warn(`could not remove the containers left by ${whose}: ${toError(err).message}`);
  }
}

/**
 * The runs the reclaim ended, as their containers are labelled: a re-queued build's lost run is the
 * attempt before its new one (so its next run, on whichever process, is never matched); a failed
 * build's is its last. Every build of a group ran in the group's one run, labelled with the group's id.
 */
export function lostRuns({ requeued, failed }: Reclaimed): Pick<ContainerRun, 'build' | 'attempt'>[] {
  const runs = new Map<string, Pick<ContainerRun, 'build' | 'attempt'>>();
  for (const b of requeued) runs.set(b.groupId, { build: b.groupId, attempt: b.attempt - 1 });
  for (const b of failed) runs.set(b.groupId, { build: b.groupId, attempt: b.attempt });
  return [...runs.values()];
}

/**
 * The commit a lost build's checkout resolved, or undefined when it never got that far: the plan
 * records the commit together with the image, before which `commit` is at most what a webhook claimed.
 */
export const checkedOutCommit = (b: BuildRecord): string | undefined => (b.tag !== null && b.commit !== null ? b.commit : undefined);

const warn = (log: Logger) => (err: unknown): void => log.warn(`could not note a taken-back build in its log: ${toError(err).message}`);
