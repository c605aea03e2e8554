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

/** What happened to a build, as live viewers (the UI's event stream) learn of it. */
export type BuildChange = 'created' | 'started' | 'finished' | 'skipped';

export type BuildChangeHandler = (change: BuildChange, build: BuildRecord) => void;

/**
 * This process's build changes for whoever watches live. Builds that agents run in other processes
 * never pass through it: watchers still poll now and then for those.
 */
export interface BuildFeed {
  publish(change: BuildChange, build: BuildRecord): void;
  /** Returns the unsubscribe. */
  subscribe(handler: BuildChangeHandler): () => void;
}

/** Synchronous fan-out; a handler that throws does not keep a change from the others. */
export function buildFeed(onError: (err: unknown) => void = () => undefined): BuildFeed {
  const handlers = new Set<BuildChangeHandler>();
  return {
    publish(change, build) {
      for (const h of handlers) {
        try {
          h(change, build);
        } catch (err) {
          onError(err);
        }
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
}

/** The runner's started, finished and skipped events, passed on to a feed. */
export const feedListener = (feed: BuildFeed): BuildListener => ({
  started: ({ build }) => feed.publish('started', build),
  finished: ({ build }) => feed.publish('finished', build),
  skipped: ({ build }) => feed.publish('skipped', build),
});
