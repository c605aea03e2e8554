import { api } from '../lib/api';
import { useNow, usePolled } from '../lib/hooks';
import { isActive, type Build } from '../lib/types';
import { TimeAgo } from './Time';

const POLL_MS = 2000;
/** Notifications are sent after a build ends, with retries: keep looking this long afterwards. */
const AFTER_END_MS = 90_000;

/** Every notification attempt of the build (Slack, email, webhook, GitHub status), oldest first. */
export function Notifications({ build }: { build: Build }) {
  const now = useNow(5000);
  const settling = isActive(build.status) || (build.finished_at !== null && Date.now() - Date.parse(build.finished_at) < AFTER_END_MS);
  const res = usePolled(`notifications:${build.id}:${build.status}`, (signal) => api.notifications(build.id, signal), () => (settling ? POLL_MS : null));
  const attempts = res.data ?? [];
  if (attempts.length === 0) return null;
  return (
    <section className="card" aria-labelledby="notifications-title" data-testid="notifications">
      <h2 id="notifications-title" className="card-title">
        Notifications
      </h2>
      <ul className="notification-list">
        {attempts.map((a, i) => (
          <li key={i} className={a.ok ? 'notification-ok' : 'notification-failed'} data-notifier={a.notifier} data-ok={a.ok}>
            <span className="notification-mark" aria-label={a.ok ? 'sent' : 'failed'}>
              {a.ok ? '✓' : '✕'}
            </span>
            <span>
              <strong>{a.notifier}</strong> <span className="muted">{a.event === 'started' ? 'start' : 'end'} · attempt {a.attempt} · <TimeAgo iso={a.at} now={now} /></span>
            </span>
            <span className="notification-detail muted">{a.detail}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
