import type { BuildRecord } from './build.js';
import type { Project } from './project.js';

/**
 * The Notifier port: tells the outside world about a build (GitHub commit status, Slack, email).
 * A notifier that cannot deliver logs and gives up; it never fails the build.
 */
export interface Notifier {
  /** `project` is the build.yml entry, once the checkout has read it (its `notify` list applies). */
  started(build: BuildRecord, project?: Project): Promise<void>;
  finished(build: BuildRecord, project?: Project): Promise<void>;
}

/** Fans out to several notifiers; one failing does not stop the others. */
export function allNotifiers(notifiers: Notifier[]): Notifier {
  return {
    started: async (b, p) => void (await Promise.allSettled(notifiers.map((n) => n.started(b, p)))),
    finished: async (b, p) => void (await Promise.allSettled(notifiers.map((n) => n.finished(b, p)))),
  };
}
