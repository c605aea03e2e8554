import type { BuildRecord } from './build.js';

/**
 * The Notifier port: tells the outside world about a build (GitHub commit status, Slack, email).
 * A notifier that cannot deliver logs and gives up; it never fails the build.
 */
export interface Notifier {
  started(build: BuildRecord): Promise<void>;
  finished(build: BuildRecord): Promise<void>;
}

/** Fans out to several notifiers; one failing does not stop the others. */
export function allNotifiers(notifiers: Notifier[]): Notifier {
  return {
    started: async (b) => void (await Promise.allSettled(notifiers.map((n) => n.started(b)))),
    finished: async (b) => void (await Promise.allSettled(notifiers.map((n) => n.finished(b)))),
  };
}
