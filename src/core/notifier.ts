import type { BuildRecord } from './build.js';
import type { Project } from './project.js';

/** The names build.yml's `notify:` and config.yml's `notifications.<name>` know. */
export const NOTIFIER_NAMES = ['github', 'gitlab', 'gitea', 'slack', 'emailSes', 'email', 'webhook'] as const;
/** The commit status notifiers, one per forge; build.yml naming any of them means "the build's forge". */
export const STATUS_NOTIFIERS = ['github', 'gitlab', 'gitea'] as const;
export type NotifierName = (typeof NOTIFIER_NAMES)[number];

export const isNotifierName = (name: string): name is NotifierName => (NOTIFIER_NAMES as readonly string[]).includes(name);

/** What a notifier is told: one build record that started or finished. */
export interface Notification {
  event: 'started' | 'finished';
  build: BuildRecord;
  project?: Project;
  /** The commit sha the checkout resolved; undefined when the build never got that far. */
  commit?: string;
  /** The build's page: `<app.url>/builds/<id>`. */
  link: string;
}

/**
 * The Notifier port: tells the outside world about a build (GitHub commit status, Slack, email, a
 * webhook). `send` is one attempt; the caller times it out through `signal`, retries what is worth
 * retrying and records every attempt. A notifier never fails or delays a build.
 */
export interface Notifier {
  readonly name: NotifierName;
  /** Whether this notification concerns it (most speak only when a build passed or failed). */
  wants(n: Notification): boolean;
  /** One attempt. Resolves with a short account of what was sent (no secrets); throws a NotifyError. */
  send(n: Notification, signal: AbortSignal): Promise<string>;
}

/** A failed attempt: `retryable` for network errors, timeouts, 5xx and 429; not for a refusal. */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NotifyError';
  }
}

/** One attempt's outcome, as recorded and listed by `GET /api/builds/:id/notifications`. */
export interface NotificationAttempt {
  buildId: string;
  notifier: string;
  event: Notification['event'];
  /** 1 for the first try. */
  attempt: number;
  ok: boolean;
  /** What was sent, or why it failed. */
  detail: string;
  /** ISO-8601. */
  at: string;
}
