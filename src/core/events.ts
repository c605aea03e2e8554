import type { BuildRecord } from './build.js';
import type { Project } from './project.js';

/** One build record at one point of its life, as the runner stored it. */
export interface BuildEvent {
  build: BuildRecord;
  /** The build.yml entry, once the checkout read it. */
  project?: Project;
  /**
   * The commit sha the checkout resolved. Undefined when the build never fetched anything: the sha a
   * webhook claimed up front is only a claim, and nothing may be reported against it.
   */
  checkedOut?: string;
}

/**
 * What a build goes through, reported by the runner after each state is stored. One object, made in
 * the composition root, carries every event to whoever listens (notifiers, metrics, webhook records).
 * Listeners must return quickly: slow work (sending) runs in the background, never inside a build.
 */
export interface BuildEvents {
  /** A build record starts for real: the checkout resolved its commit and its project. */
  started(e: BuildEvent & { project: Project; checkedOut: string }): Promise<void> | void;
  /** A build record reached its final status, already stored with its duration. */
  finished(e: BuildEvent): Promise<void> | void;
  /** settings.matching skipped a webhook build; its `skipped` status is already stored. */
  skipped(e: BuildEvent & { reason: string }): Promise<void> | void;
}

export type BuildListener = Partial<BuildEvents>;

/**
 * Fans each event out to every listener in turn. A listener that throws is reported to `onError`
 * and does not keep the event from the others, nor from the build.
 */
export function buildEvents(listeners: readonly BuildListener[], onError: (err: unknown, event: keyof BuildEvents) => void): BuildEvents {
  const emit = async <K extends keyof BuildEvents>(event: K, e: Parameters<BuildEvents[K]>[0]): Promise<void> => {
    for (const l of listeners) {
      const fn = l[event] as ((arg: typeof e) => Promise<void> | void) | undefined;
      try {
        await fn?.call(l, e);
      } catch (err) {
        onError(err, event);
      }
    }
  };
  return {
    started: (e) => emit('started', e),
    finished: (e) => emit('finished', e),
    skipped: (e) => emit('skipped', e),
  };
}
