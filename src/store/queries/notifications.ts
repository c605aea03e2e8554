import type { NotificationAttempt } from '../../core/notifier.js';
import type { SqlBackend } from '../backend.js';

export async function recordNotification(backend: SqlBackend, a: NotificationAttempt): Promise<void> {
  await backend.db
    .insertInto('notifications')
    .values({ build_id: a.buildId, notifier: a.notifier, event: a.event, attempt: a.attempt, ok: a.ok ? 1 : 0, detail: a.detail, at: a.at })
    .execute();
}

export async function listNotifications(backend: SqlBackend, buildId: string): Promise<NotificationAttempt[]> {
  const rows = await backend.db.selectFrom('notifications').selectAll().where('build_id', '=', buildId).orderBy('seq', 'asc').execute();
  return rows.map((r) => ({
    buildId: r.build_id,
    notifier: r.notifier,
    event: r.event,
    attempt: r.attempt,
    ok: r.ok === 1,
    detail: r.detail,
    at: r.at,
  }));
}
