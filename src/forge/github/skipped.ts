import type { BuildRecord } from '../../core/build.js';
import type { Store } from '../../core/store.js';

/**
 * The runner's `onSkipped` hook: a webhook build that settings.matching skipped records why on the
 * delivery that queued it, so `GET /api/hooks/deliveries` tells the whole story.
 */
export function recordSkipped(store: Store): (build: BuildRecord, reason: string) => Promise<void> {
  return async (build, reason) => {
    const delivery = build.options.webhook?.delivery;
    if (delivery === undefined) return;
    await store.updateDelivery(delivery, { result: `skipped: ${reason}`, buildId: build.id }).catch(() => undefined);
  };
}
