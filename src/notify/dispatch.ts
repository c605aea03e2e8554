import { projectShortName } from '../core/build.js';
import type { Config } from '../core/config.js';
import { toError } from '../core/errors.js';
import type { BuildEvent, BuildListener } from '../core/events.js';
import { NotifyError, type Notification, type Notifier, type NotifierName } from '../core/notifier.js';
import type { Store } from '../core/store.js';
import { backoff, withRetry } from '../core/retry.js';
import type { LogHub } from '../logs/hub.js';
import { buildPageUrl } from './github-status.js';
import { recipients } from './recipients.js';
import { commonSettings, retryPolicy } from './settings.js';

export interface NotificationsDeps {
  config: Config;
  store: Store;
  logs: Pick<LogHub, 'writer'>;
  notifiers: Map<NotifierName, Notifier>;
  /** Scrubs secrets from what is recorded (a receiver may echo a token back in its answer). */
  mask(text: string): string;
}

/** The build events' listener that notifies; `idle()` resolves once every queued send has settled. */
export interface Notifications extends BuildListener {
  idle(): Promise<void>;
}

/**
 * Sends notifications in the background, after the build's status (and duration) is stored, so a slow
 * or dead receiver never holds a build up. Sends to one notifier about one build go in order (GitHub's
 * `pending` before its `success`). Every attempt is recorded in the Store; each notification ends
 * with one line in the build's log.
 */
export function createNotifications(deps: NotificationsDeps): Notifications {
  const { config, notifiers } = deps;
  const chains = new Map<string, Promise<void>>();

  const logLine = async (groupId: string, text: string): Promise<void> => {
    const log = deps.logs.writer(groupId);
    log.write(text);
    await log.flush();
  };

  const record = (n: Notification, name: string, attempt: number, ok: boolean, detail: string): Promise<void> =>
    deps.store
      .recordNotification({ buildId: n.build.id, notifier: name, event: n.event, attempt, ok, detail: deps.mask(detail), at: new Date().toISOString() })
      .catch(() => undefined);

  const deliver = async (notifier: Notifier, n: Notification): Promise<void> => {
    const about = `${projectShortName(n.build.project, n.build.repo)} ${n.event === 'started' ? 'started' : n.build.status}`;
    let attempts = 0;
    try {
      const detail = await withRetry(
        retryPolicy(settingsOf(config, notifier.name)),
        async (signal, attempt) => {
          attempts = attempt;
          try {
            const done = await notifier.send(n, signal);
            await record(n, notifier.name, attempt, true, done);
            return done;
          } catch (err) {
            const failure = asNotifyError(err, signal);
            await record(n, notifier.name, attempt, false, failure.message);
            throw failure;
          }
        },
        (err, policy, attempt) => (err instanceof NotifyError && err.retryable ? backoff(policy, attempt) : undefined),
      );
      await logLine(n.build.groupId, `Notified ${notifier.name} (${about}): ${deps.mask(detail)}`);
    } catch (err) {
      const reason = deps.mask(toError(err).message);
      await logLine(n.build.groupId, `Notification ${notifier.name} (${about}) failed after ${attempts} attempt(s): ${reason}`);
    }
  };

  const enqueue = (key: string, task: () => Promise<void>): void => {
    const next = (chains.get(key) ?? Promise.resolve())
      .then(task)
      .catch(() => undefined)
      .finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    chains.set(key, next);
  };

  const dispatch = async (event: Notification['event'], e: BuildEvent): Promise<void> => {
    const n: Notification = { event, build: e.build, project: e.project, commit: e.checkedOut, link: buildPageUrl(config.app.url, e.build.id) };
    // The build.yml read by this run, else the list its checkout recorded (a lost build taken back).
    for (const name of recipients(config, e.build, e.project?.notify ?? e.build.notify)) {
      const notifier = notifiers.get(name);
      if (!notifier) {
        // A webhook build whose build.yml was never read asks GitHub implicitly; only named ones are worth a line.
        if (event === 'finished' && e.project !== undefined) await logLine(e.build.groupId, `Notification ${name}: not configured in config.yml (notifications.${name}); nothing sent`);
        continue;
      }
      if (notifier.wants(n)) enqueue(`${e.build.id}\n${name}`, () => deliver(notifier, n));
    }
  };

  return {
    started: (e) => dispatch('started', e),
    finished: (e) => dispatch('finished', e),
    idle: async () => {
      while (chains.size > 0) await Promise.allSettled([...chains.values()]);
    },
  };
}

function asNotifyError(err: unknown, signal: AbortSignal): NotifyError {
  if (err instanceof NotifyError) return err;
  if (signal.aborted) return new NotifyError('no answer within the timeout', true, { cause: err });
  // Anything unexpected (a bug, a library surprise) is tried again: the budget bounds it.
  return new NotifyError(toError(err).message, true, { cause: err });
}

/** Timeout and attempts of `notifications.<name>` (validated at start by the notifier itself). */
function settingsOf(config: Config, name: string): { timeout: number; attempts: number } | undefined {
  const parsed = commonSettings.safeParse(config.notifications[name] ?? {});
  return parsed.success ? parsed.data : undefined;
}
