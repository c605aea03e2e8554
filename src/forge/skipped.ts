import type { BuildListener } from '../core/events.js';
import type { Store } from '../core/store.js';

/**
 * A webhook build that settings.matching skipped records why on the delivery that queued it, so
 * `GET /api/hooks/deliveries` tells the whole story.
 */
export function recordSkipped(store: Store): BuildListener {
  return {
    async skipped({ build, reason }) {
      const delivery = build.options.webhook?.delivery;
      if (delivery === undefined) return;
      await store.updateDelivery(delivery, { result: `skipped: ${reason}`, buildId: build.id }).catch(() => undefined);
    },
  };
}
